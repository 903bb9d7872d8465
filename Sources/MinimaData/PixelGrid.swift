import Linalg

/// 8-bit pixel data: every value is a level `m ∈ 0…255` divided by `divisor` q (255 for pixels
/// in [0, 1], 1 for raw bytes), rounded to the nearest `Scalar`. On such data the levels are
/// exact small integers, so sums of their products can be formed exactly (`pixelMoments`).
package struct PixelGrid<Scalar: LinalgScalar>: Sendable {
    /// q.
    package let divisor: Double
    /// `values[m]`: the `Scalar` nearest `m/q`.
    package let values: [Scalar]

    /// nil unless q is positive and exact in `Scalar` (then `Scalar(m)/Scalar(q)` is `m/q`
    /// rounded once).
    package init?(divisor: Double) {
        guard divisor > 0, divisor.isFinite, Double(Scalar(divisor)) == divisor else { return nil }
        self.divisor = divisor
        let q = Scalar(divisor)
        values = (0...255).map { Scalar($0) / q }
    }

    /// The level m of `x`, or nil when `x` is not the `Scalar` nearest some `m/q`.
    @inline(__always)
    package func level(_ x: Scalar) -> Int? {
        let m = (Double(x) * divisor).rounded(.toNearestOrEven)
        guard m >= 0, m <= 255 else { return nil }
        let k = Int(m)
        return values[k] == x ? k : nil
    }
}
