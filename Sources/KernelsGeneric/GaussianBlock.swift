/// Standard normal numbers `N(0, 1)` as a pure function of `(key, index)`: a counter-based
/// generator, so any block of the sequence can be drawn on its own, blocks can be drawn in
/// parallel, and the numbers are identical for every thread count, machine and instruction set.
///
/// Number pairs come in chunks of 16: pair k (`k = 8c + lane` in chunk c) takes two 64-bit
/// words, SplitMix64's finaliser applied to the counters `2k + 1` and `2k + 2` of the stream's
/// key, turned into `u₁ ∈ (0, 1]` and `u₂ ∈ [0, 1)` with 52 random bits each; Box–Muller gives
/// `√(−2 ln u₁)·cos(2πu₂)` (entry `16c + lane`) and `√(−2 ln u₁)·sin(2πu₂)` (entry
/// `16c + 8 + lane`). The logarithm and the sine/cosine are polynomial, evaluated eight lanes at
/// a time in Double with correctly rounded operations only (no fused multiply-add), so every
/// machine computes the same bits; they are accurate to a few units in the last place.
public struct GaussianBlock: Sendable {
    static let golden: UInt64 = 0x9E37_79B9_7F4A_7C15
    /// The stream's key.
    public let key: UInt64

    /// The stream with this key (`GaussianBlock(seed:stream:).key`).
    public init(key: UInt64) { self.key = key }

    /// The stream `stream` of `seed` (independent of every other stream of the same seed).
    public init(seed: UInt64, stream: UInt64) {
        key = GaussianBlock.mix(seed &* GaussianBlock.golden ^ GaussianBlock.mix(stream &+ 0x6A09_E667_F3BC_C909))
    }

    /// SplitMix64's finaliser.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A double in [1, 2) from the top 52 bits of `w`.
    @inline(__always)
    static func unitInterval(_ w: UInt64) -> Double { Double(bitPattern: (w >> 12) | 0x3FF0_0000_0000_0000) }

