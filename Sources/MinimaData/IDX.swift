import Foundation
import MinimaCore

/// The IDX format of MNIST and Fashion-MNIST (LeCun et al.): a 4-byte magic number
/// `00 00 TT D` (TT the element type, D the number of dimensions), D big-endian 32-bit sizes,
/// then the elements in C order. Minima reads unsigned-byte arrays (TT = 0x08), the only type
/// the image and label files use.
public enum IDX {
    /// An unsigned-byte array as stored: its sizes and its bytes.
    public struct Array: Sendable, Equatable {
        public var shape: [Int]
        public var bytes: [UInt8]
    }

    /// Parses the (already decompressed) bytes of an IDX file; `path` names it in errors.
    /// `dimensions`, when given, is the number of sizes the caller expects (3 images, 1 labels).
    public static func parse(_ bytes: [UInt8], path: String, dimensions: Int? = nil) throws -> Array {
        func fail(_ message: String) -> MinimaError { .invalidFile(path: path, message: message) }
        guard bytes.count >= 4 else { throw fail("truncated: \(bytes.count) bytes, an IDX header needs at least 4") }
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw fail(String(format: "wrong IDX magic number %02x %02x %02x %02x (expected 00 00 08 0D, D the number of dimensions)",
                              bytes[0], bytes[1], bytes[2], bytes[3]))
        }
        guard bytes[2] == 0x08 else {
            throw fail(String(format: "IDX element type 0x%02x is not supported (expected 0x08, unsigned bytes)", bytes[2]))
        }
        let d = Int(bytes[3])
        if let expected = dimensions, d != expected {
            throw fail("wrong IDX magic number: \(d) dimensions, expected \(expected) (magic 00 00 08 0\(expected))")
        }
        guard d >= 1 else { throw fail("IDX header declares 0 dimensions") }
        let headerSize = 4 + 4 * d
        guard bytes.count >= headerSize else {
            throw fail("truncated header: \(bytes.count) bytes, \(d) sizes need \(headerSize)")
        }
        let shape = (0..<d).map { k in
            let o = 4 + 4 * k
            return Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
        }
        let sizes = shape.map(String.init).joined(separator: "×")
        // Each size is below 2³²; their product is checked for overflow and against memory.
        try MemoryBudget.check(bytes: MemoryBudget.product(shape), what: "\(path): IDX sizes \(sizes)")
        let count = MemoryBudget.product(shape)!
        let available = bytes.count - headerSize
        guard available >= count else {
            throw fail("truncated: sizes \(sizes) need \(count) data bytes, the file has \(available)")
        }
        guard available == count else {
            throw fail("\(available - count) unexpected bytes after the \(count) data bytes of sizes \(sizes)")
        }
        return Array(shape: shape, bytes: Swift.Array(bytes[headerSize...]))
    }

    /// Reads an IDX file, gzipped or not.
    public static func read(_ path: String, dimensions: Int? = nil) throws -> Array {
        try parse(Gzip.readFile(path), path: path, dimensions: dimensions)
    }

    /// The bytes of an IDX file holding `bytes` with sizes `shape` (for tests and exports).
    public static func encode(_ bytes: [UInt8], shape: [Int]) -> [UInt8] {
        precondition(shape.reduce(1, *) == bytes.count, "shape \(shape) does not hold \(bytes.count) bytes")
        var out: [UInt8] = [0, 0, 0x08, UInt8(shape.count)]
        for s in shape { out += [UInt8(s >> 24 & 0xFF), UInt8(s >> 16 & 0xFF), UInt8(s >> 8 & 0xFF), UInt8(s & 0xFF)] }
        return out + bytes
    }
}
