import Linalg
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining

/// The exact loss along a line `θ + α·D`, α ∈ [a, b], of a one-hidden-layer network.
///
/// Each pre-activation `p_ni(α) = p_ni + α·q_ni` is affine in α, so unit i changes its
/// activation on sample n at most once, at the **crossing** `α = −p_ni/q_ni` (`p = w̃_iᵀx̃_n`,
/// `q = d̃_iᵀx̃_n`). Between consecutive crossings the pattern is fixed and the output is a
/// polynomial in α: `f_n(α) = c0_n + c1_n·α + c2_n·α²` with
/// `c0 = b_z + Σ_i z_i a_ni p_ni`, `c1 = e_bz + Σ_i a_ni (z_i q_ni + e_i p_ni)`,
/// `c2 = Σ_i a_ni e_i q_ni` (e = the direction's z part: c2 = 0 when only W moves, and
/// q = 0 when only z moves), so on each **piece** the MSE is the polynomial
/// `(1/N) Σ_n (y_n − f_n(α))²` of degree 4 (2 when only W or only z moves).
///
/// **Algorithm.** Crossings are sorted; the per-sample coefficients change by
/// `±(1 − ρ)·(z_i p, z_i q + e_i p, e_i q)` at each one, and the MSE polynomial's five
/// coefficients by that sample's old and new terms, so a line costs O(N·d1·log(N·d1)). To keep
/// rounding from piling up over many updates, the coefficients are summed afresh from the
/// per-sample ones every N crossings, and everything is recomputed from the pattern (O(N·d1))
/// on a piece whose minimum is within 1000 rounding errors of the updates, `ε·Σ|terms|`: near
/// a DLM (MSE 1e-31 next to O(1) updates) the monomial sums are otherwise pure rounding. Each piece's minimum comes from the roots of the
/// derivative inside it (bisection on monotone stretches); the error along the line is
/// piecewise constant with steps where some `f_n(α)` crosses the classification threshold
/// (roots of a quadratic per sample and piece), so each piece also gets its exact MCE at its
/// minimiser. The minimum along the line is then recomputed directly from the per-sample
/// residuals `y_n − f_n(α)` at the best pieces, which keeps it accurate when the residuals
/// are far smaller than the outputs (near a DLM, where the monomial sums lose everything).
///
/// **At a crossing** the rule is that of `Network`: `a(0) = ρ`. Crossings at exactly a or b
/// are listed but start or end no piece. Computed in Float64 whatever `Scalar` is.
public struct SliceLine: Sendable {
    public struct Crossing: Codable, Equatable, Sendable {
        public var alpha: Double
        /// Hidden unit i and sample n (0-based).
        public var unit: Int
        public var sample: Int
        /// The sign of the pre-activation just after the crossing (+1: the unit turns on).
        public var newSign: Int
    }

    public struct Piece: Codable, Equatable, Sendable {
        public var start: Double
        public var end: Double
        /// `MSE(α) = Σ_k coefficients[k]·α^k` on the piece (five entries).
        public var coefficients: [Double]
        /// The piece's minimum: where, the MSE there (from the polynomial), and the MCE there
        /// (null for real-valued targets).
        public var minimumAlpha: Double
        public var minimumMSE: Double
        @NullWhenAbsent public var minimumMCE: Double?
        @NullWhenAbsent public var minimumErrors: Int?

        /// The piece's polynomial at α (Horner).
        public func mse(at alpha: Double) -> Double { SliceLine.horner(coefficients, alpha) }
    }

    /// The lowest point of the loss on the whole line, recomputed from the residuals.
    public struct Minimum: Codable, Equatable, Sendable {
        public var alpha: Double
        public var mse: Double
        /// nil (null in JSON) for real-valued targets.
        @NullWhenAbsent public var mce: Double?
        @NullWhenAbsent public var errors: Int?
        /// Index into `pieces`.
        public var piece: Int
    }

    public var range: ClosedRange<Double>
    /// The polynomial's degree in α: 2 when only W or only z moves, else 4.
    public var degree: Int
    public var crossings: [Crossing]
    public var pieces: [Piece]
    public var minimum: Minimum

