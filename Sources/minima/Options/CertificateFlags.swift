import ArgumentParser
import Minima

/// The tolerances and methods of a landscape certificate (`minima certify`).
struct CertificateFlags: ParsableArguments {
    @Option(help: "Relative margin |w·x|/(‖w‖‖x‖) at or below which a pre-activation counts as zero (default d·ε, the dot product's rounding error).")
    var marginTol: Double?

    @Option(help: "‖e − e_A‖/‖y‖ at or below which the network is at its region's DLM (MSE − MSE_A = ‖e − e_A‖²/N).")
    var dlmTol: Double = 1e-4

    @Option(help: "rank(A∘X) route: auto, svd (explicit ?gesdd), gram ((AᵀA)⊙(XᵀX), ?syevd), bound (rank ≤ d0·d1 when that is < N).")
    var rankMethod: RankMethod = .auto

    @Option(help: "Relative rank tolerance: σ > tol·σ_max counts (default max(N,p)·ε for svd, √(max(N,p)·ε) for gram).")
    var rankTol: Double?

    @Option(help: "Region least squares: auto, dense (?gelsd), lsqr (matrix-free).")
    var fitMethod: FitMethod = .auto

    @Option(help: "LSQR stopping tolerance.")
    var fitTol: Double = 1e-10

    @Option(help: "LSQR iteration limit.")
    var maxIterations: Int = 20_000

    @Flag(help: "Skip the Hessian spectrum.")
    var noHessian: Bool = false

    @Option(help: "Dense Hessian (every eigenvalue) up to this many parameters; Lanczos beyond.")
    var hessianDenseMax: Int = Hessian.defaultDenseLimit

    @Option(help: "Lanczos steps for the extreme Hessian eigenvalues.")
    var lanczosSteps: Int = 100

    func options(seed: UInt64) throws -> CertificateOptions {
        var o = CertificateOptions()
        o.marginTolerance = marginTol
        o.dlmTolerance = dlmTol
        o.rankMethod = rankMethod
        o.rankTolerance = rankTol
        o.fitMethod = fitMethod
        o.fitTolerance = fitTol
        o.maxIterations = maxIterations
        o.hessian = !noHessian
        o.hessianDenseLimit = hessianDenseMax
        o.lanczosSteps = lanczosSteps
        o.seed = seed
        try o.validate()
        return o
    }
}

extension RankMethod: ExpressibleByArgument {}
extension FitMethod: ExpressibleByArgument {}
