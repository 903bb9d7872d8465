import KernelsAVX2
import KernelsAVX512
import KernelsGeneric

/// One fused forward-and-backward pass of a one-hidden-layer network, `f(x) = zᵀφ(W x + b) + b_z`:
/// the sum of squared residuals of a batch and the gradient of `scale·Σ (y_n − f(x_n))²`.
/// Each instruction-set build of a kernel conforms; `FusedPass.make` picks one.
public protocol OneHiddenLayerPass<Scalar>: AnyObject {
    associatedtype Scalar
    /// `Σ_n (y_n − f(x_n))²` over `rows` samples, and the gradient of `scale·Σ (y_n − f(x_n))²`
    /// written (or with `accumulate`, added) into `gradW` (d1×d0), `gradZ` (d1) and, when the
    /// network has biases, `gradB` (d1) and `gradBz`. Sample n is row `order[n]` of `x`
    /// (row-major, d0 columns) and entry `order[n]` of `y` when `order` is given, else row n.
    /// `slope` is the leaky-ReLU ρ, with `a(0) = ρ`.
    func sumOfSquaresAndGradient(x: UnsafePointer<Scalar>, y: UnsafePointer<Scalar>, order: UnsafePointer<Int>?, rows: Int,
                                 w: UnsafePointer<Scalar>, b: UnsafePointer<Scalar>?, z: UnsafePointer<Scalar>,
                                 bz: Scalar, slope: Scalar, scale: Scalar,
                                 gradW: UnsafeMutablePointer<Scalar>, gradB: UnsafeMutablePointer<Scalar>?,
                                 gradZ: UnsafeMutablePointer<Scalar>, gradBz: UnsafeMutablePointer<Scalar>?,
                                 accumulate: Bool) -> Scalar
}

/// One fused forward-and-backward pass of a two-hidden-layer network,
/// `f(x) = zᵀφ(W₂ φ(W₁x + b₁) + b₂) + b_z`, over contiguous rows: the sum of squared residuals and
/// the gradient of `scale·Σ (y_n − f(x_n))²` written (or with `accumulate`, added) into the
/// gradients of W₁ (d1×d0), W₂ (d2×d1), z and, with biases, b₁, b₂ and b_z.
public protocol TwoHiddenLayerPass<Scalar>: AnyObject {
    associatedtype Scalar
    func sumOfSquaresAndGradient(x: UnsafePointer<Scalar>, y: UnsafePointer<Scalar>, rows: Int,
                                 w1: UnsafePointer<Scalar>, b1: UnsafePointer<Scalar>?,
                                 w2: UnsafePointer<Scalar>, b2: UnsafePointer<Scalar>?,
                                 z: UnsafePointer<Scalar>, bz: Scalar, slope: Scalar, scale: Scalar,
                                 gradW1: UnsafeMutablePointer<Scalar>, gradB1: UnsafeMutablePointer<Scalar>?,
                                 gradW2: UnsafeMutablePointer<Scalar>, gradB2: UnsafeMutablePointer<Scalar>?,
                                 gradZ: UnsafeMutablePointer<Scalar>, gradBz: UnsafeMutablePointer<Scalar>?,
                                 accumulate: Bool) -> Scalar
}

extension KernelsAVX512.TwoHiddenLayerKernel: TwoHiddenLayerPass {}
extension KernelsAVX2.TwoHiddenLayerKernel: TwoHiddenLayerPass {}
extension KernelsGeneric.TwoHiddenLayerKernel: TwoHiddenLayerPass {}
extension KernelsAVX512.OneHiddenLayerKernel: OneHiddenLayerPass {}
extension KernelsAVX2.OneHiddenLayerKernel: OneHiddenLayerPass {}
extension KernelsGeneric.OneHiddenLayerKernel: OneHiddenLayerPass {}
extension KernelsAVX512.WideInputKernel: OneHiddenLayerPass {}
extension KernelsAVX2.WideInputKernel: OneHiddenLayerPass {}
extension KernelsGeneric.WideInputKernel: OneHiddenLayerPass {}

/// Which fused kernel a one-hidden-layer network of a given shape runs, on which path.
public enum FusedPass {
    /// The largest `d0·d1` (d1 padded to a whole tile) the small-network kernel takes: `Wᵀ` and
    /// `∂Wᵀ` then stay in the second-level cache. Measured one-thread GD epochs (kernel vs two
    /// GEMMs, AVX2): N = 400, 20×40: 53 vs 85 µs; N = 720, 60×60: 0.41 vs 0.44 ms; N = 1280,
    /// 80×80: 0.92 vs 1.34 ms; N = 2000, 100×100: 3.7 vs 4.2 ms; N = 4000, 200×20: 4.1 vs 5.7 ms.
    public static let maximumWeights = 16384

    /// The most hidden units the wide-input kernel takes (beyond, two GEMMs pack well).
    public static let maximumWideUnits = 128