    /// The piece holding α (the first one when α is a boundary).
    public func piece(at alpha: Double) -> Piece {
        var lo = 0, hi = pieces.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if pieces[mid].end < alpha { lo = mid + 1 } else { hi = mid }
        }
        return pieces[lo]
    }

    static func horner(_ c: [Double], _ x: Double) -> Double {
        var v = 0.0
        for k in stride(from: c.count - 1, through: 0, by: -1) { v = v * x + c[k] }
        return v
    }

    /// The exact line through `span` (one direction) over `range`.
    public static func compute<Scalar: LinalgScalar>(_ span: SliceSpan<Scalar>, range: ClosedRange<Double>) -> SliceLine {
        precondition(span.directions == 1, "a line has one direction")
        let geometry = LineGeometry(span)
        let (a, b) = (range.lowerBound, range.upperBound)
        let crossings = geometry.crossings(in: range)
        var state = geometry.initialState(at: a)
        var c = geometry.outputCoefficients(state)
        var (sums, magnitudes) = geometry.mseCoefficients(c)
        // Piece boundaries: the distinct crossings strictly inside (a, b).
        var pieces: [Piece] = []
        var k = crossings.firstIndex { $0.alpha > a } ?? crossings.count
        var start = a
        var sinceRefresh = 0
        let n = geometry.n
        while true {
            let end = k < crossings.count && crossings[k].alpha < b ? crossings[k].alpha : b
            var coefficients = sums.map { $0 / Double(Swift.max(1, n)) }
            var (at, value) = minimise(coefficients, start, end)
            // A minimum within 1000 rounding errors of the updates summed so far (near a DLM the
            // updates are O(1) and the loss 1e-31) is recomputed from scratch.
            if value <= 1000 * Double.ulpOfOne * horner(magnitudes, abs(at)) / Double(Swift.max(1, n)) {
                c = geometry.outputCoefficients(state)
                (sums, magnitudes) = geometry.mseCoefficients(c)
                sinceRefresh = 0
                coefficients = sums.map { $0 / Double(Swift.max(1, n)) }
                (at, value) = minimise(coefficients, start, end)
            }
            pieces.append(Piece(start: start, end: end, coefficients: coefficients, minimumAlpha: at, minimumMSE: value,
                                minimumMCE: nil, minimumErrors: nil))
            guard end < b else { break }
            while k < crossings.count && crossings[k].alpha == end {
                let x = crossings[k]
                let s = x.sample
                geometry.addTerms(&sums, &magnitudes, c, s, sign: -1)
                geometry.flip(&c, &state, sample: s, unit: x.unit)
                geometry.addTerms(&sums, &magnitudes, c, s, sign: 1)
                k += 1
                sinceRefresh += 1
            }
            if sinceRefresh >= n { (sums, magnitudes) = geometry.mseCoefficients(c); sinceRefresh = 0 }
            start = end
        }
        // The MCE at each piece's minimiser, by a sweep over the error steps (class labels only).
        var (errors, steps) = geometry.classes != nil ? geometry.errorSteps(crossings, range: range) : (0, [])
        var e = 0
        for p in pieces.indices where geometry.classes != nil {
            while e < steps.count && steps[e].alpha <= pieces[p].minimumAlpha {
                errors += steps[e].change
                e += 1
            }
            pieces[p].minimumErrors = errors
            pieces[p].minimumMCE = Double(errors) / Double(Swift.max(1, n))
        }
        // The minimum on the line, recomputed from the residuals at the best few pieces.
        let candidates = pieces.indices.sorted { pieces[$0].minimumMSE < pieces[$1].minimumMSE }.prefix(4)
        var best: Minimum? = nil
        for p in candidates {
            let m = geometry.refinedMinimum(piece: pieces[p], index: p, crossings: crossings)
            if best == nil || m.mse < best!.mse { best = m }
        }
        return SliceLine(range: range, degree: geometry.degree, crossings: crossings, pieces: pieces, minimum: best!)
    }

    /// The minimum of the polynomial `c` on [l, r]: the endpoints and the roots of its
    /// derivative (found by bisection between the roots of the second derivative).
    static func minimise(_ c: [Double], _ l: Double, _ r: Double) -> (Double, Double) {
        var best = (l, horner(c, l))
        let atR = horner(c, r)
        if atR < best.1 { best = (r, atR) }
        let d1 = [c[1], 2 * c[2], 3 * c[3], 4 * c[4]]
        let d2 = [2 * c[2], 6 * c[3], 12 * c[4]]
        var cuts = [l]
        cuts.append(contentsOf: quadraticRoots(d2[2], d2[1], d2[0]).filter { $0 > l && $0 < r }.sorted())
        cuts.append(r)
        for j in 0..<(cuts.count - 1) {
            var lo = cuts[j], hi = cuts[j + 1]
            let flo = horner(d1, lo), fhi = horner(d1, hi)
            guard flo < 0, fhi > 0 else { continue }   // a minimum needs M' going from − to +
            for _ in 0..<200 {
                let mid = 0.5 * (lo + hi)
                guard mid > lo && mid < hi else { break }
                if horner(d1, mid) < 0 { lo = mid } else { hi = mid }
            }
            let x = 0.5 * (lo + hi)
            let v = horner(c, x)
            if v < best.1 { best = (x, v) }
        }
        return best
    }

    /// Real roots of `a·x² + b·x + c` (the cancellation-free form).
    static func quadraticRoots(_ a: Double, _ b: Double, _ c: Double) -> [Double] {
        if a == 0 { return b == 0 ? [] : [-c / b] }
        let disc = b * b - 4 * a * c
        guard disc >= 0 else { return [] }
        let q = -0.5 * (b + (b < 0 ? -1 : 1) * disc.squareRoot())
        if q == 0 { return [0] }
        return [q / a, c / q]
    }
}

