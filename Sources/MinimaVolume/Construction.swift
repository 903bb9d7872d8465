import Foundation
import Linalg
import MinimaCore
import MinimaData
import MinimaModel
import MinimaLandscape

/// Theorem 8's global minimum, built explicitly (docs/theory.md §3; docs/construction.md): a network
/// with `d1* = 4⌈N/(2d0 − 2)⌉` hidden units that fits any y exactly on data X in general
/// position, with no zero pre-activation: class labels or real-valued targets alike. Float64 throughout.
///
/// The data are split into `K = ⌈N/(d0 − 1)⌉` groups of d0 − 1 consecutive samples; `v_k` is a
/// unit normal of the span of group k. The pair of units `v_k ± δ_k u_k` with output weights
/// `±1/δ_k` adds `2·u_kᵀx` to samples with `v_kᵀx > 0`, `2ρ·u_kᵀx` to samples with `v_kᵀx < 0` and
/// `(1 + ρ)·u_kᵀx` to the group's own samples (`φ(t) − φ(−t) = (1 + ρ)t`), for any δ_k small enough
/// that no other sample changes side. The output is then linear in `u_1 … u_K`: N equations in
/// K·d0 unknowns, solved for the least-norm solution (LAPACK `dgelsd`). When K is odd the two
/// spare units of d1* form a linear pair `±ℓ` (output weights `±α`) adding `(1 + ρ)·αℓᵀx`, whose
/// d0 unknowns join the system. So the unit count is exactly `2K = d1*` (K even) or
/// `2K + 2 = d1*` (K odd).
public enum Theorem8Construction {
    /// What was built and how well it fits.
    public struct Report: Codable, Sendable {
        public var n: Int, d0: Int
        public var slope: Double
        /// Groups K = ⌈N/(d0 − 1)⌉.
        public var groups: Int
        /// Hidden units used, and Theorem 8's d1*.
        public var units: Int
        public var d1Star: Int
        /// Whether the two spare units form a linear pair (K odd).
        public var linearPair: Bool
        /// MSE and MCE of the built network on (X, y) (Float64 forward pass); the MCE is nil
        /// (null in JSON) for real-valued targets.
        public var mse: Double
        @NullWhenAbsent public var mce: Double?
        /// `max_n |f(x_n) − y_n| / max_n |y_n|`.
        public var relativeMaxResidual: Double
        /// `min_{i,n} |w_iᵀx_n|` and the number of exactly zero pre-activations.
        public var margin: Double
        public var zeroPreactivations: Int
        /// The largest |z_i| (the 1/δ factors: digits lost in the output's cancellation).
        public var maxOutputWeight: Double
    }

    /// `d1* = 4⌈N/(2d0 − 2)⌉` (d0 ≥ 2).
    public static func d1Star(n: Int, d0: Int) -> Int { 4 * ((n + 2 * d0 - 3) / (2 * d0 - 2)) }

