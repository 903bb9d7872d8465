import Linalg
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining

/// What one `RegionMarginStep` iteration did: `selected` is the size of the set S, and
/// `stepLength` the fraction of the minimum-norm step taken.
public typealias MarginStepIteration = FinisherIteration

/// The minimum-norm least-squares step inside the current activation region that moves the
/// low-margin samples to a margin (Table 1's finish; docs/theory.md §2 and §4).
///
/// Inside a differentiable region a one-hidden-layer network is linear in its first-layer
/// weights: `f(x_n) = Σ_i z_i·a_{ni}·w_iᵀx_n` with the activation slopes `a_{ni}` fixed. For the
/// set S of samples that are misclassified or within `margin` of the threshold, the step solves
/// `J_S·δ = t_S − f_S` with the least `‖δ‖`, where `t_n` puts sample n at `margin` on its
/// label's side and `J_S` (|S| × d1·d0) has rows `(z_i·a_{ni}·x_n)_i`. The solution is
/// `δ = J_Sᵀ c` with `(J_S J_Sᵀ) c = t_S − f_S` and `(J_S J_Sᵀ)_{kl} = (Σ_i z_i² a_{ki} a_{li})·x_kᵀx_l`
/// (plus 1 in the second factor with biases), solved by `?gelsd` (rank-revealing, so a sample
/// with no active unit only makes the system rank-deficient). Because δ is a combination of the
/// selected inputs only, samples nearly orthogonal to them barely move, and most activation
/// patterns survive; the step is repeated from the new weights (a Gauss–Newton iteration on the
/// selected samples) and halved while it makes the error count worse.
public struct RegionMarginStep: Codable, Equatable, Sendable, TrainingFinisher {
    /// Target distance from the threshold, as a fraction of the distance from the threshold to
    /// a label (0.5: f = ±0.5 with ±1 labels).
    public var margin: Double = 0.5
    /// The most samples in S per iteration (the lowest margins first); bounds the |S|² Gram.
    public var maximumSelected: Int = 2000
    /// Iterations before giving up.
    public var maximumIterations: Int = 20
    /// Iterations without fewer errors before giving up.
    public var patience: Int = 5
    /// Halvings of a step that made the error count worse.
    public var maximumHalvings: Int = 6
    /// During training (`RunConfiguration.marginStep`, passed to `Trainer` as its
    /// `TrainingFinisher`): try the step whenever an epoch
    /// ends with at most this many wrong samples (0: only after the last epoch), at most once
    /// every `tryEvery` epochs; training stops at the first try that leaves none wrong, and a
    /// try that does not is discarded.
    public var triesBelow: Int = 0
    public var tryEvery: Int = 25
    /// The safety margin s: the iterations go on (and a try succeeds only) until every sample's
    /// signed output `y·f(x)` is at least s, not just above 0, so that re-evaluating the
    /// network in another precision, or on data prepared in another precision, cannot turn a
    /// sample (0: only the threshold counts).
    public var safety: Double = 0

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case margin, maximumSelected, maximumIterations, patience, maximumHalvings, triesBelow, tryEvery, safety
    }

    /// Reads a step as records keep it; fields a record lacks keep their defaults (records
    /// written before `safety` existed read as safety 0).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RegionMarginStep()
        margin = try c.decodeIfPresent(Double.self, forKey: .margin) ?? d.margin
        maximumSelected = try c.decodeIfPresent(Int.self, forKey: .maximumSelected) ?? d.maximumSelected
        maximumIterations = try c.decodeIfPresent(Int.self, forKey: .maximumIterations) ?? d.maximumIterations
        patience = try c.decodeIfPresent(Int.self, forKey: .patience) ?? d.patience
        maximumHalvings = try c.decodeIfPresent(Int.self, forKey: .maximumHalvings) ?? d.maximumHalvings
        triesBelow = try c.decodeIfPresent(Int.self, forKey: .triesBelow) ?? d.triesBelow
        tryEvery = try c.decodeIfPresent(Int.self, forKey: .tryEvery) ?? d.tryEvery
        safety = try c.decodeIfPresent(Double.self, forKey: .safety) ?? d.safety
    }

    /// The step as Table 1's recipe tries it during training: whenever an epoch ends with at
    /// most `k` wrong samples, at most every 50 epochs, with at most 8 iterations a try (a try
    /// that fails costs little training time).
    public static func duringTraining(below k: Int) -> RegionMarginStep {
        var step = RegionMarginStep()
        step.triesBelow = k
        step.tryEvery = 50
        step.maximumIterations = 8
        return step
    }

    public var name: String { "the region margin step" }

    public func finish<Scalar: LinalgScalar>(_ network: inout Network<Scalar>, on data: Dataset<Scalar>) throws -> [FinisherIteration] {
        try run(&network, on: data)
    }

    /// Runs the iterations on `net` (depth 1) until no sample of `data` is misclassified or the
    /// iterations run out. Returns what each iteration did.
    public func run<Scalar: LinalgScalar>(_ net: inout Network<Scalar>, on data: Dataset<Scalar>) throws -> [MarginStepIteration] {
        guard net.shape.depth == 1 else {
            throw MinimaError.mismatch("the region margin step needs one hidden layer; the network has \(net.shape.depth)")
        }
        guard data.coding.isClassification else { throw Self.needsClasses }
        var history: [MarginStepIteration] = []
        // One forward pass per trial: its outputs give the metrics and the next selection.
        var f = net.outputs(data)
        var current = Metrics(outputs: f, on: data)
        var unsafe = belowSafety(f, data)
        // Class labels (checked above): every error count is a number.
        func wrong(_ m: Metrics) -> Int { m.errors ?? 0 }
        // (wrong, below the safety margin): an iteration may not make it worse.
        func badness(_ m: Metrics, _ u: Int) -> (Int, Int) { (wrong(m), safety > 0 ? u : 0) }
        for _ in 0..<maximumIterations where wrong(current) > 0 || (safety > 0 && unsafe > 0) {
            let selected = selection(f, data)
            if selected.isEmpty { break }
            let direction = try step(net, data, rows: selected, outputs: f)
            let start = net.parameters
            var length = 1.0
            var trial = net
            var g = f
            var metrics = current
            var trialUnsafe = unsafe
            for _ in 0...maximumHalvings {
                for k in trial.parameters.indices { trial.parameters[k] = start[k] + Scalar(length) * direction[k] }
                g = trial.outputs(data)
                metrics = Metrics(outputs: g, on: data)
                trialUnsafe = belowSafety(g, data)
                if badness(metrics, trialUnsafe) <= badness(current, unsafe) { break }
                length /= 2
            }
            guard badness(metrics, trialUnsafe) <= badness(current, unsafe) else { break }
            history.append(MarginStepIteration(selected: selected.count, errorsBefore: wrong(current), errorsAfter: wrong(metrics),
                                               stepLength: length, mseAfter: metrics.mse,
                                               belowSafetyBefore: safety > 0 ? unsafe : nil,
                                               belowSafetyAfter: safety > 0 ? trialUnsafe : nil))
            // Give up when neither count has fallen for `patience` iterations.
            let stalled = history.count > patience && {
                let old = history[history.count - 1 - patience]
                return badness(metrics, trialUnsafe) >= (old.errorsAfter, old.belowSafetyAfter ?? 0)
            }()
            net = trial
            f = g
            current = metrics
            unsafe = trialUnsafe
            if stalled { break }
        }
        return history
    }

    /// Why real-valued targets cannot take the step: it moves samples across the threshold.
    static var needsClasses: MinimaError {
        .mismatch("the region margin step needs class labels: real-valued targets have no threshold to move samples across")
    }

    /// Samples whose signed output `y·f(x)` is below `safety` (wrong ones included).
    package func belowSafety<Scalar: LinalgScalar>(_ f: [Scalar], _ data: Dataset<Scalar>) -> Int {
        guard safety > 0, let classes = data.coding.classes else { return 0 }
        var count = 0
        for n in 0..<data.n where classes.signedOutput(Double(f[n]), label: Double(data.y[n])) < safety { count += 1 }
        return count
    }

    /// The set S: samples whose signed distance to the threshold is below the margin, lowest
    /// first (none for real-valued targets).
    package func selection<Scalar: LinalgScalar>(_ f: [Scalar], _ data: Dataset<Scalar>) -> [Int] {
        guard let classes = data.coding.classes else { return [] }
        let threshold = classes.threshold
        let target = margin * (classes.positive - threshold)
        var low: [(Int, Double)] = []
        for n in 0..<data.n {
            let side: Double = Double(data.y[n]) > threshold ? 1 : -1
            let signed = side * (Double(f[n]) - threshold)
            if signed < target { low.append((n, signed)) }
        }
        low.sort { $0.1 < $1.1 }
        return low.prefix(maximumSelected).map(\.0).sorted()
    }

    /// The minimum-norm step δ (in the network's parameter layout; only W1 and b1 move).
    package func step<Scalar: LinalgScalar>(_ net: Network<Scalar>, _ data: Dataset<Scalar>, rows: [Int], outputs f: [Scalar]) throws -> [Scalar] {
        let s = rows.count, d0 = data.d0, d1 = net.shape.hidden[0]
        let rho = Double(net.shape.slope)
        guard let classes = data.coding.classes else { throw Self.needsClasses }
        let threshold = classes.threshold
        let target = margin * (classes.positive - threshold)
        // Work in Double: the Gram of a few thousand samples is cheap and its conditioning matters.
        let xs: Matrix<Double> = data.x.selectingRows(rows).converted()
        let w: Matrix<Double> = net.weight(0).converted()
        let z = net.outputWeights.map(Double.init)
        let bias = net.layout.biases.map { Array(net.parameters[$0[0]]).map(Double.init) }
        var pre = Matrix.product(xs, .none, w, .transposed)            // s×d1: w_iᵀx_n
        if let b = bias { for k in 0..<s { for i in 0..<d1 { pre[k, i] += b[i] } } }
        // C_{ki} = z_i·a_{ki}: the region's Jacobian row of sample k. When no active unit has
        // z_i on the side of k's label, the inactive one closest to activating joins with slope
        // 1; its output counts in the linear model from its present pre-activation on
        // (baseline `f'`), which is conservative: the real output, φ for that unit, is never on
        // the wrong side of the model's.
        var c = Matrix<Double>(rows: s, columns: d1)
        var residual = [Double](repeating: 0, count: s)
        for (k, n) in rows.enumerated() {
            let side: Double = Double(data.y[n]) > threshold ? 1 : -1
            var baseline = Double(f[n])
            var any = false
            for i in 0..<d1 {
                let a = pre[k, i] > 0 ? 1 : rho
                c[k, i] = z[i] * a
                if a == 1 && z[i] * side > 0 { any = true }
            }
            if !any, let i = (0..<d1).filter({ z[$0] * side > 0 }).max(by: { pre[k, $0] < pre[k, $1] }) {
                c[k, i] = z[i]
                baseline += z[i] * (1 - rho) * pre[k, i]
            }
            residual[k] = threshold + side * target - baseline
        }
        var kernel = xs.gram()
        if bias != nil { for k in kernel.elements.indices { kernel.elements[k] += 1 } }
        let units = c.gram()
        var g = Matrix<Double>(rows: s, columns: s)
        for k in g.elements.indices { g.elements[k] = kernel.elements[k] * units.elements[k] }
        let coefficients = try g.leastSquares(residual, rcond: 1e-12).solution
        // δW = (diag(c) C)ᵀ X_S ; δb = (diag(c) C)ᵀ 1
        for k in 0..<s { for i in 0..<d1 { c[k, i] *= coefficients[k] } }
        let dw = Matrix.product(c, .transposed, xs, .none)
        var direction = [Scalar](repeating: 0, count: net.layout.count)
        let wStart = net.layout.weights[0].lowerBound
        for k in 0..<(d1 * d0) { direction[wStart + k] = Scalar(dw.elements[k]) }
        if let biases = net.layout.biases {
            for i in 0..<d1 {
                var sum = 0.0
                for k in 0..<s { sum += c[k, i] }
                direction[biases[0].lowerBound + i] = Scalar(sum)
            }
        }
        return direction
    }
}
