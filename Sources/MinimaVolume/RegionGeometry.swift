import Linalg
import MinimaCore
import MinimaData
import MinimaModel
import MinimaLandscape

// What the region classifier needs of a region's geometry: a compact, hashable sign pattern
// (the cache key of Monte Carlo and exact enumeration) and its `A∘X` as a `Landscape/KhatriRao`,
// whose rank and least-squares fit (with their one tolerance) are the certificate's.

/// The sign pattern of a one-hidden-layer network's pre-activations on the data,
/// `S_in = sign(w_iᵀ x_n)` for d1 units and N samples (docs/theory.md §2). It names the differentiable
/// region `D_A`: the activation pattern is `A_in = 1` where `S_in = +1` and `A_in = ρ` where
/// `S_in = −1`. Stored as bits, one row of 64-bit words per unit (bit set = positive), so that
/// patterns hash and compare cheaply (`Landscape/ActivationPattern` holds the values and margins).
public struct RegionPattern: Hashable, Sendable {
    /// Hidden units d1.
    public let units: Int
    /// Samples N.
    public let samples: Int
    /// `units` rows of `wordsPerUnit` words each.
    public private(set) var words: [UInt64]

    public var wordsPerUnit: Int { (samples + 63) / 64 }

    /// A pattern from a Bool matrix: `positive[i][n]` is `S_in = +1`.
    public init(positive: [[Bool]]) {
        units = positive.count
        samples = positive.first?.count ?? 0
        let w = (samples + 63) / 64
        words = [UInt64](repeating: 0, count: units * w)
        for (i, row) in positive.enumerated() {
            precondition(row.count == samples, "every unit needs \(samples) signs")
            for (n, p) in row.enumerated() where p { words[i * w + n / 64] |= 1 << UInt64(n % 64) }
        }
    }

    package init(units: Int, samples: Int, words: [UInt64]) {
        self.units = units
        self.samples = samples
        self.words = words
    }

    /// `S_in = +1`?
    @inline(__always)
    public func isPositive(unit i: Int, sample n: Int) -> Bool {
        words[i * wordsPerUnit + n / 64] >> UInt64(n % 64) & 1 == 1
    }

    /// The pattern of `W` (d1×d0, rows w_i) on `X` (N×d0, rows x_n), and the margin
    /// `min |w_iᵀ x_n|`. A pre-activation exactly 0 (margin 0) lies on no region; the caller
    /// decides (a Gaussian draw hits one with probability 0).
    public static func of<Scalar: LinalgScalar>(weights w: Matrix<Scalar>, inputs x: Matrix<Scalar>) -> (pattern: RegionPattern, margin: Double) {
        precondition(w.columns == x.columns, "W has \(w.columns) columns, X has \(x.columns)")
        let pre = Matrix.product(x, .none, w, .transposed)   // N×d1: pre[n, i] = x_nᵀ w_i
        return fromPreactivations(pre)
    }

    /// The pattern of a pre-activation matrix `P` (N×d1, `P[n, i] = w_iᵀ x_n`) and `min |P|`.
    public static func fromPreactivations<Scalar: LinalgScalar>(_ pre: Matrix<Scalar>) -> (pattern: RegionPattern, margin: Double) {
        let n = pre.rows, d1 = pre.columns
        let w = (n + 63) / 64
        var words = [UInt64](repeating: 0, count: d1 * w)
        var margin = Double.infinity
        pre.elements.withUnsafeBufferPointer { p in
            for s in 0..<n {
                for i in 0..<d1 {
                    let u = p[s * d1 + i]
                    if u > 0 { words[i * w + s / 64] |= 1 << UInt64(s % 64) }
                    let a = Double(abs(u))
                    if a < margin { margin = a }
                }
            }
        }
        return (RegionPattern(units: d1, samples: n, words: words), margin)
    }

    /// The same region up to a relabelling of the units: rows sorted. Permuting the units
    /// permutes the blocks of `u = vec(diag(z)W)` and changes neither `ŷ_A` nor whether a DLM
    /// exists, so the classifier caches by this key.
    public var canonical: RegionPattern {
        let w = wordsPerUnit
        var rows = (0..<units).map { Array(words[($0 * w)..<(($0 + 1) * w)]) }
        rows.sort { $0.lexicographicallyPrecedes($1) }
        return RegionPattern(units: units, samples: samples, words: rows.flatMap { $0 })
    }

    /// The activation values `A_in ∈ {ρ, 1}` as a d1×N matrix.
    public func activations(slope rho: Double) -> Matrix<Double> {
        var a = Matrix<Double>(rows: units, columns: samples)
        for i in 0..<units { for n in 0..<samples { a[i, n] = isPositive(unit: i, sample: n) ? 1 : rho } }
        return a
    }
}

extension RegionPattern {
    /// The region's `A∘X` (docs/theory.md §2) for inputs X (N×d0) and slope ρ: the design whose
    /// rank (`KhatriRao.rank`) and least-squares fit (`RegionFit.solve`) the classifier takes
    /// from `Landscape/`, exactly as the certificate does.
    public func khatriRao(inputs x: Matrix<Double>, slope rho: Double) -> KhatriRao<Double> {
        var slopes = Matrix<Double>(rows: samples, columns: units)   // Aᵀ, N×d1
        for n in 0..<samples {
            for i in 0..<units { slopes[n, i] = isPositive(unit: i, sample: n) ? 1 : rho }
        }
        return KhatriRao(slopes: slopes, inputs: x)
    }
}
