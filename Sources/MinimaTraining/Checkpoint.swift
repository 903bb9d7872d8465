#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Linalg
import MinimaCore
import MinimaData
import MinimaModel

/// What a checkpoint says about the run it belongs to and where the trainer stood, apart from
/// the large arrays (the JSON part of a checkpoint file).
public struct CheckpointHeader: Codable, Equatable, Sendable {
    public static let formatName = "minima-checkpoint"
    public static let currentVersion = 1

    public var format = CheckpointHeader.formatName
    public var version = CheckpointHeader.currentVersion
    /// Bytes per scalar: 4 (Float32) or 8 (Float64).
    public var scalarBytes: Int
    /// Every value that decides the run (`Checkpoint.fingerprint(of:)`), compared field by
    /// field before resuming.
    public var fingerprint: [String: String]
    /// The epoch to run next (1-based) and the position in its sample order where its next batch
    /// starts (0: the epoch has not started, its order is not drawn yet).
    public var epoch: Int
    public var batchStart: Int
    /// Sum of the batch losses of the epoch so far.
    public var epochSSE: Double
    /// The optimizer's step count (Adam's t).
    public var optimizerSteps: Int
    /// The batch-order generator (`SeededGenerator.state`).
    public var generator: [UInt64]
    public var curve: [CurvePoint]
    /// Training seconds of each finished epoch (for the median epoch time).
    public var epochSeconds: [Double]
    /// Wall seconds of training before this checkpoint.
    public var elapsed: Double
    /// Bookkeeping of the trainer's finishing step between tries (its JSON), if it has one.
    public var finisher: String?
    /// Values a caller stores with the run (e.g. which stage of a recipe is running).
    public var context: [String: Double] = [:]
    /// Lengths of the arrays that follow the header, and FNV-1a (64 bit) of their bytes.
    public var parameterCount: Int
    public var firstMomentCount: Int
    public var secondMomentCount: Int
    public var orderCount: Int
    public var checksum: String

    /// A header; the array lengths and the checksum are filled in when the checkpoint is encoded.
    public init(scalarBytes: Int, fingerprint: [String: String], epoch: Int, batchStart: Int, epochSSE: Double,
                optimizerSteps: Int, generator: [UInt64], curve: [CurvePoint], epochSeconds: [Double], elapsed: Double,
                finisher: String?, context: [String: Double] = [:], parameterCount: Int = 0, firstMomentCount: Int = 0,
                secondMomentCount: Int = 0, orderCount: Int = 0, checksum: String = "") {
        self.scalarBytes = scalarBytes; self.fingerprint = fingerprint; self.epoch = epoch; self.batchStart = batchStart
        self.epochSSE = epochSSE; self.optimizerSteps = optimizerSteps; self.generator = generator; self.curve = curve
        self.epochSeconds = epochSeconds; self.elapsed = elapsed; self.finisher = finisher; self.context = context
        self.parameterCount = parameterCount; self.firstMomentCount = firstMomentCount
        self.secondMomentCount = secondMomentCount; self.orderCount = orderCount; self.checksum = checksum
    }
}

extension CheckpointHeader {
    /// The header of the checkpoint file at `path`, or nil if it cannot be read (for status
    /// displays; `Checkpoint.read` checks the whole file).
    public static func read(_ path: String) -> CheckpointHeader? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let start = try? handle.read(upToCount: 16), start.count == 16 else { return nil }
        let length = start[8..<16].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard length < 1 << 30, let json = try? handle.read(upToCount: Int(length)) else { return nil }
        return try? parse([UInt8](start + json), path: path).header
    }

    /// Parses the signature, length and JSON header at the start of `bytes`; returns the header
    /// and the offset where the arrays begin.
    static func parse(_ bytes: [UInt8], path: String) throws -> (header: CheckpointHeader, end: Int) {
        func fail(_ message: String) -> MinimaError { .invalidFile(path: path, message: "not a Minima checkpoint (\(message))") }
        guard bytes.count >= 16, Array(bytes[0..<8]) == Array("MINIMACK".utf8) else { throw fail("no MINIMACK signature") }
        let length = bytes[8..<16].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard length <= UInt64(bytes.count - 16) else { throw fail("header length \(length) exceeds the file") }
        let end = 16 + Int(length)
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let header: CheckpointHeader
        do { header = try decoder.decode(CheckpointHeader.self, from: Data(bytes[16..<end])) } catch { throw fail("header: \(error)") }
        guard header.format == formatName, header.version == currentVersion else {
            throw fail("format \(header.format) version \(header.version); this Minima reads version \(currentVersion)")
        }
        return (header, end)
    }
}

/// A training run's checkpoint: the header, the parameters θ, the optimizer's moment buffers
/// (SGD's momentum b, Adam's m and v) and the current sample order.
///
/// One file, written atomically (`AtomicFile`: a temporary file in the same folder renamed into
/// place): `MINIMACK`, the header's length (8 bytes, little-endian), the header (JSON), then the
/// arrays in little-endian binary: θ, first moment, second moment (as scalars) and the order (as
/// Int64).
public struct Checkpoint<Scalar: LinalgScalar> {
    public var header: CheckpointHeader
    public var parameters: [Scalar]
    public var firstMoment: [Scalar]
    public var secondMoment: [Scalar]
    public var order: [Int]

    static var magic: [UInt8] { Array("MINIMACK".utf8) }

    public init(header: CheckpointHeader, parameters: [Scalar], firstMoment: [Scalar], secondMoment: [Scalar], order: [Int]) {
        self.header = header
        self.parameters = parameters
        self.firstMoment = firstMoment
        self.secondMoment = secondMoment
        self.order = order
    }

