import Foundation
import Linalg
import MinimaCore
import MinimaData
import MinimaModel
import MinimaLandscape

/// Exact angular volumes when d0 = 2 (docs/theory.md §2): the oracle the Monte Carlo estimator is
/// tested against.
///
/// A unit's weight w_i ∈ R² only matters through its direction θ, uniform on the circle when
/// `w_i ∼ N(0, I)`. The sign of `w_iᵀx_n` flips on the line through the origin orthogonal to
/// x_n, i.e. at θ = angle(x_n) ± π/2: 2N boundary angles cut the circle into (at most) 2N arcs,
/// each a region of one unit with volume (arc length)/2π. Units are independent, so the region
/// of a tuple of arcs has the product of their volumes. The class of a region does not depend on
/// the order of its units, so the enumeration runs over multisets of arcs, each weighted by the
/// number of its orderings: C(2N + d1 − 1, d1) regions instead of (2N)^{d1}.
public struct ExactVolume2D: Sendable {
    /// One arc of the circle: a region of one unit.
    public struct Arc: Sendable {
        /// Start and end angles (radians, end > start).
        public var start: Double, end: Double
        /// The signs of `wᵀx_n` on the arc: `positive[n]`.
        public var positive: [Bool]
        /// `(end − start) / 2π`.
        public var volume: Double { (end - start) / (2 * Double.pi) }
    }

    /// The arcs for inputs X (N×2). Boundary angles closer than 1e-12 rad are merged (collinear
    /// samples share a line; the arc between them has volume 0 to rounding).
    public static func arcs(_ x: Matrix<Double>) throws -> [Arc] {
        guard x.columns == 2 else {
            throw MinimaError.invalidValue(field: .volumeD0, message: "exact volumes need d0 = 2, got \(x.columns)")
        }
        var cuts: [Double] = []
        for n in 0..<x.rows {
            guard x[n, 0] != 0 || x[n, 1] != 0 else {
                throw MinimaError.mismatch("sample \(n) is the zero vector: every pre-activation on it is 0, so no region is differentiable")
            }
            let phi = atan2(x[n, 1], x[n, 0])
            for c in [phi + Double.pi / 2, phi - Double.pi / 2] {
                var a = c.truncatingRemainder(dividingBy: 2 * Double.pi)
                if a < 0 { a += 2 * Double.pi }
                cuts.append(a)
            }
        }
        cuts.sort()
        var unique: [Double] = []
        for c in cuts where unique.last.map({ c - $0 > 1e-12 }) ?? true { unique.append(c) }
        if unique.count > 1, unique.first! + 2 * Double.pi - unique.last! <= 1e-12 { unique.removeLast() }
        var arcs: [Arc] = []
        for k in 0..<unique.count {
            let start = unique[k]
            let end = k + 1 < unique.count ? unique[k + 1] : unique[0] + 2 * Double.pi
            let mid = 0.5 * (start + end)
            let (c, s) = (cos(mid), sin(mid))
            let positive = (0..<x.rows).map { c * x[$0, 0] + s * x[$0, 1] > 0 }
            arcs.append(Arc(start: start, end: end, positive: positive))
        }
        return arcs
    }

    /// Most regions `volumes` enumerates before refusing (each needs a region program).
    public static let maxRegions = 1e5

    /// The exact volumes for data `(X, y)` with d1 units of slope ρ, and the number of distinct
    /// regions classified.
    public static func volumes<Scalar: LinalgScalar>(data: Dataset<Scalar>, units d1: Int, slope: Double,
                                                     epsilons: [Double],
                                                     method: RegionClassifier.Method = .automatic) throws -> (volume: AngularVolume, regions: Int) {
        guard d1 >= 1 else { throw MinimaError.invalidValue(field: .units, message: "d1 must be positive, got \(d1)") }
        let classifier = RegionClassifier(data: data, slope: slope, method: method)
        let arcs = try arcs(classifier.x)
        // multisets of d1 arcs: C(arcs + d1 − 1, d1)
        let regionCount = (0..<d1).reduce(1.0) { $0 * Double(arcs.count + $1) / Double($1 + 1) }
        guard regionCount <= maxRegions else {
            throw MinimaError.invalidValue(field: .exact, message: String(format:
                "N = %d, d1 = %d has %.3g regions up to unit order, more than the %.0g Minima enumerates; use Monte Carlo (drop --exact)",
                data.n, d1, regionCount, maxRegions))
        }
        var tally = AngularVolume(epsilons: epsilons)
        let factorial = { (k: Int) in (1...max(1, k)).reduce(1.0) { $0 * Double($1) } }
        var choice = [Int](repeating: 0, count: d1)   // nondecreasing arc indices
        var regions = 0
        while true {
            let pattern = RegionPattern(positive: choice.map { arcs[$0].positive })
            let c = try classifier.classify(pattern)
            regions += 1
            // orderings of the multiset: d1! / Π multiplicity!
            var orderings = factorial(d1)
            var run = 1
            for k in 1...d1 {
                if k < d1 && choice[k] == choice[k - 1] { run += 1 } else { orderings /= factorial(run); run = 1 }
            }
            let weight = orderings * choice.reduce(1.0) { $0 * arcs[$1].volume }
            tally.add(c, weight: weight, samples: data.n)
            // next multiset
            var k = d1 - 1
            while k >= 0 && choice[k] == arcs.count - 1 { k -= 1 }
            if k < 0 { break }
            choice[k] += 1
            for j in (k + 1)..<d1 { choice[j] = choice[k] }
        }
        return (tally, regions)
    }
}
