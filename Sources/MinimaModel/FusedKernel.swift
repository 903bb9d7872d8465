import Foundation
import Kernels
import MinimaCore
import MinimaData

/// When a one-hidden-layer network's forward and backward passes go through the fused kernel
/// (`OneHiddenLayerKernel`) instead of BLAS GEMMs: small weight matrices, on a CPU with AVX2 and
/// FMA (the kernel is compiled for them on x86-64).
package enum FusedKernel {
    /// Whether this CPU may run the kernel: AVX2 and FMA on x86-64 (from /proc/cpuinfo's
    /// flags); never elsewhere, where BLAS serves every size.
    /// The environment variable `MINIMA_FUSED_KERNEL=0` turns the kernel off (to compare with
    /// the BLAS path in benchmarks).
    package static let isAvailable: Bool = {
        if ProcessInfo.processInfo.environment["MINIMA_FUSED_KERNEL"] == "0" { return false }
        #if arch(x86_64) && os(Linux)
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        let set = Set(flags.split(separator: " ").map(String.init))
        return set.contains("avx2") && set.contains("fma")
        #else
        return false
        #endif
    }()

    /// The largest `d0·d1` (d1 padded to a multiple of 8) the kernel takes: `Wᵀ` and `∂Wᵀ` then
    /// stay in the second-level cache. Measured one-thread GD epochs (kernel vs two GEMMs):
    /// N = 400, 20×40: 53 vs 85 µs; N = 720, 60×60: 0.41 vs 0.44 ms; N = 1280, 80×80: 0.92 vs
    /// 1.34 ms; N = 2000, 100×100: 3.7 vs 4.2 ms; N = 4000, 200×20: 4.1 vs 5.7 ms.
    static let maximumWeights = 16384

    /// Whether `shape` is run through the kernel.
    package static func applies(to shape: NetworkShape) -> Bool {
        shape.depth == 1 && shape.d0 * ((shape.hidden[0] + 7) / 8 * 8) <= maximumWeights && isAvailable
    }

    /// The arguments of `OneHiddenLayerKernel.sumOfSquaresAndGradient`.
    struct Call<Scalar> {
        var x, y: UnsafePointer<Scalar>
        var rows: Int
        var w: UnsafePointer<Scalar>, b: UnsafePointer<Scalar>?, z: UnsafePointer<Scalar>
        var bz, slope, scale: Scalar
        var gradW: UnsafeMutablePointer<Scalar>, gradB: UnsafeMutablePointer<Scalar>?
        var gradZ: UnsafeMutablePointer<Scalar>, gradBz: UnsafeMutablePointer<Scalar>?
        var accumulate: Bool

        func run(_ kernel: OneHiddenLayerKernel<Scalar>) -> Scalar where Scalar: SIMDScalar & BinaryFloatingPoint {
            kernel.sumOfSquaresAndGradient(x: x, y: y, rows: rows, w: w, b: b, z: z, bz: bz, slope: slope, scale: scale,
                                           gradW: gradW, gradB: gradB, gradZ: gradZ, gradBz: gradBz, accumulate: accumulate)
        }
    }

    /// Runs the kernel's Float or Double build, named by its concrete type here.
    ///
    /// The callers are generic and, with cross-module optimisation, specialised inside the
    /// modules that use them; a generic call from there would reach the kernel's generic code
    /// (two orders of magnitude slower) instead of the builds `@_specialize` exported. These
    /// functions are kept out of other modules so their concrete calls stay as written.
    static func run<Scalar: SIMDScalar & BinaryFloatingPoint>(_ kernel: OneHiddenLayerKernel<Scalar>, _ call: Call<Scalar>) -> Scalar {
        if Scalar.self == Float.self {
            return Scalar(runFloat(unsafeDowncast(kernel, to: OneHiddenLayerKernel<Float>.self), unsafeBitCast(call, to: Call<Float>.self)))
        }
        if Scalar.self == Double.self {
            return Scalar(runDouble(unsafeDowncast(kernel, to: OneHiddenLayerKernel<Double>.self), unsafeBitCast(call, to: Call<Double>.self)))
        }
        return call.run(kernel)
    }

    @_semantics("optimize.no.crossmodule") @inline(never)
    static func runFloat(_ kernel: OneHiddenLayerKernel<Float>, _ call: Call<Float>) -> Float { call.run(kernel) }

    @_semantics("optimize.no.crossmodule") @inline(never)
    static func runDouble(_ kernel: OneHiddenLayerKernel<Double>, _ call: Call<Double>) -> Double { call.run(kernel) }
}
