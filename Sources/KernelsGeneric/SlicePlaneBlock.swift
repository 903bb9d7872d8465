/// One hidden unit's share of a loss-slice point over a block of samples, in Float64 `SIMD8`
/// vectors (built for each instruction set; `Kernels.SlicePlaneKernel` picks the build).
///
/// For t in 0..<count, with the pre-activation `u = c[t] + α·q1[t] + β·q2[t]` of the unit on
/// sample t: `f[t] += z·φ(u)` (`φ(u) = u` for u > 0, `ρ·u` otherwise), and the unit's
/// activation is compared with the centre's (`c[t] > 0`): returned are the number of samples
/// where it differs and the wrapping sum of their `keys`.
public enum SlicePlaneBlock {
    public static func accumulate(c: UnsafePointer<Double>, q1: UnsafePointer<Double>, q2: UnsafePointer<Double>,
                                  keys: UnsafePointer<UInt64>, f: UnsafeMutablePointer<Double>, count: Int,
                                  alpha: Double, beta: Double, z: Double, slope: Double) -> (flips: Int, hash: UInt64) {
        typealias V = SIMD8<Double>
        let zero = V(repeating: 0)
        var flips = SIMD8<Int64>(repeating: 0)
        var hash = SIMD8<UInt64>(repeating: 0)
        var t = 0
        while t + 8 <= count {
            let cv = UnsafeRawPointer(c + t).loadUnaligned(as: V.self)
            let u = cv + alpha * UnsafeRawPointer(q1 + t).loadUnaligned(as: V.self) + beta * UnsafeRawPointer(q2 + t).loadUnaligned(as: V.self)
            let on = u .> zero
            let fv = UnsafeRawPointer(f + t).loadUnaligned(as: V.self) + z * (slope * u).replacing(with: u, where: on)
            UnsafeMutableRawPointer(f + t).storeBytes(of: fv, as: V.self)
            let flipped = on .^ (cv .> zero)
            flips &+= SIMD8<Int64>(repeating: 0).replacing(with: 1, where: flipped)
            hash &+= SIMD8<UInt64>(repeating: 0).replacing(with: UnsafeRawPointer(keys + t).loadUnaligned(as: SIMD8<UInt64>.self), where: flipped)
            t += 8
        }
        var n = Int(flips.wrappedSum()), h = hash.wrappedSum()
        while t < count {
            let u = c[t] + alpha * q1[t] + beta * q2[t]
            let on = u > 0
            f[t] += z * (on ? u : slope * u)
            if on != (c[t] > 0) { n += 1; h &+= keys[t] }
            t += 1
        }
        return (n, h)
    }
}
