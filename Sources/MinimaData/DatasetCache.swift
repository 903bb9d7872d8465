import Foundation
import Linalg
import MinimaCore

/// A folder of preprocessed data sets, so that a sweep reads and whitens CIFAR-10 once rather
/// than once per run.
///
/// An entry is named by a 64-bit FNV-1a hash of its key: the data spec (without its cache
/// fields, and without its seed when nothing uses it; with the seed, the ids of the random
/// streams it draws from, `RandomStream`), the scalar type, and the path, size and CRC-32 of the
/// contents of every source file. The file holds a header (magic `MINIMA-DATA-CACHE 3`, the full
/// key, the report of the build, N, d0, the payload length and its CRC-32), then X (N×d0) and y
/// (N) in the scalar's bytes. An entry whose magic, key, sizes or checksum do not match is stale
/// or corrupt: it is rebuilt and replaced (entries of format 1 were whitened in the training
/// precision, before ZCA ran in Float64).
///
/// Location: `--cache-dir`, else `$MINIMA_CACHE`, else `$XDG_CACHE_HOME/minima`, else
/// `~/.cache/minima`.
public struct DatasetCache: Sendable {
    public let folder: String
    package static let magic = "MINIMA-DATA-CACHE 3\n"

    public init(folder: String? = nil) {
        let env = ProcessInfo.processInfo.environment
        if let folder { self.folder = folder }
        else if let f = env["MINIMA_CACHE"], !f.isEmpty { self.folder = f }
        else if let x = env["XDG_CACHE_HOME"], !x.isEmpty { self.folder = x + "/minima" }
        else { self.folder = NSHomeDirectory() + "/.cache/minima" }
    }

    /// The key of a spec whose sources are `files`.
    public static func key<Scalar: LinalgScalar>(spec: DataSpec, files: [String], as: Scalar.Type) throws -> String {
        var s = spec
        s.cache = true
        s.cacheDirectory = nil
        // The seed only matters to --limit, random labels and --project; without them, runs that
        // differ only in their (weight) seed share one entry.
        let seeded = s.limit != nil || s.randomLabels || s.preprocessing.project != nil
        if !seeded { s.seed = 0 }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var key = String(decoding: try encoder.encode(s), as: UTF8.self) + "\n" + Scalar.npyDescriptor + "\n"
        // What the seed draws depends on the streams it draws from: entries made with other
        // stream ids are other data.
        if seeded {
            key += "streams " + [RandomStream.subset, .randomLabels, .projection].map { "\($0)=\($0.id())" }.joined(separator: " ") + "\n"
        }
        for file in files { key += "\(file)\t\(contentHash(file))\n" }
        return key
    }

    /// A file's size and the CRC-32 of its contents (zlib's, over the file mapped into memory:
    /// about 1.5 GB/s), or "unreadable". The contents, not the modification time, key an
    /// entry, so a file rewritten with the same size and time is still seen to change.
    static func contentHash(_ path: String) -> String {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe) else { return "unreadable" }
        let crc = data.withUnsafeBytes { Gzip.crc32($0) }
        return "\(data.count)\t" + String(crc, radix: 16)
    }

    /// FNV-1a, 64 bits: the entry's file name (collisions are caught by the stored key).
    package static func hash(_ text: String) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return String(h, radix: 16)
    }

    public func path(forKey key: String) -> String { folder + "/" + DatasetCache.hash(key) + ".mdc" }

    /// Why an entry could not be used.
    public enum Miss: Error, Equatable, Sendable { case absent, stale(String) }

    /// The entry for `key`, or why there is none.
    public func read<Scalar: LinalgScalar>(key: String, coding: LabelCoding, as: Scalar.Type) -> Result<(Dataset<Scalar>, DataReport), Miss> {
        let path = path(forKey: key)
        guard let data = FileManager.default.contents(atPath: path) else { return .failure(.absent) }
        return data.withUnsafeBytes { raw -> Result<(Dataset<Scalar>, DataReport), Miss> in
            var offset = 0
            func line() -> String? {
                guard let end = raw[offset...].firstIndex(of: 0x0A) else { return nil }
                defer { offset = end + 1 }
                return String(decoding: raw[offset..<end], as: UTF8.self)
            }
            func block(_ length: Int) -> UnsafeRawBufferPointer? {
                guard length >= 0, length <= raw.count - offset else { return nil }
                defer { offset += length }
                return UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + length)])
            }
            guard line().map({ $0 + "\n" }) == DatasetCache.magic else { return .failure(.stale("not a cache entry")) }
            guard let sizes = line()?.split(separator: " ").compactMap({ Int($0) }), sizes.count == 6 else {
                return .failure(.stale("header damaged"))
            }
            let (keyLength, reportLength, n, d, payload, crc) = (sizes[0], sizes[1], sizes[2], sizes[3], sizes[4], sizes[5])
            guard [keyLength, reportLength, payload].allSatisfy({ $0 >= 0 && $0 <= raw.count }),
                  raw.count - offset == keyLength + reportLength + payload else {
                return .failure(.stale("truncated or wrong size"))
            }
            guard let storedKey = block(keyLength), String(decoding: storedKey, as: UTF8.self) == key else {
                return .failure(.stale("the sources or options changed"))
            }
            guard let reportBytes = block(reportLength),
                  let report = try? JSONDecoder().decode(DataReport.self, from: Data(reportBytes)) else {
                return .failure(.stale("report damaged"))
            }
            let size = MemoryLayout<Scalar>.size
            guard n > 0, d > 0, n <= payload, d <= payload, payload == (n * d + n) * size, let body = block(payload), offset == raw.count else {
                return .failure(.stale("truncated or wrong size"))
            }
            guard Gzip.crc32(body) == UInt32(truncatingIfNeeded: crc) else { return .failure(.stale("checksum mismatch")) }
            var x = Matrix<Scalar>(rows: n, columns: d)
            var y = [Scalar](repeating: 0, count: n)
            x.elements.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: body[0..<(n * d * size)])) }
            y.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: body[(n * d * size)...])) }
            return .success((Dataset(x: x, y: y, coding: coding, name: report.name), report))
        }
    }

    /// Writes the entry for `key` atomically.
    public func write<Scalar: LinalgScalar>(_ data: Dataset<Scalar>, report: DataReport, key: String) throws {
        let payload = (data.n * data.d0 + data.n) * MemoryLayout<Scalar>.size
        let crc = data.y.withUnsafeBytes { y in
            Gzip.crc32(y, start: data.x.elements.withUnsafeBytes { Gzip.crc32($0) })
        }
        let reportData = try JSONEncoder().encode(report)
        let header = "\(key.utf8.count) \(reportData.count) \(data.n) \(data.d0) \(payload) \(crc)\n"
        var out = Data(capacity: 64 + header.utf8.count + key.utf8.count + reportData.count + payload)
        out.append(contentsOf: Array(DatasetCache.magic.utf8))
        out.append(contentsOf: Array(header.utf8))
        out.append(contentsOf: Array(key.utf8))
        out.append(reportData)
        data.x.elements.withUnsafeBytes { out.append(contentsOf: $0) }
        data.y.withUnsafeBytes { out.append(contentsOf: $0) }
        try AtomicFile.write(out, to: path(forKey: key))
    }
}
