/// This module's kernels compiled for AVX2 and FMA (`-target-cpu haswell`): 256-bit vectors.
public protocol KernelScalar: SIMDScalar & BinaryFloatingPoint & Codable {
    /// The vector this module computes with.
    associatedtype Lanes: SIMD where Lanes.Scalar == Self
}

/// The vector registers the instruction set has: the register tiles are sized to fit them.
let vectorRegisters = 16

extension Float: KernelScalar { public typealias Lanes = SIMD8<Float> }
extension Double: KernelScalar { public typealias Lanes = SIMD4<Double> }

extension SIMD where Scalar: FloatingPoint {
    /// `self += a·b`, fused.
    @inline(__always) mutating func multiplyAdd(_ a: Self, _ b: Self) { addProduct(a, b) }
}
