import Linalg
import MinimaCore
import MinimaData
import MinimaModel

/// The Hessian's spectrum at the trained weights, as reported in a certificate.
///
/// **Zero tolerance (dense).** An eigenvalue counts as zero when `|λ| ≤ P·ε·max|λ|`: `?syevd`
/// is backward stable, so each computed eigenvalue is within about `P·ε·‖H‖₂` of an exact one
/// and nothing smaller can be told from 0. Lanczos gives the extreme eigenvalues only (counts
/// are nil), each with a residual bound.
public struct HessianSpectrum: Codable, Equatable, Sendable {
    /// `dense` (every eigenvalue, `?syevd`) or `lanczos` (extreme eigenvalues).
    public var method: String
    /// Number of parameters P.
    public var parameters: Int
    public var min: Double
    public var max: Double
    public var negative: Int?
    public var zero: Int?
    public var positive: Int?
    public var zeroTolerance: Double?
    /// Eigenvalue counts per decade of |λ| beyond the zero tolerance, by sign.
    public var histogram: [Decade]?
    /// Lanczos only: steps and residual bounds of `min` and `max`.
    public var lanczosSteps: Int?
    public var minBound: Double?
    public var maxBound: Double?
    public var seconds: Double

    public struct Decade: Codable, Equatable, Sendable {
        /// Eigenvalues with `10^decade ≤ |λ| < 10^(decade+1)`.
        public var decade: Int
        public var negative: Int
        public var positive: Int
    }

    /// The spectrum at `network`'s weights on `data`: dense when P ≤ `denseLimit`, else
    /// `lanczosSteps` Lanczos steps.
    public static func compute(_ hessian: Hessian, denseLimit: Int = Hessian.defaultDenseLimit,
                               lanczosSteps: Int = 100, seed: UInt64 = 0) throws -> HessianSpectrum {
        let t0 = ContinuousClock.now
        func seconds() -> Double { (ContinuousClock.now - t0).inSeconds }
        let p = hessian.count
        if p <= denseLimit {
            let values = try hessian.dense().symmetricEigenvalues()
            return summary(values, seconds: 0).with(seconds: seconds())
        }
        let r = try Lanczos.extremeEigenvalues(dimension: p, steps: lanczosSteps, seed: seed,
                                               apply: hessian.vectorProduct)
        return HessianSpectrum(method: "lanczos", parameters: p, min: r.min, max: r.max, negative: nil, zero: nil,
                               positive: nil, zeroTolerance: nil, histogram: nil, lanczosSteps: r.steps,
                               minBound: r.minBound, maxBound: r.maxBound, seconds: seconds())
    }

    /// Counts and histogram of a full set of eigenvalues (ascending).
    public static func summary(_ values: [Double], seconds: Double) -> HessianSpectrum {
        let p = values.count
        let scale = values.map(abs).max() ?? 0
        let tol = Double(p) * Double.ulpOfOne * scale
        var neg = 0, zero = 0, pos = 0
        var decades: [Int: (Int, Int)] = [:]
        for v in values {
            if abs(v) <= tol { zero += 1; continue }
            let d = Int((log10(abs(v))).rounded(.down))
            var e = decades[d] ?? (0, 0)
            if v < 0 { neg += 1; e.0 += 1 } else { pos += 1; e.1 += 1 }
            decades[d] = e
        }
        let hist = decades.keys.sorted().map { Decade(decade: $0, negative: decades[$0]!.0, positive: decades[$0]!.1) }
        return HessianSpectrum(method: "dense", parameters: p, min: values.first ?? 0, max: values.last ?? 0,
                               negative: neg, zero: zero, positive: pos, zeroTolerance: tol, histogram: hist,
                               lanczosSteps: nil, minBound: nil, maxBound: nil, seconds: seconds)
    }

    package func with(seconds s: Double) -> HessianSpectrum { var c = self; c.seconds = s; return c }
}

#if canImport(Glibc)
import Glibc
#endif