    /// The file's bytes.
    public func encoded() throws -> Data {
        var body = Data()
        body.reserveCapacity((parameters.count + firstMoment.count + secondMoment.count) * MemoryLayout<Scalar>.size + order.count * 8)
        for array in [parameters, firstMoment, secondMoment] { array.withUnsafeBytes { body.append(contentsOf: $0) } }
        order.map { Int64($0).littleEndian }.withUnsafeBytes { body.append(contentsOf: $0) }
        var header = self.header
        header.scalarBytes = MemoryLayout<Scalar>.size
        header.parameterCount = parameters.count
        header.firstMomentCount = firstMoment.count
        header.secondMomentCount = secondMoment.count
        header.orderCount = order.count
        header.checksum = Checkpoint.checksum(body)
        let json = try RecordJSON.encode(header)
        var data = Data(Checkpoint.magic)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        data.append(body)
        return data
    }

    /// Writes the checkpoint atomically.
    public func write(to path: String) throws { try AtomicFile.write(encoded(), to: path) }

    /// Reads a checkpoint written by `write(to:)`; every length and the checksum are checked
    /// before anything is used.
    public static func read(_ path: String) throws -> Checkpoint {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MinimaError.invalidFile(path: path, message: FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such checkpoint")
        }
        func fail(_ message: String) -> MinimaError { .invalidFile(path: path, message: "not a Minima checkpoint (\(message))") }
        let bytes = [UInt8](data)
        let (header, headerEnd) = try CheckpointHeader.parse(bytes, path: path)
        guard header.scalarBytes == MemoryLayout<Scalar>.size else {
            throw MinimaError.invalidFile(path: path, message: "holds \(header.scalarBytes == 4 ? "float32" : "float64") weights; this run is \(MemoryLayout<Scalar>.size == 4 ? "float32" : "float64") (field precision differs)")
        }
        let counts = [header.parameterCount, header.firstMomentCount, header.secondMomentCount, header.orderCount]
        guard counts.allSatisfy({ $0 >= 0 }) else { throw fail("negative array length") }
        let scalars = counts[0...2].reduce(0) { $0 &+ $1 }
        let (bodyBytes, overflow) = scalars.multipliedReportingOverflow(by: MemoryLayout<Scalar>.size)
        let (orderBytes, overflow2) = counts[3].multipliedReportingOverflow(by: 8)
        guard !overflow, !overflow2, bodyBytes &+ orderBytes == bytes.count - headerEnd else {
            throw fail("the arrays the header declares do not match the file's \(bytes.count - headerEnd) bytes after the header")
        }
        let body = Data(bytes[headerEnd...])
        guard checksum(body) == header.checksum else { throw fail("checksum mismatch: the file is damaged") }
        var offset = 0
        func take(_ count: Int) -> [Scalar] {
            let array = body.withUnsafeBytes { raw in
                [Scalar](unsafeUninitializedCapacity: count) { buffer, initialized in
                    _ = memcpy(buffer.baseAddress!, raw.baseAddress! + offset, count * MemoryLayout<Scalar>.size)
                    initialized = count
                }
            }
            offset += count * MemoryLayout<Scalar>.size
            return array
        }
        let p = take(counts[0]), m = take(counts[1]), v = take(counts[2])
        let order: [Int] = body.withUnsafeBytes { raw in
            (0..<counts[3]).map { Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8 * $0, as: Int64.self))) }
        }
        return Checkpoint(header: header, parameters: p, firstMoment: m, secondMoment: v, order: order)
    }

    /// FNV-1a (64 bit) of `data`, as 16 hex digits.
    static func checksum(_ data: Data) -> String {
        var h = FNV1a()
        h.combine(data)
        return h.hex
    }
}

/// Comparing a checkpoint with the run that wants to continue from it.
public enum CheckpointFingerprint {
    /// The flattened JSON of `value` (sorted keys): one entry per leaf, keyed by its path
    /// (`training.learningRate`, `network.hidden`), the value as compact JSON.
    public static func of<T: Encodable>(_ value: T) -> [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let data = try? encoder.encode(value), let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return [:] }
        var out: [String: String] = [:]
        func walk(_ value: Any, _ path: String) {
            if let dict = value as? [String: Any], !dict.isEmpty {
                for (k, v) in dict { walk(v, path.isEmpty ? k : path + "." + k) }
            } else if let leaf = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]) {
                out[path] = String(decoding: leaf, as: UTF8.self)
            }
        }
        walk(object, "")
        return out
    }

    /// Throws, naming the first field whose value differs, if `saved` and `current` describe
    /// different runs. The run's own settings (`run.…`, as the command gave them) are compared
    /// before what the trainer derives from them (data checksum, network shape).
    public static func check(_ saved: [String: String], against current: [String: String], checkpoint path: String) throws {
        let keys = Set(saved.keys).union(current.keys).sorted { ($0.hasPrefix("run.") ? 0 : 1, $0) < ($1.hasPrefix("run.") ? 0 : 1, $1) }
        for key in keys where saved[key] != current[key] {
            throw MinimaError.invalidFile(path: path, message:
                "belongs to another run: field \(key) differs (checkpoint \(saved[key] ?? "unset"), this run \(current[key] ?? "unset"))")
        }
    }

    /// A quick content hash of the training data (FNV-1a over 64-bit words of X's and y's bits,
    /// with N and d0), so that a checkpoint is not resumed on other data under the same name.
    public static func data<Scalar: LinalgScalar>(x: [Scalar], y: [Scalar], n: Int, d0: Int) -> String {
        var h = FNV1a(value: FNV1a.offsetBasis ^ UInt64(n) &* 31 ^ UInt64(d0))
        for array in [x, y] { array.withUnsafeBytes { h.combineWords($0) } }
        return h.hex
    }
}
