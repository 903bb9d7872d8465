/// This module's kernels compiled for AVX-512 F/CD/BW/DQ/VL (x86-64-v4, `-target-cpu skylake-avx512`): 512-bit vectors.
public protocol KernelScalar: SIMDScalar & BinaryFloatingPoint & Codable {
    /// The vector this module computes with.
    associatedtype Lanes: SIMD where Lanes.Scalar == Self
}

/// The vector registers the instruction set has: the register tiles are sized to fit them.
let vectorRegisters = 32

extension Float: KernelScalar { public typealias Lanes = SIMD16<Float> }
extension Double: KernelScalar { public typealias Lanes = SIMD8<Double> }

extension SIMD where Scalar: FloatingPoint {
    /// `self += a·b`, fused.
    @inline(__always) mutating func multiplyAdd(_ a: Self, _ b: Self) { addProduct(a, b) }
}
