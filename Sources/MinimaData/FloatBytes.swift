import Foundation
import Linalg

/// Raw little-endian IEEE floats, the data part of `.npy` and `safetensors` files: float32
/// (4 bytes) or float64 (8 bytes) values read into, and written from, `Scalar`.
package enum FloatBytes {
    /// `count` values of `itemSize` bytes (4 or 8) starting at `offset` of `bytes`, converted to
    /// `Scalar`. The caller has checked that they lie inside `bytes`.
    package static func decode<Scalar: LinalgScalar>(_ bytes: [UInt8], offset: Int, count: Int, itemSize: Int) -> [Scalar] {
        precondition(itemSize == 4 || itemSize == 8, "item size \(itemSize)")
        precondition(offset >= 0 && offset + count * itemSize <= bytes.count, "values outside the bytes")
        var values = [Scalar](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            guard count > 0, let start = raw.baseAddress else { return }
            let base = start + offset
            if itemSize == 4 {
                for i in 0..<count { values[i] = Scalar(Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))) }
            } else {
                for i in 0..<count { values[i] = Scalar(Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))) }
            }
        }
        return values
    }

    /// The bytes of `values` in `Scalar`'s own width (Float: 4, Double: 8), little-endian: the
    /// memory of the array as it is, on the little-endian machines Minima runs on.
    package static func encode<Scalar: LinalgScalar>(_ values: [Scalar]) -> [UInt8] {
        precondition(1.littleEndian == 1, "Minima writes little-endian files from a little-endian machine")
        return values.withUnsafeBytes { [UInt8]($0) }
    }
}
