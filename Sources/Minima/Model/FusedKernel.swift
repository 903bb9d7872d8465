import Kernels
import Linalg

/// When a one-hidden-layer network's forward and backward passes go through a fused kernel
/// (`FusedPass`, built per instruction set) instead of BLAS GEMMs, and on which path.
enum FusedKernel {
    /// The kernel for `shape` on `path` (default: `KernelPath.selected`), nil when the network
    /// is deeper, its weights too many for a kernel, or the path is `blas`.
    static func make<Scalar: LinalgScalar>(for shape: NetworkShape, capacity: Int,
                                           path: KernelPath = .selected) -> (any OneHiddenLayerPass<Scalar>)? {
        guard shape.depth == 1 else { return nil }
        return FusedPass.make(d0: shape.d0, d1: shape.hidden[0], capacity: capacity, path: path)
    }
}
