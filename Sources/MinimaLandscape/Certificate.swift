import Foundation
import Linalg
import MinimaCore
import MinimaData
import MinimaModel

/// What a certificate concludes about trained weights (docs/theory.md §2, Lemma 2).
public enum Verdict: String, Codable, Sendable, CaseIterable {
    /// At its region's DLM and the region's best fit is exact (`rank(A∘X) = N`, or `e_A = 0`):
    /// a global minimum of the MSE.
    case global
    /// At its region's DLM, `rank(A∘X) < N` and `e_A ≠ 0`: a sub-optimal differentiable local
    /// minimum with the region's `MSE_A`/`MCE_A`.
    case suboptimalDLM = "suboptimal-dlm"
    /// Inside a differentiable region but away from its DLM (`‖e − e_A‖/‖y‖` above tolerance).
    case notConverged = "not-converged"
    /// A pre-activation is zero (within the margin tolerance): the MSE is not differentiable.
    case nonDifferentiable = "non-differentiable"
    /// Two hidden layers: Lemma 2 is stated for one; only pattern statistics and the Hessian.
    case uncertified
}

/// The tolerances and choices of a certificate; each has a flag in `minima certify`.
public struct CertificateOptions: Codable, Equatable, Sendable {
    /// Relative margin `|w_iᵀx_n|/(‖w_i‖‖x_n‖)` at or below which a pre-activation counts as zero.
    /// nil: `d·ε` (Float64), the rounding error of the dot product (see `ActivationPattern`).
    public var marginTolerance: Double? = nil
    /// `‖e − e_A‖/‖y‖` at or below which the network is at its region's DLM. Since `e − e_A` lies
    /// in the row space of `A∘X` and `e_A` is orthogonal to it, `MSE = MSE_A + ‖e − e_A‖²/N`
    /// exactly; 1e-4 means the network's MSE exceeds the region's best by at most 1e-8·‖y‖²/N
    /// (1e-8 for ±1 labels), well inside what Float32 training reaches and far above the fit's
    /// own accuracy.
    public var dlmTolerance: Double = 1e-4
    public var rankMethod: RankMethod = .auto
    /// Replaces the rank route's default relative tolerance (see `KhatriRaoRank`).
    public var rankTolerance: Double? = nil
    public var fitMethod: FitMethod = .auto
    /// LSQR's right preconditioner (see `FitPreconditioner`).
    public var preconditioner: FitPreconditioner = .auto
    /// LSQR's stopping tolerance (see `LSQR`).
    public var fitTolerance: Double = 1e-10
    public var maxIterations: Int = 20_000
    /// Compute the Hessian spectrum.
    public var hessian: Bool = true
    /// Parameter counts up to which the Hessian is dense, beyond which Lanczos is used.
    public var hessianDenseLimit: Int = Hessian.defaultDenseLimit
    public var lanczosSteps: Int = 100
    /// Seed of Lanczos's start vector.
    public var seed: UInt64 = 0
    /// BLAS threads to compute with (nil: OpenBLAS's setting as it is).
    public var threads: Int? = nil

    public init() {}

    public func validate() throws {
        if let t = marginTolerance, !(t >= 0) { throw MinimaError.invalidValue(field: .marginTolerance, message: "must be ≥ 0, got \(t)") }
        guard dlmTolerance > 0, dlmTolerance.isFinite else {
            throw MinimaError.invalidValue(field: .dlmTolerance, message: "must be a positive number, got \(dlmTolerance)")
        }
        if let t = rankTolerance, !(t > 0 && t < 1) { throw MinimaError.invalidValue(field: .rankTolerance, message: "must be in (0, 1), got \(t)") }
        guard fitTolerance > 0, fitTolerance < 1 else {
            throw MinimaError.invalidValue(field: .fitTolerance, message: "must be in (0, 1), got \(fitTolerance)")
        }
        guard maxIterations > 0 else { throw MinimaError.invalidValue(field: .maxIterations, message: "must be positive, got \(maxIterations)") }
        guard lanczosSteps > 0 else { throw MinimaError.invalidValue(field: .lanczosSteps, message: "must be positive, got \(lanczosSteps)") }
        guard hessianDenseLimit >= 0 else { throw MinimaError.invalidValue(field: .hessianDenseLimit, message: "must be ≥ 0, got \(hessianDenseLimit)") }
    }
}