/// The per-sample arithmetic of `SliceLine`, in Float64.
struct LineGeometry {
    let n: Int, units: Int
    let rho: Double
    /// The classes and threshold; nil for real-valued targets (no error steps).
    let classes: LabelClasses?
    let y: [Double]
    let p: [Double], q: [Double]
    let z: [Double], e: [Double]
    let bz: Double, ebz: Double
    let degree: Int

    init<Scalar: LinalgScalar>(_ span: SliceSpan<Scalar>) {
        n = span.n; units = span.units; rho = span.slope
        classes = span.coding.classes
        y = convertedElements(span.y)
        p = span.sampleMajor(span.p0)
        q = span.sampleMajor(span.q[0])
        z = span.z; e = span.dz[0]; bz = span.bz; ebz = span.dbz[0]
        let movesZ = e.contains { $0 != 0 } || ebz != 0
        let movesW = q.contains { $0 != 0 }
        degree = movesZ && movesW ? 4 : 2
    }

    /// Every crossing `α = −p/q` in `range`, sorted by α (then sample, unit).
    func crossings(in range: ClosedRange<Double>) -> [SliceLine.Crossing] {
        var out: [SliceLine.Crossing] = []
        for s in 0..<n {
            for i in 0..<units {
                let k = s * units + i
                guard q[k] != 0 else { continue }
                let alpha = -p[k] / q[k]
                if range.contains(alpha) {
                    out.append(.init(alpha: alpha, unit: i, sample: s, newSign: q[k] > 0 ? 1 : -1))
                }
            }
        }
        out.sort { ($0.alpha, $0.sample, $0.unit) < ($1.alpha, $1.sample, $1.unit) }
        return out
    }

    /// Whether unit k is on just after α (by the crossing rule, so that the pattern agrees with
    /// the crossings exactly): on for α > −p/q when q > 0, for α < −p/q when q < 0.
    func isOn(_ k: Int, after alpha: Double) -> Bool {
        if q[k] == 0 { return p[k] > 0 }
        let cross = -p[k] / q[k]
        return q[k] > 0 ? cross <= alpha : cross > alpha
    }

    /// The slopes `a_ni` just after α.
    func initialState(at alpha: Double) -> [Double] {
        (0..<(n * units)).map { isOn($0, after: alpha) ? 1 : rho }
    }

    /// `(c0, c1, c2)` of every sample, 3 per sample.
    func outputCoefficients(_ a: [Double]) -> [Double] {
        var c = [Double](repeating: 0, count: 3 * n)
        for s in 0..<n {
            var c0 = bz, c1 = ebz, c2 = 0.0
            for i in 0..<units {
                let k = s * units + i
                c0 += a[k] * z[i] * p[k]
                c1 += a[k] * (z[i] * q[k] + e[i] * p[k])
                c2 += a[k] * e[i] * q[k]
            }
            c[3 * s] = c0; c[3 * s + 1] = c1; c[3 * s + 2] = c2
        }
        return c
    }

    /// Adds `sign` times sample s's terms of `(y − f(α))²`, as coefficients of α⁰…α⁴, to `sums`,
    /// and their absolute values to `magnitudes` (what bounds the rounding error of `sums`).
    @inline(__always) func addTerms(_ sums: inout [Double], _ magnitudes: inout [Double], _ c: [Double], _ s: Int, sign: Double) {
        let r0 = y[s] - c[3 * s], c1 = c[3 * s + 1], c2 = c[3 * s + 2]
        let terms = (r0 * r0, -2 * r0 * c1, c1 * c1 - 2 * r0 * c2, 2 * c1 * c2, c2 * c2)
        sums[0] += sign * terms.0; magnitudes[0] += abs(terms.0)
        sums[1] += sign * terms.1; magnitudes[1] += abs(terms.1)
        sums[2] += sign * terms.2; magnitudes[2] += abs(terms.2)
        sums[3] += sign * terms.3; magnitudes[3] += abs(terms.3)
        sums[4] += sign * terms.4; magnitudes[4] += abs(terms.4)
    }

