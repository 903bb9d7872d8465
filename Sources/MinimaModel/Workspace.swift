import Kernels
import Linalg
import MinimaCore
import MinimaData

/// Scratch buffers for one forward and backward pass over up to `capacity` samples: the
/// pre-activations `P_l = H_{l−1} W_lᵀ` and activations `H_l = φ(P_l)` of every hidden layer,
/// the output, and the back-propagated deltas. Allocated once per training run, reused for
/// every minibatch.
public final class Workspace<Scalar: LinalgScalar> {
    public let capacity: Int
    let preactivations: [UnsafeMutablePointer<Scalar>]
    package let activations: [UnsafeMutablePointer<Scalar>]
    let deltas: [UnsafeMutablePointer<Scalar>]
    package let outputs: UnsafeMutablePointer<Scalar>
    let outputGradient: UnsafeMutablePointer<Scalar>
    /// The fused forward/backward kernel's buffers, for the shapes it takes (`FusedKernel`).
    package let kernel: OneHiddenLayerKernel<Scalar>?
    private let sizes: [Int]

    /// `fused`: run one-hidden-layer passes through `OneHiddenLayerKernel` (default: when
    /// `FusedKernel` says it applies); false forces the BLAS path.
    public init(shape: NetworkShape, capacity: Int, fused: Bool? = nil) {
        self.capacity = max(1, capacity)
        sizes = shape.hidden.map { $0 * max(1, capacity) }
        func make(_ n: Int) -> UnsafeMutablePointer<Scalar> {
            let p = UnsafeMutablePointer<Scalar>.allocate(capacity: n)
            p.initialize(repeating: 0, count: n)
            return p
        }
        preactivations = sizes.map(make)
        activations = sizes.map(make)
        deltas = sizes.map(make)
        outputs = make(self.capacity)
        outputGradient = make(self.capacity)
        kernel = (fused ?? FusedKernel.applies(to: shape)) && shape.depth == 1 ? OneHiddenLayerKernel(d0: shape.d0, d1: shape.hidden[0], capacity: self.capacity) : nil
    }

    deinit {
        for p in preactivations + activations + deltas { p.deallocate() }
        outputs.deallocate()
        outputGradient.deallocate()
    }
}
