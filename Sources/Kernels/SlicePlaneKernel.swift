import KernelsAVX2
import KernelsAVX512
import KernelsGeneric

/// One hidden unit's share of a loss-slice point over a block of samples (`SlicePlaneBlock`), on
/// the instruction set of `KernelPath.vectorPath`.
///
/// For t in 0..<count, with the pre-activation `u = c[t] + α·q1[t] + β·q2[t]` of the unit on
/// sample t: `f[t] += z·φ(u)` (`φ(u) = u` for u > 0, `ρ·u` otherwise), and the unit's
/// activation is compared with the centre's (`c[t] > 0`): returned are the number of samples
/// where it differs and the wrapping sum of their `keys`.
public enum SlicePlaneKernel {
    public static func accumulate(c: UnsafePointer<Double>, q1: UnsafePointer<Double>, q2: UnsafePointer<Double>,
                                  keys: UnsafePointer<UInt64>, f: UnsafeMutablePointer<Double>, count: Int,
                                  alpha: Double, beta: Double, z: Double, slope: Double) -> (flips: Int, hash: UInt64) {
        switch KernelPath.vectorPath {
        case .avx512:
            return KernelsAVX512.SlicePlaneBlock.accumulate(c: c, q1: q1, q2: q2, keys: keys, f: f, count: count,
                                                            alpha: alpha, beta: beta, z: z, slope: slope)
        case .avx2:
            return KernelsAVX2.SlicePlaneBlock.accumulate(c: c, q1: q1, q2: q2, keys: keys, f: f, count: count,
                                                          alpha: alpha, beta: beta, z: z, slope: slope)
        case .generic, .blas:
            return KernelsGeneric.SlicePlaneBlock.accumulate(c: c, q1: q1, q2: q2, keys: keys, f: f, count: count,
                                                             alpha: alpha, beta: beta, z: z, slope: slope)
        }
    }
}