    /// `Σ_n (y_n − f_n(α))²` as coefficients of α⁰…α⁴, and the sums of their magnitudes.
    func mseCoefficients(_ c: [Double]) -> ([Double], [Double]) {
        var sums = [Double](repeating: 0, count: 5), magnitudes = sums
        for s in 0..<n { addTerms(&sums, &magnitudes, c, s, sign: 1) }
        return (sums, magnitudes)
    }

    /// Switches unit i of sample s to its other slope and updates the sample's coefficients.
    func flip(_ c: inout [Double], _ a: inout [Double], sample s: Int, unit i: Int) {
        let k = s * units + i
        let new = a[k] == 1 ? rho : 1
        let delta = new - a[k]
        a[k] = new
        c[3 * s] += delta * z[i] * p[k]
        c[3 * s + 1] += delta * (z[i] * q[k] + e[i] * p[k])
        c[3 * s + 2] += delta * e[i] * q[k]
    }

    @inline(__always) func isError(_ f: Double, _ s: Int, _ classes: LabelClasses) -> Bool { classes.isError(output: f, label: y[s]) }

    /// The misclassified samples just after a, and where some sample's error status changes
    /// along the line (sorted): between its own crossings `f_n` is a quadratic, whose roots at
    /// the threshold are the candidates; the status is read at the midpoints of the stretches
    /// between them.
    func errorSteps(_ crossings: [SliceLine.Crossing], range: ClosedRange<Double>) -> (Int, [(alpha: Double, change: Int)]) {
        guard let classes else { return (0, []) }
        let threshold = classes.threshold
        let (a, b) = (range.lowerBound, range.upperBound)
        var bySample = [[Int]](repeating: [], count: n)
        for (k, x) in crossings.enumerated() where x.alpha > a && x.alpha < b { bySample[x.sample].append(k) }
        var state = initialState(at: a)
        var c = outputCoefficients(state)
        var steps: [(alpha: Double, change: Int)] = []
        var initial = 0
        for s in 0..<n {
            var status: Bool? = nil
            var start = a
            var list = bySample[s]
            list.append(-1)
            for k in list {
                let end = k >= 0 ? crossings[k].alpha : b
                let c0 = c[3 * s], c1 = c[3 * s + 1], c2 = c[3 * s + 2]
                var cuts = [start]
                cuts.append(contentsOf: SliceLine.quadraticRoots(c2, c1, c0 - threshold).filter { $0 > start && $0 < end }.sorted())
                cuts.append(end)
                for j in 0..<(cuts.count - 1) {
                    let mid = 0.5 * (cuts[j] + cuts[j + 1])
                    let now = isError(c0 + mid * (c1 + mid * c2), s, classes)
                    if let before = status {
                        if before != now { steps.append((cuts[j], now ? 1 : -1)) }
                    } else if now {
                        initial += 1
                    }
                    status = now
                }
                if k >= 0 { flip(&c, &state, sample: s, unit: crossings[k].unit) }
                start = end
            }
        }
        steps.sort { $0.alpha < $1.alpha }
        return (initial, steps)
    }

    /// The minimum of a piece recomputed from the residuals: the per-sample coefficients of the
    /// piece's pattern, the MSE re-expanded around the polynomial's minimiser α* (in t = α − α*,
    /// from `r_n(α*)` evaluated per sample), minimised again, and evaluated per sample.
    func refinedMinimum(piece: SliceLine.Piece, index: Int, crossings: [SliceLine.Crossing]) -> SliceLine.Minimum {
        let c = outputCoefficients(initialState(at: piece.start))
        let star = piece.minimumAlpha
        var local = [Double](repeating: 0, count: 5)
        for s in 0..<n {
            let c1 = c[3 * s + 1], c2 = c[3 * s + 2]
            let r0 = y[s] - (c[3 * s] + star * (c1 + star * c2))
            let g1 = c1 + 2 * c2 * star
            local[0] += r0 * r0; local[1] -= 2 * r0 * g1; local[2] += g1 * g1 - 2 * r0 * c2
            local[3] += 2 * g1 * c2; local[4] += c2 * c2
        }
        let (t, _) = SliceLine.minimise(local, piece.start - star, piece.end - star)
        let alpha = star + t
        var sse = 0.0, errors = 0
        for s in 0..<n {
            let f = c[3 * s] + alpha * (c[3 * s + 1] + alpha * c[3 * s + 2])
            let r = y[s] - f
            sse += r * r
            if let classes, isError(f, s, classes) { errors += 1 }
        }
        let count = Double(Swift.max(1, n))
        let counted: Int? = classes == nil ? nil : errors
        return SliceLine.Minimum(alpha: alpha, mse: sse / count, mce: counted.map { Double($0) / count }, errors: counted, piece: index)
    }
}