/// A certificate for trained weights (docs/theory.md §2): which differentiable region they are in,
/// whether they sit at its DLM, and whether Lemma 2 makes that minimum global.
///
/// One hidden layer: the pattern A of the weights, `rank(A∘X)`, the region's least-squares fit
/// (`MSE_A`, `MCE_A`), the distance `‖e − e_A‖/‖y‖` of the network's residual from the region's,
/// and a `Verdict`:
/// 1. a pre-activation with relative margin ≤ `marginTolerance` → `non-differentiable`;
/// 2. `‖e − e_A‖/‖y‖ > dlmTolerance` → `not-converged`;
/// 3. `rank(A∘X) = N` or `‖e_A‖/‖y‖ ≤ dlmTolerance` → `global`;
/// 4. otherwise `suboptimal-dlm`.
/// With biases the inputs get a column of ones (`x̃ = (x, 1)`) and the design an intercept
/// column (the output bias), the same lemma for the extended model.
/// Two hidden layers: pattern statistics of both layers and the Hessian, verdict `uncertified`
/// (or `non-differentiable`).
public struct Certificate: Codable, Equatable, Sendable {
    public var n: Int
    public var d0: Int
    /// First hidden width d1.
    public var d1: Int
    public var hidden: [Int]
    public var slope: Double
    public var bias: Bool
    /// `rank(A∘X)` (depth 1); for `rankMethod` `bound`, the bound p = d0·d1 < N.
    public var rank: Int?
    public var rankMethod: RankMethod?
    /// Threshold on the singular values of `A∘X`.
    public var tolerance: Double?
    public var rankDetail: KhatriRaoRank?
    public var mseNetwork: Double
    /// nil (null in JSON) for real-valued targets, which have no threshold.
    @NullWhenAbsent public var mceNetwork: Double?
    /// `MSE_A`, `MCE_A`: the best any point of this region can do (depth 1; `MCE_A` null for
    /// real-valued targets).
    public var mseRegion: Double?
    @NullWhenAbsent public var mceRegion: Double?
    public var regionFit: RegionFit?
    /// `‖e − e_A‖/‖y‖` (depth 1).
    public var dlmDistance: Double?
    public var minAbsPreactivation: Double
    public var minRelativePreactivation: Double
    public var exactZeroPreactivations: Int
    public var nearZeroPreactivations: Int
    public var patterns: [PatternStatistics]
    /// `‖∇MSE‖₂` over all parameters.
    public var gradientNorm: Double
    public var verdict: Verdict
    /// One sentence saying why.
    public var reason: String
    public var marginTolerance: Double
    public var dlmTolerance: Double
    public var hessian: HessianSpectrum?
    public var seconds: Double

    /// Certifies `network` on `data` (computed in Float64 whatever `Scalar` is). `fitProgress`
    /// receives the LSQR iterations of a matrix-free region fit (see `RegionFit.solve`), and
    /// `regionSolution` the region's least-squares solution (depth 1).
    public static func make<Scalar: LinalgScalar>(network: Network<Scalar>, data: Dataset<Scalar>,
                                                  options: CertificateOptions = .init(),
                                                  fitProgress: ProgressHandler? = nil,
                                                  regionSolution: ((RegionSolution) -> Void)? = nil) throws -> Certificate {
        try options.validate()
        guard network.shape.d0 == data.d0 else {
            throw MinimaError.mismatch("the weights expect d0 = \(network.shape.d0) inputs but the data has \(data.d0) columns")
        }
        return try BLASEnvironment.withThreads(options.threads ?? BLASEnvironment.threads) {
            try certify(network: network, data: data, options: options, fitProgress: fitProgress, regionSolution: regionSolution)
        }
    }