    /// Builds the network for `data` with slope ρ; `seed` picks normals for incomplete groups.
    public static func build(data: Dataset<Double>, slope rho: Double, seed: UInt64 = 0) throws -> (network: Network<Double>, report: Report) {
        let n = data.n, d0 = data.d0
        guard d0 >= 2 else {
            throw MinimaError.invalidValue(field: .boundD0, message: "Theorem 8 needs d0 ≥ 2 (groups of d0 − 1 samples), got \(d0)")
        }
        guard rho.isFinite, rho != 1 else { throw MinimaError.invalidValue(field: .boundSlope, message: "ρ must be finite and ≠ 1, got \(rho)") }
        let x = data.x
        let k = (n + d0 - 2) / (d0 - 1)
        let linearPair = k % 2 == 1
        var rng = SeededGenerator(seed: seed, stream: .construction)

        // Normals v_k of each group's span (smallest eigenvectors of the group's Gram matrix;
        // a random combination of them when the group has fewer than d0 − 1 samples).
        var normals = Matrix<Double>(rows: k, columns: d0)
        for g in 0..<k {
            let members = Array((g * (d0 - 1))..<min(n, (g + 1) * (d0 - 1)))
            let (_, vectors) = try x.selectingRows(members).gram(.transposed).symmetricEigen(vectors: true)
            let null = d0 - members.count
            var v = [Double](repeating: 0, count: d0)
            let r: [Double] = rng.normals(null)
            for c in 0..<null { for j in 0..<d0 { v[j] += r[c] * vectors![j, c] } }
            let s = norm(v)
            for j in 0..<d0 { normals[g, j] = v[j] / s }
        }
        let side = Matrix.product(x, .none, normals, .transposed)    // N×K: v_kᵀx_n
        func group(_ s: Int) -> Int { s / (d0 - 1) }
        for s in 0..<n {
            let scale = norm(x.row(s))
            for g in 0..<k where g != group(s) && abs(side[s, g]) <= 1e-10 * scale {
                throw MinimaError.numerical("sample \(s) lies on the hyperplane of group \(g) (|v·x| = \(abs(side[s, g]))): X is not in general position")
            }
        }

        // The linear system B·(u_1, …, u_K[, αℓ]) = y.
        let unknowns = k * d0 + (linearPair ? d0 : 0)
        var b = Matrix<Double>(rows: n, columns: unknowns)
        for s in 0..<n {
            for g in 0..<k {
                let c = g == group(s) ? 1 + rho : (side[s, g] > 0 ? 2 : 2 * rho)
                for j in 0..<d0 { b[s, g * d0 + j] = c * x[s, j] }
            }
            if linearPair { for j in 0..<d0 { b[s, k * d0 + j] = (1 + rho) * x[s, j] } }
        }
        let (solution, rank) = try b.leastSquares(data.y)
        guard rank == n else {
            throw MinimaError.numerical("the construction's linear system has rank \(rank) < N = \(n) (for some rational ρ = p/q with p, q odd it can be singular; see docs/construction.md)")
        }

        // Units and output weights.
        var w: [[Double]] = []
        var z: [Double] = []
        for g in 0..<k {
            let u = Array(solution[(g * d0)..<((g + 1) * d0)])
            let ux = (0..<n).map { s in (0..<d0).reduce(0.0) { $0 + u[$1] * x[s, $1] } }
            var delta = Double.infinity
            for s in 0..<n where group(s) != g && ux[s] != 0 { delta = min(delta, 0.5 * abs(side[s, g]) / abs(ux[s])) }
            if !delta.isFinite { delta = 1 }
            for s in 0..<n where group(s) == g {
                // On the group the pre-activations are v·x ± δ u·x with v·x ≈ 0 (rounding only).
                guard abs(delta * ux[s]) > 1e3 * abs(side[s, g]), ux[s] != 0 else {
                    throw MinimaError.numerical("u·x = \(ux[s]) for sample \(s) of group \(g) is too small: the pair would have a (near-)zero pre-activation there")
                }
            }
            let v = normals.row(g)
            w.append(zip(v, u).map { $0 + delta * $1 }); z.append(1 / delta)
            w.append(zip(v, u).map { $0 - delta * $1 }); z.append(-1 / delta)
        }
        if linearPair {
            let m = Array(solution[(k * d0)...])
            var alpha = norm(m)
            var l = m.map { $0 / alpha }
            if !(alpha > 0) || !alpha.isFinite {
                l = rng.normals(d0)
                let s = norm(l)
                l = l.map { $0 / s }
                alpha = 0
            }
            w.append(l); z.append(alpha)
            w.append(l.map { -$0 }); z.append(-alpha)
        }

        let shape = NetworkShape(d0: d0, hidden: [w.count], slope: rho)
        var net = Network<Double>(shape: shape)
        net.parameters.replaceSubrange(net.layout.weights[0], with: w.flatMap { $0 })
        net.parameters.replaceSubrange(net.layout.output, with: z)
        let f = net.outputs(data)
        let yMax = data.y.reduce(0) { max($0, abs($1)) }
        let resMax = zip(f, data.y).reduce(0) { max($0, abs($1.0 - $1.1)) }
        let metrics = net.metrics(data)
        let pre = net.preactivationStatistics(data)
        let report = Report(n: n, d0: d0, slope: rho, groups: k, units: w.count, d1Star: d1Star(n: n, d0: d0),
                            linearPair: linearPair, mse: metrics.mse, mce: metrics.mce,
                            relativeMaxResidual: resMax / max(yMax, .leastNormalMagnitude),
                            margin: pre.minAbs, zeroPreactivations: pre.exactZeros,
                            maxOutputWeight: z.reduce(0) { max($0, abs($1)) })
        return (net, report)
    }
}
