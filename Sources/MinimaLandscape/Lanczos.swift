import Linalg
import MinimaCore
import MinimaData
import MinimaModel

/// Extreme eigenvalues of a symmetric operator known only through products `v ↦ H v`
/// (here the exact Hessian-vector products of `Hessian`), by the Lanczos process with full
/// reorthogonalisation (every new vector is orthogonalised twice against all earlier ones, so
/// no spurious copies of converged eigenvalues appear; memory `steps × P`).
///
/// After k steps the eigenvalues θ of the k×k tridiagonal matrix T_k (Ritz values) approximate
/// H's extreme eigenvalues from inside the spectrum. With `T_k s = θ s` (‖s‖ = 1), the Ritz pair
/// has residual `‖H y − θ y‖ = β_k·|s_k|`, and some eigenvalue of H lies within that distance of
/// θ: the reported `bound`s.
public enum Lanczos {
    public struct Result: Sendable {
        /// Smallest and largest Ritz values.
        public var min: Double
        public var max: Double
        /// Residual bounds `β_k|s_k|` of those two Ritz pairs.
        public var minBound: Double
        public var maxBound: Double
        /// Lanczos steps taken (fewer than asked when an invariant subspace was found).
        public var steps: Int
        /// All Ritz values, ascending.
        public var ritzValues: [Double]
        /// The Ritz vectors of `min` and `max` (unit norm), when asked for.
        public var minVector: [Double]?
        public var maxVector: [Double]?
    }

    /// Runs up to `steps` Lanczos steps on the operator `apply` of dimension `dimension` from a
    /// seeded random start vector; with `vectors`, also the two extreme Ritz vectors
    /// `y = Q_k s`.
    public static func extremeEigenvalues(dimension: Int, steps: Int, seed: UInt64 = 0, vectors wantVectors: Bool = false,
                                          apply: ([Double]) -> [Double]) throws -> Result {
        precondition(dimension > 0, "empty operator")
        let k = Swift.max(1, Swift.min(steps, dimension))
        var rng = SeededGenerator(seed: seed, stream: .lanczosStart)
        var q: [Double] = rng.normals(dimension)
        let q0 = norm(q)
        LSQR.scale(&q, 1 / q0)
        var basis: [[Double]] = []
        var alphas: [Double] = [], betas: [Double] = []
        var beta = 0.0
        for step in 0..<k {
            basis.append(q)
            var w = apply(q)
            let alpha = dot(w, q)
            alphas.append(alpha)
            LSQR.addScaled(&w, -alpha, q)
            if step > 0 { LSQR.addScaled(&w, -beta, basis[step - 1]) }
            for _ in 0..<2 {
                for b in basis { LSQR.addScaled(&w, -dot(w, b), b) }
            }
            beta = norm(w)
            let scaleT = alphas.map(abs).max() ?? 1
            if step == k - 1 || beta <= 1e-12 * Swift.max(scaleT, 1e-300) { betas.append(beta); break }
            betas.append(beta)
            LSQR.scale(&w, 1 / beta)
            q = w
        }
        let m = alphas.count
        var t = Matrix<Double>(rows: m, columns: m)
        for i in 0..<m {
            t[i, i] = alphas[i]
            if i + 1 < m { t[i, i + 1] = betas[i]; t[i + 1, i] = betas[i] }
        }
        let (values, vectors) = try t.symmetricEigen(vectors: true)
        let last = betas.last ?? 0
        let v = vectors!
        func ritzVector(_ column: Int) -> [Double] {
            var y = [Double](repeating: 0, count: dimension)
            for (k, q) in basis.enumerated() { LSQR.addScaled(&y, v[k, column], q) }
            return y
        }
        return Result(min: values.first!, max: values.last!,
                      minBound: abs(last * v[m - 1, 0]), maxBound: abs(last * v[m - 1, m - 1]),
                      steps: m, ritzValues: values,
                      minVector: wantVectors ? ritzVector(0) : nil, maxVector: wantVectors ? ritzVector(m - 1) : nil)
    }
}
