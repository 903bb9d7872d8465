/// This module's kernels compiled for the x86-64 baseline (SSE2) or the build machine's default target elsewhere: 128-bit vectors.
public protocol KernelScalar: SIMDScalar & BinaryFloatingPoint & Codable {
    /// The vector this module computes with.
    associatedtype Lanes: SIMD where Lanes.Scalar == Self
}

/// The vector registers the instruction set has: the register tiles are sized to fit them.
let vectorRegisters = 16

extension Float: KernelScalar { public typealias Lanes = SIMD4<Float> }
extension Double: KernelScalar { public typealias Lanes = SIMD2<Double> }

extension SIMD where Scalar: FloatingPoint {
    /// `self += a·b` (a multiply and an add: the baseline has no fused multiply-add, which would be a library call per lane).
    @inline(__always) mutating func multiplyAdd(_ a: Self, _ b: Self) { self += a * b }
}
