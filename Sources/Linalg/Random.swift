/// xoshiro256** (Blackman & Vigna), seeded through SplitMix64: a small, fast generator whose
/// stream depends on the seed alone, so the same seed gives the same numbers on every run,
/// machine and thread count.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64
    private var spareNormal: Double?

    /// A generator for `seed`; `streamID` selects an independent sequence for the same seed.
    /// Minima's own draws name their purpose instead (`init(seed:stream:index:)`, `RandomStream`);
    /// stream 0, `init(seed:)`, belongs to no purpose.
    public init(seed: UInt64, streamID: UInt64 = 0) {
        var sm = seed ^ (streamID &* 0xD1B5_4A32_D192_ED03)
        func splitMix() -> UInt64 {
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    /// The generator's whole state (four words, then the spare normal draw's bits and whether
    /// there is one), to continue the stream later with `init(state:)`.
    public var state: [UInt64] {
        [s0, s1, s2, s3, spareNormal?.bitPattern ?? 0, spareNormal == nil ? 0 : 1]
    }

    /// Continues the stream saved by `state`; nil when `state` is not six words.
    public init?(state: [UInt64]) {
        guard state.count == 6 else { return nil }
        s0 = state[0]; s1 = state[1]; s2 = state[2]; s3 = state[3]
        spareNormal = state[5] == 0 ? nil : Double(bitPattern: state[4])
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform on [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Standard normal N(0, 1) by the polar Box–Muller method (pairs; the second is kept).
    public mutating func normal() -> Double {
        if let z = spareNormal { spareNormal = nil; return z }
        while true {
            let u = 2 * uniform() - 1, v = 2 * uniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                let f = (-2 * log(s) / s).squareRoot()
                spareNormal = v * f
                return u * f
            }
        }
    }

    /// `count` standard normal draws in the given precision.
    public mutating func normals<Scalar: LinalgScalar>(_ count: Int, scale: Double = 1,
                                                       as: Scalar.Type = Scalar.self) -> [Scalar] {
        (0..<count).map { _ in Scalar(normal() * scale) }
    }

    /// A uniformly random permutation of 0..<n (Fisher–Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        permute(&p)
        return p
    }

    /// Shuffles `values` in place (Fisher–Yates with this generator).
    public mutating func permute(_ values: inout [Int]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            let j = Int(next() % UInt64(i + 1))
            values.swapAt(i, j)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