    /// `ln u` for u in (0, 1]: u = 2^e·m with m in [1, 2), `ln m = ln 1.5 + 2·atanh(s)`,
    /// s = (m − 1.5)/(m + 1.5), |s| ≤ 0.2, by its series to s²³ (truncation below 1e-17).
    @inline(__always)
    static func log(_ u: Double) -> Double {
        let bits = u.bitPattern
        // The biased exponent as a double, by the 2^52 trick (exact for small integers).
        let biased = Double(bitPattern: (bits >> 52) | 0x4330_0000_0000_0000) - 0x1p52
        let m = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000)
        let s = (m - 1.5) / (m + 1.5)
        let s2 = s * s
        var p = (1.0 / 23) * s2 + 1.0 / 21
        p = p * s2 + 1.0 / 19
        p = p * s2 + 1.0 / 17
        p = p * s2 + 1.0 / 15
        p = p * s2 + 1.0 / 13
        p = p * s2 + 1.0 / 11
        p = p * s2 + 1.0 / 9
        p = p * s2 + 1.0 / 7
        p = p * s2 + 1.0 / 5
        p = p * s2 + 1.0 / 3
        p = p * s2 + 1
        return (biased - 1023) * 0.693_147_180_559_945_3 + (0.405_465_108_108_164_4 + 2 * s * p)
    }

    /// `(cos 2πu, sin 2πu)` for u in [0, 1): quadrant q = round(4u), a = (4u − q)·π/2 in
    /// [−π/4, π/4], Taylor series of cos a and sin a to degree 16 and 15, rotated by q·π/2.
    @inline(__always)
    static func cosSin(_ u: Double) -> (Double, Double) {
        let v = 4 * u
        let q = (v + 0x1.8p52) - 0x1.8p52          // round to nearest, q in 0...4
        let a = (v - q) * (Double.pi / 2)
        let a2 = a * a
        // cos a = Σ (−1)^j a^{2j}/(2j)!, j ≤ 8; sin a = a·Σ (−1)^j a^{2j}/(2j+1)!, j ≤ 7.
        var c = (1.0 / 20_922_789_888_000) * a2 - 1.0 / 87_178_291_200
        c = c * a2 + 1.0 / 479_001_600
        c = c * a2 - 1.0 / 3_628_800
        c = c * a2 + 1.0 / 40_320
        c = c * a2 - 1.0 / 720
        c = c * a2 + 1.0 / 24
        c = c * a2 - 0.5
        c = c * a2 + 1
        var s = (-1.0 / 1_307_674_368_000) * a2 + 1.0 / 6_227_020_800
        s = s * a2 - 1.0 / 39_916_800
        s = s * a2 + 1.0 / 362_880
        s = s * a2 - 1.0 / 5040
        s = s * a2 + 1.0 / 120
        s = s * a2 - 1.0 / 6
        s = s * a2 + 1
        s = s * a
        // cos(qπ/2) = |q − 2| − 1 and −sin(qπ/2) = (q − 2)(2 − |q − 2|) on q = 0...4.
        let e = q - 2
        let magnitude = Double(bitPattern: e.bitPattern & 0x7FFF_FFFF_FFFF_FFFF)
        let cq = magnitude - 1, ms = e * (2 - magnitude)
        return (cq * c + ms * s, cq * s - ms * c)
    }

    /// Pair k's two numbers (entries `16·(k/8) + k%8` and that + 8).
    @inline(__always)
    func pair(_ k: UInt64) -> (Double, Double) {
        let counter1 = key &+ (k &* 2 &+ 1) &* GaussianBlock.golden
        let u1 = 2 - GaussianBlock.unitInterval(GaussianBlock.mix(counter1))                          // (0, 1]
        let u2 = GaussianBlock.unitInterval(GaussianBlock.mix(counter1 &+ GaussianBlock.golden)) - 1  // [0, 1)
        let r2 = -2 * GaussianBlock.log(u1)
        let r = (r2 > 0 ? r2 : 0).squareRoot()
        let (c, s) = GaussianBlock.cosSin(u2)
        return (r * c, r * s)
    }

    /// Numbers `start ..< start + count` of the stream into `out`: whole chunks in a loop the compiler vectorises over the eight pairs, partial
    /// chunks (at either end) entry by entry.
    public func fill(_ out: UnsafeMutablePointer<Double>, from start: Int, count: Int) {
        let end = start + count
        let firstWhole = (start + 15) / 16, lastWhole = end / 16
        guard firstWhole < lastWhole else { return fillPartial(out, from: start, to: end, start: start) }
        fillPartial(out, from: start, to: firstWhole * 16, start: start)
        for c in firstWhole..<lastWhole {
            let o = out + (c * 16 - start)
            for lane in 0..<8 {
                let (z0, z1) = pair(UInt64(c * 8 + lane))
                o[lane] = z0
                o[lane + 8] = z1
            }
        }
        fillPartial(out, from: lastWhole * 16, to: end, start: start)
    }

    /// Numbers `start ..< start + count` of the stream, rounded once from Double, into `out`.
    public func fill(_ out: UnsafeMutablePointer<Float>, from start: Int, count: Int) {
        let end = start + count
        let firstWhole = (start + 15) / 16, lastWhole = end / 16
        guard firstWhole < lastWhole else { return fillPartial(out, from: start, to: end, start: start) }
        fillPartial(out, from: start, to: firstWhole * 16, start: start)
        for c in firstWhole..<lastWhole {
            let o = out + (c * 16 - start)
            for lane in 0..<8 {
                let (z0, z1) = pair(UInt64(c * 8 + lane))
                o[lane] = Float(z0)
                o[lane + 8] = Float(z1)
            }
        }
        fillPartial(out, from: lastWhole * 16, to: end, start: start)
    }

    /// Entries `lower ..< upper` one by one into `out[i − start]`.
    func fillPartial<Scalar: BinaryFloatingPoint>(_ out: UnsafeMutablePointer<Scalar>, from lower: Int, to upper: Int, start: Int) {
        for i in lower..<max(lower, upper) {
            let c = i / 16, lane = i % 16
            let (z0, z1) = pair(UInt64(c * 8 + lane % 8))
            out[i - start] = Scalar(lane < 8 ? z0 : z1)
        }
    }
}
