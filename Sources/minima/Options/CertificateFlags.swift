import ArgumentParser
import Minima

/// The tolerances and methods of a landscape certificate (`minima certify`).
struct CertificateFlags: ParsableArguments {
    @Option(help: "Relative margin |w·x|/(‖w‖‖x‖) at or below which a pre-activation counts as zero (default d·ε, the dot product's rounding error).")
    var marginTol: Double?

    @Option(help: "‖e − e_A‖/‖y‖ at or below which the network is at its region's DLM (MSE − MSE_A = ‖e − e_A‖²/N).")
    var dlmTol: Double = 1e-4

    @Option(help: "rank(A∘X) route: auto (svd up to 10⁶ entries, then gram when N ≤ p), svd (explicit ?gesdd), gram ((AᵀA)⊙(XᵀX), ?syevd), bound (rank ≤ d0·d1 when that is < N).")
    var rankMethod: RankMethod = .auto

    @Option(help: "Relative rank tolerance: σ > tol·σ_max counts (default max(N,p)·ε for svd, √(max(N,p)·ε) for gram).")
    var rankTol: Double?

    @Option(help: "Region least squares: auto, dense (?gelsd), lsqr (matrix-free).")
    var fitMethod: FitMethod = .auto

    @Option(help: "LSQR's preconditioner (lsqr and auto fits): auto (full when its factor fits in memory, see --memory-limit), full (Cholesky factor of the whole normal matrix: a few iterations, d1(d1+1)/2·d0² doubles and (d0·d1)³/3 flops first), units (per-unit blocks: cheap, thousands of iterations on a nearly square region).")
    var preconditioner: FitPreconditioner?

    @Option(help: "LSQR stopping tolerance (lsqr and auto fits; default 1e-10).")
    var fitTol: Double?

    @Option(help: "LSQR iteration limit (lsqr and auto fits; default 20000).")
    var maxIterations: Int?

    @Flag(help: "Skip the Hessian spectrum.")
    var noHessian: Bool = false

    @Option(help: "Dense Hessian (every eigenvalue) up to this many parameters; Lanczos beyond (default \(Hessian.defaultDenseLimit)).")
    var hessianDenseMax: Int?

    @Option(help: "Lanczos steps for the extreme Hessian eigenvalues (default 100).")
    var lanczosSteps: Int?

    /// Flags that do nothing with the chosen methods are errors naming both.
    func validate() throws {
        if noHessian, let flag = [(hessianDenseMax != nil, "--hessian-dense-max"), (lanczosSteps != nil, "--lanczos-steps")].first(where: \.0)?.1 {
            throw MinimaError.invalidOption(flag: flag, message: "does not apply with --no-hessian")
        }
        if fitMethod == .dense, let flag = [(fitTol != nil, "--fit-tol"), (maxIterations != nil, "--max-iterations"), (preconditioner != nil, "--preconditioner")].first(where: \.0)?.1 {
            throw MinimaError.invalidOption(flag: flag, message: "does not apply to --fit-method dense (LSQR's settings)")
        }
        if rankMethod == .bound && rankTol != nil {
            throw MinimaError.invalidOption(flag: "--rank-tol", message: "does not apply to --rank-method bound, which computes no singular values")
        }
        _ = try options(seed: 0)
    }

    func options(seed: UInt64) throws -> CertificateOptions {
        var o = CertificateOptions()
        o.marginTolerance = marginTol
        o.dlmTolerance = dlmTol
        o.rankMethod = rankMethod
        o.rankTolerance = rankTol
        o.fitMethod = fitMethod
        o.fitTolerance = fitTol ?? 1e-10
        o.preconditioner = preconditioner ?? .auto
        o.maxIterations = maxIterations ?? 20_000
        o.hessian = !noHessian
        o.hessianDenseLimit = hessianDenseMax ?? Hessian.defaultDenseLimit
        o.lanczosSteps = lanczosSteps ?? 100
        o.seed = seed
        try o.validate()
        return o
    }
}

extension RankMethod: ExpressibleByArgument {}
extension FitMethod: ExpressibleByArgument {}
extension FitPreconditioner: ExpressibleByArgument {}