    /// `make`'s work, on the BLAS threads it set.
    private static func certify<Scalar: LinalgScalar>(network: Network<Scalar>, data: Dataset<Scalar>, options: CertificateOptions,
                                                      fitProgress: ProgressHandler?,
                                                      regionSolution: ((RegionSolution) -> Void)?) throws -> Certificate {
        let clock = ContinuousClock()
        let t0 = clock.now
        let net: Network<Double> = network.converted()
        let d: Dataset<Double> = data.converted()
        let shape = net.shape
        let layout = net.layout
        let bias = shape.bias
        // Patterns, layer by layer.
        var patterns: [ActivationPattern<Double>] = []
        var input = d.x
        for l in 0..<shape.depth {
            let w = net.weight(l)
            let b = layout.biases.map { Array(net.parameters[$0[l]]) }
            patterns.append(ActivationPattern(inputs: input, weights: w, biases: b, slope: shape.slope,
                                              tolerance: options.marginTolerance))
            if l + 1 < shape.depth {
                input = ActivationPattern.activations(inputs: input, weights: w, biases: b, slope: shape.slope)
            }
        }
        let stats = patterns.enumerated().map { PatternStatistics(layer: $0.offset + 1, pattern: $0.element) }
        let metrics = net.metrics(d)
        let gradientNorm = norm(net.gradient(d))
        let near = patterns.reduce(0) { $0 + $1.nearZero }
        let marginTol = patterns[0].tolerance
        var cert = Certificate(
            n: d.n, d0: d.d0, d1: shape.hidden[0], hidden: shape.hidden, slope: shape.slope, bias: bias,
            rank: nil, rankMethod: nil, tolerance: nil, rankDetail: nil,
            mseNetwork: metrics.mse, mceNetwork: metrics.mce, mseRegion: nil, mceRegion: nil, regionFit: nil,
            dlmDistance: nil,
            minAbsPreactivation: patterns.map(\.minAbs).min() ?? .infinity,
            minRelativePreactivation: patterns.map(\.minRelative).min() ?? .infinity,
            exactZeroPreactivations: patterns.reduce(0) { $0 + $1.exactZeros }, nearZeroPreactivations: near,
            patterns: stats, gradientNorm: gradientNorm, verdict: .uncertified, reason: "",
            marginTolerance: marginTol, dlmTolerance: options.dlmTolerance, hessian: nil, seconds: 0)

        if shape.depth == 1 {
            let x = Hessian.augment(d.x, bias)
            let design = KhatriRao(slopes: patterns[0].slopes, inputs: x, intercept: bias)
            let rank = try design.rank(method: options.rankMethod, relativeTolerance: options.rankTolerance)
            cert.rank = rank.rank
            cert.rankMethod = rank.method
            cert.tolerance = rank.tolerance
            cert.rankDetail = rank
            let solution = try RegionFit.solve(design, y: d.y, coding: d.coding, start: RegionSolution.start(net), method: options.fitMethod,
                                               tolerance: options.fitTolerance, maxIterations: options.maxIterations,
                                               preconditioner: options.preconditioner, progress: fitProgress)
            regionSolution?(solution)
            let fit = solution.fit
            cert.regionFit = fit
            cert.mseRegion = fit.mse
            cert.mceRegion = fit.mce
            let yNorm = Swift.max(norm(d.y), Double.leastNormalMagnitude)
            let distance = fit.correctionNorm / yNorm
            cert.dlmDistance = distance
            let regionResidual = norm(solution.residual) / yNorm
            if near > 0 {
                cert.verdict = .nonDifferentiable
                cert.reason = "\(near) pre-activation(s) have relative margin ≤ \(fmt(marginTol)) (smallest \(fmt(cert.minRelativePreactivation))): the MSE is not differentiable there"
            } else if distance > options.dlmTolerance {
                cert.verdict = .notConverged
                cert.reason = "inside a differentiable region but ‖e − e_A‖/‖y‖ = \(fmt(distance)) > \(fmt(options.dlmTolerance)): not at the region's DLM (its MSE_A = \(fmt(fit.mse)))"
            } else if rank.isFullColumnRank {
                cert.verdict = .global
                cert.reason = "at the region's DLM and rank(A∘X) = N = \(d.n): by Lemma 2 every DLM of this region has e = 0"
            } else if regionResidual <= options.dlmTolerance {
                cert.verdict = .global
                cert.reason = "at the region's DLM and its fit is exact (‖e_A‖/‖y‖ = \(fmt(regionResidual))) although rank(A∘X) = \(rank.rank) < N = \(d.n)"
            } else {
                cert.verdict = .suboptimalDLM
                cert.reason = "at the region's DLM with rank(A∘X) = \(rank.rank) < N = \(d.n): MSE_A = \(fmt(fit.mse))\(fit.mce.map { ", MCE_A = \(fmt($0))" } ?? "") is the best any point of this region can do"
            }
        } else if near > 0 {
            cert.verdict = .nonDifferentiable
            cert.reason = "\(near) pre-activation(s) have relative margin ≤ \(fmt(marginTol)): the MSE is not differentiable there"
        } else {
            cert.verdict = .uncertified
            cert.reason = "two hidden layers: Lemma 2 is stated for one; pattern statistics and the Hessian only"
        }
        if options.hessian {
            cert.hessian = try HessianSpectrum.compute(Hessian(network: net, data: d), denseLimit: options.hessianDenseLimit,
                                                       lanczosSteps: options.lanczosSteps, seed: options.seed)
        }
        let dt = clock.now - t0
        cert.seconds = dt.inSeconds
        return cert
    }

