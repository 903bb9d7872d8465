import Foundation
import Kernels

/// When a one-hidden-layer network's forward and backward passes go through the fused kernel
/// (`OneHiddenLayerKernel`) instead of BLAS GEMMs: small weight matrices, on a CPU with AVX2 and
/// FMA (the kernel is compiled for them on x86-64).
enum FusedKernel {
    /// Whether this CPU may run the kernel: AVX2 and FMA on x86-64 (from /proc/cpuinfo's
    /// flags); never elsewhere, where BLAS serves every size.
    static let isAvailable: Bool = {
        #if arch(x86_64) && os(Linux)
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        let set = Set(flags.split(separator: " ").map(String.init))
        return set.contains("avx2") && set.contains("fma")
        #else
        return false
        #endif
    }()

    /// The largest `d0·d1` (d1 padded to a multiple of 8) the kernel takes: its `Wᵀ` and `∂Wᵀ`
    /// then stay in a 32–64 KiB first-level cache. Measured with `minima bench train`: at
    /// N = 400, d0 = 20, d1 = 40 the kernel takes about half of the two GEMMs' time.
    static let maximumWeights = 4096

    /// Whether `shape` is run through the kernel.
    static func applies(to shape: NetworkShape) -> Bool {
        shape.depth == 1 && shape.d0 * ((shape.hidden[0] + 7) / 8 * 8) <= maximumWeights && isAvailable
    }
}
