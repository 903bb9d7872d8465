import Foundation
import Linalg
import MinimaCore

/// Reading and writing the `safetensors` format (what PyTorch users save with
/// `safetensors.torch.save_file`), for float32 (`F32`) and float64 (`F64`) tensors.
///
/// Format: an 8-byte little-endian header length `n`; `n` bytes of JSON, padded with spaces:
/// `{NAME: {"dtype": "F32", "shape": [d, …], "data_offsets": [begin, end]}, …,
/// "__metadata__": {KEY: VALUE, …}}`; then the data buffer, each tensor's values (C order,
/// little-endian) at `begin..<end` of it. Checked before anything is allocated: the header length
/// against the file and a 100 MB cap, every name given once, the dtype, offsets inside the
/// buffer with `end − begin` equal to the shape's product times the dtype's size, and the
/// tensors covering the buffer exactly, without overlaps or gaps (as the reference reader does).
public enum SafeTensors {
    /// The longest header accepted (the reference implementation's limit).
    public static let headerLimit = 100_000_000

    /// One tensor: its name, shape and values in C order.
    public struct Tensor<Scalar: LinalgScalar>: Sendable {
        public var name: String
        public var shape: [Int]
        public var values: [Scalar]

        public init(name: String, shape: [Int], values: [Scalar]) {
            precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    /// A file's tensors (in header order, values converted to `Scalar`) and its metadata.
    public struct Contents<Scalar: LinalgScalar>: Sendable {
        public var tensors: [Tensor<Scalar>]
        public var metadata: [String: String]

        /// The tensor called `name`, if the file has one.
        public func tensor(_ name: String) -> Tensor<Scalar>? { tensors.first { $0.name == name } }
    }

    /// Reads a safetensors file.
    public static func read<Scalar: LinalgScalar>(_ path: String, as: Scalar.Type = Scalar.self) throws -> Contents<Scalar> {
        try parse(Gzip.readBytes(path), path: path)
    }

    /// A tensor's header entry: where its bytes lie in the data buffer.
    private struct Entry { var name: String; var shape: [Int]; var itemSize: Int; var begin: Int; var end: Int }

    /// Parses the bytes of a safetensors file; `path` names it in errors.
    public static func parse<Scalar: LinalgScalar>(_ bytes: [UInt8], path: String) throws -> Contents<Scalar> {
        func fail(_ message: String) -> MinimaError { .invalidFile(path: path, message: message) }
        guard bytes.count >= 8 else {
            throw fail("truncated: a safetensors file starts with an 8-byte header length, the file has \(bytes.count) bytes")
        }
        var declared: UInt64 = 0
        for i in 0..<8 { declared |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard declared <= UInt64(headerLimit) else {
            throw fail("the header length \(declared) is more than the \(headerLimit) bytes a safetensors header may have (not a safetensors file, or corrupt)")
        }
        let headerLength = Int(declared)
        guard headerLength <= bytes.count - 8 else {
            throw fail("truncated: the header length says \(headerLength) bytes, the file has \(bytes.count - 8) after it")
        }
        let headerBytes = bytes[8..<(8 + headerLength)]
        guard headerBytes.first == UInt8(ascii: "{") else { throw fail("the header is not a JSON object (it must start with '{')") }
        let header: HeaderJSON
        do {
            header = try HeaderJSON.parse(headerBytes, depth: 3)
        } catch {
            throw fail("the header is not valid JSON: \(error.message) (at byte \(error.offset) of the header)")
        }
        guard case .object(let members) = header else { throw fail("the header is not a JSON object") }
        let dataStart = 8 + headerLength
        let bufferSize = bytes.count - dataStart

        var entries: [Entry] = []
        var metadata: [String: String] = [:]
        for (name, value) in members {
            if name == "__metadata__" {
                guard case .object(let pairs) = value else { throw fail("__metadata__ must be an object of strings, found \(value.kind)") }
                for (key, v) in pairs {
                    guard case .string(let text) = v else { throw fail("__metadata__ entry \(key) must be a string, found \(v.kind)") }
                    metadata[key] = text
                }
                continue
            }
            func refuse(_ message: String) -> MinimaError { fail("tensor \(name): \(message)") }
            guard case .object(let fields) = value else { throw refuse("expected an object with dtype, shape and data_offsets, found \(value.kind)") }
            var dtype: HeaderJSON? = nil, shapeValue: HeaderJSON? = nil, offsets: HeaderJSON? = nil
            for (key, v) in fields {
                switch key {
                case "dtype": dtype = v
                case "shape": shapeValue = v
                case "data_offsets": offsets = v
                default: throw refuse("unknown field \(key) (expected dtype, shape and data_offsets)")
                }
            }
            guard let dtype, let shapeValue, let offsets else {
                let missing = [("dtype", dtype), ("shape", shapeValue), ("data_offsets", offsets)].filter { $0.1 == nil }.map(\.0)
                throw refuse("no \(missing.joined(separator: " or ")) field")
            }
            guard case .string(let dtypeName) = dtype else { throw refuse("dtype must be a string, found \(dtype.kind)") }
            let itemSize: Int
            switch dtypeName {
            case "F32": itemSize = 4
            case "F64": itemSize = 8
            default: throw refuse("dtype \(dtypeName) is not supported (Minima reads F32 and F64; convert with .float() or .double() before saving)")
            }
            guard case .array(let dims) = shapeValue, dims.allSatisfy({ $0.nonNegativeInteger != nil }) else {
                throw refuse("shape must be an array of sizes (non-negative integers)")
            }
            let shape = dims.map { $0.nonNegativeInteger! }
            guard case .array(let pair) = offsets, pair.count == 2, let begin = pair[0].nonNegativeInteger, let end = pair[1].nonNegativeInteger else {
                throw refuse("data_offsets must be [begin, end], two non-negative integers")
            }
            guard begin <= end, end <= bufferSize else {
                throw refuse("data_offsets [\(begin), \(end)] lie outside the \(bufferSize)-byte data buffer")
            }
            guard let count = MemoryBudget.product(shape), let needed = MemoryBudget.product(count, itemSize) else {
                throw refuse("shape \(shape) holds more values than a 64-bit size can count")
            }
            guard needed == end - begin else {
                throw refuse("shape \(shape) of \(dtypeName) needs \(needed) bytes, data_offsets [\(begin), \(end)] hold \(end - begin)")
            }
            entries.append(Entry(name: name, shape: shape, itemSize: itemSize, begin: begin, end: end))
        }
        // The tensors must cover the buffer exactly: no overlaps, no gaps, nothing after them.
        var cursor = 0
        var previous: String? = nil
        for e in entries.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            if e.begin < cursor {
                throw fail("tensors \(previous!) and \(e.name) overlap (bytes \(e.begin)..<\(min(cursor, e.end)) of the data buffer)")
            }
            if e.begin > cursor { throw fail("bytes \(cursor)..<\(e.begin) of the data buffer belong to no tensor") }
            cursor = e.end
            previous = e.name
        }
        guard cursor == bufferSize else {
            throw fail("\(bufferSize - cursor) bytes after the tensors' data belong to no tensor (the data buffer has \(bufferSize))")
        }
        let total = entries.reduce(0) { $0 + ($1.end - $1.begin) / $1.itemSize }
        try MemoryBudget.check(elements: total, of: MemoryLayout<Scalar>.size, what: "\(path): \(total) tensor values")
        let tensors = entries.map { e in
            Tensor<Scalar>(name: e.name, shape: e.shape,
                           values: FloatBytes.decode(bytes, offset: dataStart + e.begin, count: (e.end - e.begin) / e.itemSize, itemSize: e.itemSize))
        }
        return Contents(tensors: tensors, metadata: metadata)
    }

    /// The bytes of a safetensors file holding `tensors` (in that order, in `Scalar`'s dtype)
    /// and `metadata`; the header is padded with spaces so the data starts on an 8-byte boundary.
    public static func encode<Scalar: LinalgScalar>(_ tensors: [Tensor<Scalar>], metadata: [String: String] = [:]) -> [UInt8] {
        let dtype = MemoryLayout<Scalar>.size == 4 ? "F32" : "F64"
        var parts: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { HeaderJSON.quoted($0) + ":" + HeaderJSON.quoted(metadata[$0]!) }
            parts.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for t in tensors {
            let size = t.values.count * MemoryLayout<Scalar>.size
            parts.append(HeaderJSON.quoted(t.name) + ":{\"dtype\":\"\(dtype)\",\"shape\":[" + t.shape.map(String.init).joined(separator: ",")
                         + "],\"data_offsets\":[\(offset),\(offset + size)]}")
            offset += size
        }
        var header = Array(("{" + parts.joined(separator: ",") + "}").utf8)
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
        var out: [UInt8] = []
        out.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out += header
        for t in tensors { out += FloatBytes.encode(t.values) }
        return out
    }

    /// Writes `tensors` to `path` atomically (temporary file, then rename).
    public static func write<Scalar: LinalgScalar>(_ tensors: [Tensor<Scalar>], metadata: [String: String] = [:], to path: String) throws {
        try AtomicFile.write(Data(encode(tensors, metadata: metadata)), to: path)
    }
}