    /// Pretty JSON (non-finite numbers as the strings "nan", "inf", "-inf", as in run records).
    public func jsonData() throws -> Data { try RecordJSON.encode(self) }

    /// A few lines for people.
    public var summary: String {
        var lines: [String] = []
        lines.append("verdict: \(verdict.rawValue) — \(reason)")
        lines.append("N = \(n), d0 = \(d0), hidden = \(hidden.map(String.init).joined(separator: ",")), ρ = \(fmt(slope))\(bias ? ", biases" : "")")
        lines.append("network: MSE \(fmt(mseNetwork)), MCE \(percent(mceNetwork)), ‖∇MSE‖ \(fmt(gradientNorm))")
        lines.append("margin: min|w·x| \(fmt(minAbsPreactivation)), relative \(fmt(minRelativePreactivation)), \(exactZeroPreactivations) exact zeros, \(nearZeroPreactivations) within \(fmt(marginTolerance))")
        if let r = rankDetail {
            if r.method == .bound {
                lines.append("rank(A∘X) ≤ d0·d1 = \(r.rank) < N (not computed: the explicit matrix is too large)")
            } else {
                lines.append("rank(A∘X) = \(r.rank) of N = \(n) (\(r.method.rawValue), σ > \(fmt(r.tolerance)), σ_max \(fmt(r.sigmaMax)), gap \(fmt(r.gap)))")
            }
        }
        if let f = regionFit {
            var line = "region fit (\(f.method.rawValue)): MSE_A \(fmt(f.mse)), MCE_A \(percent(f.mce)), ‖e − e_A‖/‖y‖ \(fmt(dlmDistance ?? .nan))"
            if f.method == .lsqr { line += ", \(f.iterations) LSQR iterations\(f.converged ? "" : " (NOT converged)")" }
            line += ", achieved tolerance \(fmt(f.achievedTolerance))"
            lines.append(line)
        }
        if let h = hessian {
            if h.method == "dense" {
                lines.append("Hessian (\(h.parameters) parameters, dense): λ_min \(fmt(h.min)), λ_max \(fmt(h.max)), \(h.negative ?? 0) negative, \(h.zero ?? 0) zero (|λ| ≤ \(fmt(h.zeroTolerance ?? .nan))), \(h.positive ?? 0) positive")
            } else {
                lines.append("Hessian (\(h.parameters) parameters, Lanczos \(h.lanczosSteps ?? 0) steps): λ_min \(fmt(h.min)) ± \(fmt(h.minBound ?? .nan)), λ_max \(fmt(h.max)) ± \(fmt(h.maxBound ?? .nan))")
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// An MCE as a percentage, or "—" where it does not apply (real-valued targets).
func percent(_ mce: Double?) -> String { NotApplicable.text(mce) { fmt(100 * $0) + "%" } }

/// Three significant digits, scientific when small or large.
func fmt(_ x: Double) -> String {
    guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
    if x == 0 { return "0" }
    let a = abs(x)
    return a >= 1e-3 && a < 1e5 ? String(format: "%.4g", x) : String(format: "%.3e", x)
}