    /// Whether the small-network kernel (`OneHiddenLayerKernel`) takes `d0` inputs and `d1` units.
    public static func isSmall(d0: Int, d1: Int) -> Bool { d0 * ((d1 + 7) / 8 * 8) <= maximumWeights }

    /// Whether a kernel takes a network with `d0` inputs and `d1` hidden units: the small-network
    /// kernel, else the wide-input one (`WideInputKernel`) up to `maximumWideUnits` units.
    public static func applies(d0: Int, d1: Int) -> Bool { isSmall(d0: d0, d1: d1) || d1 <= maximumWideUnits }

    /// The kernel for a one-hidden-layer network of `d0` inputs and `d1` units on `path` (default:
    /// `KernelPath.selected`), for batches of up to `capacity` rows; nil on the `blas` path, for
    /// shapes no kernel takes, or for a scalar other than Float and Double.
    public static func make<Scalar: BinaryFloatingPoint & SIMDScalar>(d0: Int, d1: Int, capacity: Int,
                                                                     path: KernelPath = .selected) -> (any OneHiddenLayerPass<Scalar>)? {
        guard path.isSupported, applies(d0: d0, d1: d1) else { return nil }
        if Scalar.self == Float.self {
            return make(Float.self, d0: d0, d1: d1, capacity: capacity, path: path) as! (any OneHiddenLayerPass<Scalar>)?
        }
        if Scalar.self == Double.self {
            return make(Double.self, d0: d0, d1: d1, capacity: capacity, path: path) as! (any OneHiddenLayerPass<Scalar>)?
        }
        return nil
    }

    /// Whether the two-hidden-layer kernel takes `d0` inputs and widths `d1`, `d2`: their
    /// weights, padded to whole tiles, within `maximumWeights`.
    public static func takes(d0: Int, d1: Int, d2: Int) -> Bool {
        let (a, b) = (d0.multipliedReportingOverflow(by: (d1 + 7) / 8 * 8), d1.multipliedReportingOverflow(by: (d2 + 7) / 8 * 8))
        return !a.overflow && !b.overflow && a.partialValue + b.partialValue <= maximumWeights
    }

    /// The kernel for a two-hidden-layer network (`d0` inputs, widths `d1`, `d2`) on `path`; nil on
    /// the `blas` path, for larger weights (`takes`), or for a scalar other than Float and Double.
    public static func make<Scalar: BinaryFloatingPoint & SIMDScalar>(d0: Int, d1: Int, d2: Int, capacity: Int,
                                                                     path: KernelPath = .selected) -> (any TwoHiddenLayerPass<Scalar>)? {
        guard path.isSupported, path != .blas, takes(d0: d0, d1: d1, d2: d2) else { return nil }
        func kernel<S>(_: S.Type) -> (any TwoHiddenLayerPass<S>)?
        where S: KernelsAVX512.KernelScalar & KernelsAVX2.KernelScalar & KernelsGeneric.KernelScalar {
            switch path {
            case .avx512: return KernelsAVX512.TwoHiddenLayerKernel<S>(d0: d0, d1: d1, d2: d2, capacity: capacity)
            case .avx2: return KernelsAVX2.TwoHiddenLayerKernel<S>(d0: d0, d1: d1, d2: d2, capacity: capacity)
            case .generic: return KernelsGeneric.TwoHiddenLayerKernel<S>(d0: d0, d1: d1, d2: d2, capacity: capacity)
            case .blas: return nil
            }
        }
        if Scalar.self == Float.self { return kernel(Float.self) as! (any TwoHiddenLayerPass<Scalar>)? }
        if Scalar.self == Double.self { return kernel(Double.self) as! (any TwoHiddenLayerPass<Scalar>)? }
        return nil
    }

    static func make<Scalar>(_: Scalar.Type, d0: Int, d1: Int, capacity: Int, path: KernelPath) -> (any OneHiddenLayerPass<Scalar>)?
    where Scalar: KernelsAVX512.KernelScalar & KernelsAVX2.KernelScalar & KernelsGeneric.KernelScalar {
        let small = isSmall(d0: d0, d1: d1)
        switch path {
        case .avx512:
            return small ? KernelsAVX512.OneHiddenLayerKernel<Scalar>(d0: d0, d1: d1, capacity: capacity)
                : KernelsAVX512.WideInputKernel<Scalar>(d0: d0, d1: d1, capacity: capacity)
        case .avx2:
            return small ? KernelsAVX2.OneHiddenLayerKernel<Scalar>(d0: d0, d1: d1, capacity: capacity)
                : KernelsAVX2.WideInputKernel<Scalar>(d0: d0, d1: d1, capacity: capacity)
        case .generic:
            return small ? KernelsGeneric.OneHiddenLayerKernel<Scalar>(d0: d0, d1: d1, capacity: capacity)
                : KernelsGeneric.WideInputKernel<Scalar>(d0: d0, d1: d1, capacity: capacity)
        case .blas: return nil
        }
    }
}
