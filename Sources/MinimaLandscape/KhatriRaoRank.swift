import Linalg
import MinimaCore
import MinimaData
import MinimaModel

/// How the numerical rank of `A∘X` is computed.
public enum RankMethod: String, Codable, Sendable, CaseIterable {
    /// Explicit SVD when the N×p matrix is small (`KhatriRao.defaultSVDLimit` entries: every
    /// region Minima's volumes classify, and small certificates), so the tolerance applies to
    /// σ itself; else the Gram route when N ≤ p and the N×N Gram fits, else explicit SVD when the
    /// matrix fits, else the bound `rank ≤ p` when p < N.
    case auto
    /// Singular values of the explicit N×p matrix `(A∘X)ᵀ` (`?gesdd`).
    case svd
    /// Eigenvalues of the N×N Gram `(AᵀA) ⊙ (XᵀX)` (`?syrk` + `?syevd`).
    case gram
    /// Not computed: p = d0·d1 < N, so `rank(A∘X) ≤ p < N` (the region cannot be certified
    /// global by Lemma 2). Chosen by `auto` only when neither matrix fits.
    case bound
}

/// The numerical rank of `A∘X` and the evidence for it: the one rank of a region, which the
/// certificate and the volume classifier (`P(rank(A∘X) < N)`) both take from `KhatriRao.rank`.
///
/// **Tolerance.** One relative tolerance `τ = max(N, p)·ε` (`NumericalRank.relativeTolerance`),
/// applied to what the route decomposes. SVD route: a singular value counts when `σ > τ·σ_max`,
/// the bound on the rounding error of a backward-stable SVD (LAPACK's, numpy's and MATLAB's
/// rule). Gram route: the eigenvalues `λ = σ²` of the Gram matrix carry an absolute rounding
/// error of about `τ·λ_max` (forming `G` and `?syevd` are both backward stable in G's norm), so an
/// eigenvalue counts when `λ > τ·λ_max`, i.e. `σ > √τ·σ_max`. Squaring
/// doubles the condition number's exponent: the Gram route cannot tell singular values below
/// about `√(max(N,p)·ε)·σ_max` (≈ 1e-6·σ_max in Float64 at N = 4000) from zero, while the SVD
/// route resolves down to `max(N,p)·ε·σ_max`. `gap` (the ratio of the smallest counted to the
/// largest uncounted singular value) says how clear-cut the decision was: a rank decided across
/// a gap of many orders of magnitude is the same by either route.
public struct KhatriRaoRank: Codable, Equatable, Sendable {
    /// `rank(A∘X)`; for `.bound` the upper bound p.
    public var rank: Int
    public var method: RankMethod
    /// Threshold on singular values σ of `A∘X`: σ > tolerance counts.
    public var tolerance: Double
    /// Largest singular value σ_max.
    public var sigmaMax: Double
    /// Up to 3 singular values just above the threshold and up to 3 just below (descending).
    public var nearThresholdAbove: [Double]
    public var nearThresholdBelow: [Double]
    /// Smallest counted σ over largest uncounted σ (infinity when nothing is below the threshold
    /// or the uncounted ones are 0, as Gram eigenvalues ≤ 0 become σ = 0).
    public var gap: Double
    /// Full rank in the paper's sense: rank = N.
    public var isFullColumnRank: Bool
}

extension KhatriRao {
    /// Elements of the explicit N×p matrix or of the N×N Gram matrix above which `auto` does not
    /// build it (5·10⁷ doubles = 400 MB).
    public static var defaultMemoryLimit: Int { 50_000_000 }

    /// Entries of the explicit N×p matrix up to which `auto` takes its SVD (10⁶, e.g.
    /// 1000×1000): there the SVD costs about what the Gram route does and resolves singular
    /// values down to `τ·σ_max` instead of `√τ·σ_max`.
    public static var defaultSVDLimit: Int { 1_000_000 }

    /// The numerical rank of `A∘X`. `relativeTolerance`, when given, replaces the default
    /// factor (`τ = max(N,p)·ε` for SVD, `√τ` for Gram): σ > relativeTolerance·σ_max counts.
    public func rank(method: RankMethod = .auto, relativeTolerance: Double? = nil,
                     memoryLimit: Int = defaultMemoryLimit, svdLimit: Int = defaultSVDLimit) throws -> KhatriRaoRank {
        let n = self.n, p = self.p
        var chosen = method
        if method == .auto {
            if n * p <= Swift.min(svdLimit, memoryLimit) { chosen = .svd }
            else if n <= p && n * n <= memoryLimit { chosen = .gram }
            else if n * p <= memoryLimit { chosen = .svd }
            else if p < n { chosen = .bound }
            else { chosen = .gram }   // N ≤ p but the Gram is big: still the smaller matrix
        }
        let tau = NumericalRank.relativeTolerance(rows: n, columns: p, as: Scalar.self)
        switch chosen {
        case .bound:
            guard p < n else {
                throw MinimaError.invalidValue(field: .rankMethod, message: "bound needs d0·d1 < N (here p = \(p), N = \(n))")
            }
            return KhatriRaoRank(rank: p, method: .bound, tolerance: .nan, sigmaMax: .nan,
                                 nearThresholdAbove: [], nearThresholdBelow: [], gap: .nan, isFullColumnRank: false)
        case .svd, .auto:
            let s = try explicitTransposed().singularValues().map { Double($0) }
            let sMax = s.first ?? 0
            let tol = (relativeTolerance ?? tau) * sMax
            return Self.summary(descending: s, tolerance: tol, method: .svd, n: n)
        case .gram:
            let lambda = try gram().symmetricEigenvalues().map { Double($0) }   // ascending
            let lMax = Swift.max(lambda.last ?? 0, 0)
            let factor = relativeTolerance ?? tau.squareRoot()
            let s = lambda.reversed().map { Swift.max($0, 0).squareRoot() }
            return Self.summary(descending: s, tolerance: factor * lMax.squareRoot(), method: .gram, n: n)
        }
    }

    package static func summary(descending s: [Double], tolerance tol: Double, method: RankMethod, n: Int) -> KhatriRaoRank {
        let rank = s.filter { $0 > tol }.count
        let above = Array(s[Swift.max(0, rank - 3)..<rank])
        let below = Array(s[rank..<Swift.min(s.count, rank + 3)])
        let gap: Double
        if let lo = above.last, let hi = below.first { gap = hi > 0 ? lo / hi : .infinity } else { gap = .infinity }
        return KhatriRaoRank(rank: rank, method: method, tolerance: tol, sigmaMax: s.first ?? 0,
                             nearThresholdAbove: above, nearThresholdBelow: below, gap: gap,
                             isFullColumnRank: rank == n)
    }
}
