import Kernels
import Linalg
import MinimaCore
import MinimaData

/// When a one-hidden-layer network's forward and backward passes go through a fused kernel
/// (`FusedPass`, built per instruction set) instead of BLAS GEMMs, and on which path.
///
/// The kernel is held as `any OneHiddenLayerPass<Scalar>`: its calls go through the witness
/// table to the kernel build's Float or Double code (each kernel method carries `@_specialize`
/// for both, so even its generic entry dispatches to the specialised code).
package enum FusedKernel {
    /// The kernel for `shape` on `path` (default: `KernelPath.selected`), nil when the network
    /// is deeper, its weights too many for a kernel, or the path is `blas`.
    package static func make<Scalar: LinalgScalar>(for shape: NetworkShape, capacity: Int,
                                                   path: KernelPath = .selected) -> (any OneHiddenLayerPass<Scalar>)? {
        guard shape.depth == 1 else { return nil }
        return FusedPass.make(d0: shape.d0, d1: shape.hidden[0], capacity: capacity, path: path)
    }

    /// The two-hidden-layer kernel for `shape` on `path`, nil when the network has one hidden
    /// layer, its weights are too many for the kernel, or the path is `blas`.
    package static func makeTwoLayer<Scalar: LinalgScalar>(for shape: NetworkShape, capacity: Int,
                                                           path: KernelPath = .selected) -> (any TwoHiddenLayerPass<Scalar>)? {
        guard shape.depth == 2 else { return nil }
        return FusedPass.make(d0: shape.d0, d1: shape.hidden[0], d2: shape.hidden[1], capacity: capacity, path: path)
    }
}
