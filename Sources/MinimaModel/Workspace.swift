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
    /// The fused forward/backward kernel and its buffers, for the shapes it takes (`FusedKernel`).
    package let kernel: (any OneHiddenLayerPass<Scalar>)?
    /// The fused kernel of a two-hidden-layer network, for the shapes it takes.
    package let twoLayerKernel: (any TwoHiddenLayerPass<Scalar>)?
    private let sizes: [Int]

    /// `path`: the kernel path for fused passes (default `KernelPath.selected`;
    /// `.blas` forces GEMMs).
    public init(shape: NetworkShape, capacity: Int, path: KernelPath = .selected) {
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
        kernel = FusedKernel.make(for: shape, capacity: self.capacity, path: path)
        twoLayerKernel = FusedKernel.makeTwoLayer(for: shape, capacity: self.capacity, path: path)
    }

    deinit {
        for p in preactivations + activations + deltas { p.deallocate() }
        outputs.deallocate()
        outputGradient.deallocate()
    }
}
