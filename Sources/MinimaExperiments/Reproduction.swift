import Foundation
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining
import MinimaLandscape
import MinimaRuns
import MinimaVolume

/// The sweeps behind `minima reproduce`: the paper's Figures 1 and 2 (docs/theory.md §4) on Gaussian
/// data, as sweep specs (the same JSON as `examples/figure*-{quick,full}.json`).
///
/// Figure 1 (random ±1 labels, ReLU, no biases, d = d0 = d1 (= d2)): N is fixed and d is chosen
/// per depth so that #params/N takes the listed ratios (#params = d0·d1 + d1 for one hidden layer,
/// d0·d1 + d1·d2 + d2 for two). Training: full-batch Adam, learning rate 0.01, at most 2000
/// epochs in Float64 (the PyTorch peer's protocol), stopping early once MSE ≤ 1e-4 — which with
/// ±1 labels implies MCE = 0 for N < 10⁴ (a wrong sign costs at least 1 in the sum of squares).
/// `--full`: N = 400 (the PyTorch peer's N, so the curves compare directly; N = 1000 would cost
/// 6× more, a run costing ∝ N²·(#params/N), and not fit 5 minutes on 2 cores), 16 ratios from
/// 0.1 to 10 (two of them give the same two-layer d), 30 repetitions: 930 runs.
/// `--quick`: N = 300, 9 ratios, 5 repetitions.
///
/// Figure 2 (d = d0 = d1, N = ⌊d²/5⌋, one hidden layer, Float64): full-batch Adam at 0.01 for
/// 1000 epochs, then ×0.995 per epoch for 1000 more (the rate ends at 0.01·0.995¹⁰⁰⁰ ≈ 6.7e-5).
/// This reaches MSE ≈ 1e-31 with margins min|wᵢᵀxₙ| of 1e-4 to 1e-2 for d ≤ 60 (the margin, a
/// minimum over d·N pre-activations, shrinks as d grows: at d = 80 it falls to ~5e-5).
/// `--full`: d ∈ {20, 30, 40, 50, 60} (N = 80 … 720), 30 repetitions; `--quick`: d ∈ {20, 30, 40},
/// 4 repetitions.
public enum Reproduction {
    public enum Mode: String, Sendable, CaseIterable { case quick, full }

    public static func figure1(_ mode: Mode) -> SweepSpec { try! SweepSpec.parse(Data(figure1Text(mode).utf8), file: "figure1-\(mode.rawValue)") }
    public static func figure2(_ mode: Mode) -> SweepSpec { try! SweepSpec.parse(Data(figure2Text(mode).utf8), file: "figure2-\(mode.rawValue)") }

    public static func figure1Text(_ mode: Mode) -> String {
        let (n, ratios, reps) = mode == .full
            ? (400, "[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 2, 3, 5, 10]", 30)
            : (300, "[0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2, 4, 10]", 5)
        return """
        {
          "name": "figure1-\(mode.rawValue)",
          "figure": "figure1",
          "description": "Figure 1: final training MCE and MSE against #params/N; Gaussian inputs, random ±1 labels, ReLU, d = d0 = d1 (= d2), N = \(n).",
          "repetitions": \(reps),
          "seed": 1,
          "precision": "float64",
          "data": { "source": "gaussian", "labels": "pm1" },
          "training": { "optimizer": "adam", "learningRate": 0.01, "epochs": 2000, "targetMSE": 0.0001 },
          "grid": {
            "n": [\(n)],
            "d0": { "paramsOverN": \(ratios) },
            "depth": [1, 2],
            "width": "d0",
            "slope": [0]
          }
        }

        """
    }

    public static func figure2Text(_ mode: Mode) -> String {
        let (ds, reps) = mode == .full ? ("[20, 30, 40, 50, 60]", 30) : ("[20, 30, 40]", 4)
        return """
        {
          "name": "figure2-\(mode.rawValue)",
          "figure": "figure2",
          "description": "Figure 2: final margin min|w_i^T x_n| against final MSE; d = d0 = d1, N = floor(d^2/5), Float64, 1000 epochs then 1000 epochs of exponential decay.",
          "repetitions": \(reps),
          "seed": 1001,
          "precision": "float64",
          "data": { "source": "gaussian", "labels": "pm1" },
          "training": { "optimizer": "adam", "learningRate": 0.01, "epochs": 2000, "decayAfter": 1000, "decay": 0.995 },
          "grid": {
            "d0": \(ds),
            "n": { "d0SquaredOver": 5 },
            "depth": [1],
            "width": "d0"
          }
        }

        """
    }
}
