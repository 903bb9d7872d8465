import Foundation
import Linalg
import MinimaCore

/// Reading and writing numpy's `.npy` format (versions 1.0, 2.0 and 3.0 headers; little-endian
/// `<f4` or `<f8`, C order), so numpy users can bring data in and take weights away.
///
/// Format: the magic `\x93NUMPY`, a major and minor version byte, the header length (2 bytes
/// little-endian in 1.0, 4 bytes in 2.0/3.0), an ASCII Python dict literal with `descr`,
/// `fortran_order` and `shape`, padded with spaces and a newline so the data starts on a
/// 64-byte boundary; then the raw data.
public enum Npy {
    /// An array as stored: its shape and its values converted to `Scalar`.
    public struct Array<Scalar: LinalgScalar>: Sendable {
        public var shape: [Int]
        public var values: [Scalar]
    }

    /// Reads a `.npy` file of dtype `<f4` or `<f8` (converted to `Scalar`).
    public static func read<Scalar: LinalgScalar>(_ path: String, as: Scalar.Type = Scalar.self) throws -> Array<Scalar> {
        let data = Data(try Gzip.readBytes(path))
        return try parse(data, path: path)
    }

    /// Parses the bytes of a `.npy` file; `path` is used in error messages only.
    public static func parse<Scalar: LinalgScalar>(_ data: Data, path: String) throws -> Array<Scalar> {
        func fail(_ message: String) -> MinimaError { .invalidFile(path: path, message: message) }
        let bytes = [UInt8](data)
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10, Swift.Array(bytes[0..<6]) == magic else {
            throw fail("not a .npy file (the magic string \\x93NUMPY is missing)")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail("unsupported .npy version \(major).\(bytes[7]) (expected 1.0, 2.0 or 3.0)")
        }
        guard headerStart + headerLength <= bytes.count else { throw fail("truncated header") }
        guard let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: .utf8) else {
            throw fail("header is not text")
        }
        let descr = try headerValue("descr", in: header, path: path)
        let fortran = try headerValue("fortran_order", in: header, path: path)
        let shapeText = try headerValue("shape", in: header, path: path)
        let itemSize: Int
        switch descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) {
        case "<f4": itemSize = 4
        case "<f8": itemSize = 8
        case let other:
            throw fail("dtype \(other) is not supported (expected little-endian float32 '<f4' or float64 '<f8')")
        }
        guard fortran == "False" else { throw fail("Fortran-ordered arrays are not supported (save with C order)") }
        let inner = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            guard let v = Int(t), v >= 0 else { throw fail("shape \(shapeText) is not a tuple of sizes") }
            shape.append(v)
        }
        let dataStart = headerStart + headerLength
        // The shape's product is checked for overflow and against memory before allocating.
        try MemoryBudget.check(elements: MemoryBudget.product(shape), of: MemoryLayout<Scalar>.size,
                               what: "\(path): shape \(shapeText)")
        let count = MemoryBudget.product(shape)!
        let present = bytes.count - dataStart
        guard let needed = MemoryBudget.product(count, itemSize), present >= needed else {
            throw fail("truncated: shape \(shape) needs \(count) values of \(itemSize) bytes, the file has \(present) data bytes")
        }
        guard present == needed else {
            throw fail("\(present - needed) unexpected bytes after the \(needed) data bytes of shape \(shape)")
        }
        let values: [Scalar] = FloatBytes.decode(bytes, offset: dataStart, count: count, itemSize: itemSize)
        return Array(shape: shape, values: values)
    }

    /// The value text of `key` in a numpy header dict (a quoted string, a bool, or a tuple).
    private static func headerValue(_ key: String, in header: String, path: String) throws -> String {
        guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\""),
              let colon = header[keyRange.upperBound...].firstIndex(of: ":") else {
            throw MinimaError.invalidFile(path: path, message: "header has no '\(key)' field")
        }
        let rest = header[header.index(after: colon)...].drop(while: { $0 == " " })
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else {
                throw MinimaError.invalidFile(path: path, message: "header field '\(key)' is malformed")
            }
            return String(rest[rest.startIndex...close])
        }
        let end = rest.firstIndex(where: { $0 == "," || $0 == "}" }) ?? rest.endIndex
        return String(rest[rest.startIndex..<end]).trimmingCharacters(in: .whitespaces)
    }

    /// The bytes of a version-1.0 `.npy` file holding `values` with `shape` in `Scalar`'s dtype.
    public static func encode<Scalar: LinalgScalar>(_ values: [Scalar], shape: [Int]) -> Data {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(Scalar.npyDescriptor)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let n = header.utf8.count
        out.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8)])
        out.append(contentsOf: Swift.Array(header.utf8))
        out.append(contentsOf: FloatBytes.encode(values))
        return out
    }

    /// Writes `values` with `shape` to `path` atomically (temporary file, then rename).
    public static func write<Scalar: LinalgScalar>(_ values: [Scalar], shape: [Int], to path: String) throws {
        try AtomicFile.write(encode(values, shape: shape), to: path)
    }

    /// Reads a 2-D array into a `Matrix` from a `.npy` file or an `.npz` archive's array
    /// (`npzArray` when the location names none).
    public static func readMatrix<Scalar: LinalgScalar>(_ path: String, as: Scalar.Type = Scalar.self, npzArray: String = "X",
                                                        what: String) throws -> Matrix<Scalar> {
        let a: Array<Scalar> = try read(location: path, defaultArray: npzArray)
        guard a.shape.count == 2 else {
            throw MinimaError.invalidFile(path: path, message: "\(what) must be a 2-D array, found shape \(a.shape)")
        }
        return Matrix(rows: a.shape[0], columns: a.shape[1], elements: a.values)
    }

    /// Reads a vector, shape (n,), (n, 1) or (1, n), from a `.npy` file or an `.npz` archive's
    /// array (`npzArray` when the location names none).
    public static func readVector<Scalar: LinalgScalar>(_ path: String, as: Scalar.Type = Scalar.self, npzArray: String = "y",
                                                        what: String) throws -> [Scalar] {
        let a: Array<Scalar> = try read(location: path, defaultArray: npzArray)
        let isVector = a.shape.count == 1 || (a.shape.count == 2 && (a.shape[0] == 1 || a.shape[1] == 1))
        guard isVector else {
            throw MinimaError.invalidFile(path: path, message: "\(what) must be a vector, found shape \(a.shape)")
        }
        return a.values
    }
}
