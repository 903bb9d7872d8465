import Linalg
import MinimaCore
import MinimaData
import MinimaModel

/// LSQR (Paige & Saunders 1982, ACM TOMS 8(1)): `min ‖b − M x‖₂` using only the products `M x`
/// and `Mᵀ y`, by Golub–Kahan bidiagonalisation. Started from x = 0 it converges to the
/// minimum-norm solution, so the fitted vector `M x` is the orthogonal projection of b onto the
/// range of M even when M is rank deficient.
///
/// Stopping (the algorithm's own tests, with atol = btol = `tolerance`): the normal-equation
/// residual `‖Mᵀ r‖ ≤ tolerance·‖M‖·‖r‖` (b is not in the range: the least-squares solution is
/// reached), or `‖r‖ ≤ tolerance·‖b‖` (b is in the range: the system is consistent). `‖M‖` is
/// LSQR's running Frobenius estimate.
public enum LSQR {
    public struct Result: Sendable {
        public var solution: [Double]
        public var iterations: Int
        /// Whether a stopping test was met before `maxIterations`.
        public var converged: Bool
        /// LSQR's estimates at the end: `‖r‖`, `‖Mᵀr‖`, `‖M‖_F`.
        public var residualNorm: Double
        public var normalResidualNorm: Double
        public var operatorNorm: Double
    }

    /// Solves `min ‖b − M x‖` with `apply(x) = M x` (length `b.count`) and
    /// `applyTransposed(y) = Mᵀ y` (length `unknowns`). `progress`, if given, is called after
    /// every iteration with ‖r‖/‖b‖ and ‖Mᵀr‖/(‖M‖‖r‖), of `maxIterations` (of the iterations
    /// run, once converged).
    public static func solve(unknowns: Int, rhs b: [Double], tolerance: Double, maxIterations: Int,
                             apply: ([Double]) -> [Double], applyTransposed: ([Double]) -> [Double],
                             progress: ProgressHandler? = nil) -> Result {
        let clock = ContinuousClock()
        let start = clock.now
        var x = [Double](repeating: 0, count: unknowns)
        var u = b
        var beta = norm(u)
        let bnorm = beta
        guard beta > 0 else {
            return Result(solution: x, iterations: 0, converged: true, residualNorm: 0, normalResidualNorm: 0, operatorNorm: 0)
        }
        scale(&u, 1 / beta)
        var v = applyTransposed(u)
        var alpha = norm(v)
        if alpha > 0 { scale(&v, 1 / alpha) }
        var w = v
        var phiBar = beta, rhoBar = alpha
        var anorm2 = 0.0
        var rnorm = beta, arnorm = alpha * beta
        var iterations = 0
        var converged = arnorm == 0
        while !converged && iterations < maxIterations {
            iterations += 1
            // β u = M v − α u
            var mv = apply(v)
            addScaled(&mv, -alpha, u)
            u = mv
            beta = norm(u)
            if beta > 0 { scale(&u, 1 / beta) }
            anorm2 += alpha * alpha + beta * beta
            // α v = Mᵀ u − β v
            var mtu = applyTransposed(u)
            addScaled(&mtu, -beta, v)
            v = mtu
            alpha = norm(v)
            if alpha > 0 { scale(&v, 1 / alpha) }
            // Plane rotation eliminating β.
            let rho = (rhoBar * rhoBar + beta * beta).squareRoot()
            let c = rhoBar / rho, s = beta / rho
            let theta = s * alpha
            rhoBar = -c * alpha
            let phi = c * phiBar
            phiBar = s * phiBar
            addScaled(&x, phi / rho, w)
            for k in 0..<w.count { w[k] = v[k] - (theta / rho) * w[k] }
            rnorm = phiBar
            arnorm = phiBar * alpha * abs(c)
            let anorm = anorm2.squareRoot()
            if arnorm <= tolerance * anorm * rnorm || rnorm <= tolerance * bnorm { converged = true }
            if let progress {
                var event = ProgressEvent(.iteration, done: iterations, of: converged ? iterations : maxIterations,
                                          elapsed: (clock.now - start).inSeconds,
                                          measures: [.relativeResidual(rnorm / bnorm),
                                                     .normalResidual(anorm * rnorm > 0 ? arnorm / (anorm * rnorm) : 0)])
                event.eta = nil   // LSQR stops when it converges, long before its limit as a rule
                progress(event)
            }
        }
        return Result(solution: x, iterations: iterations, converged: converged, residualNorm: rnorm,
                      normalResidualNorm: arnorm, operatorNorm: anorm2.squareRoot())
    }

    @inline(__always) package static func scale(_ x: inout [Double], _ a: Double) {
        for k in x.indices { x[k] *= a }
    }

    @inline(__always) static func addScaled(_ y: inout [Double], _ a: Double, _ x: [Double]) {
        x.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in Double.axpy(px.count, a, px.baseAddress!, 1, py.baseAddress!, 1) }
        }
    }
}
