import MinimaCore
/// A reader of tar archives (POSIX ustar, with GNU long names and pax `path` records), enough
/// to read `cifar-10-binary.tar.gz` and archived image folders without unpacking them.
///
/// Format: 512-byte header blocks, each followed by the entry's data padded to a multiple of
/// 512; the archive ends with two zero blocks. Header fields used: name (0, 100 bytes), size
/// (124, 12 bytes octal or base-256), checksum (148, 8 bytes), type (156), magic (257),
/// prefix (345, 155 bytes).
///
/// Every entry is read once: an absolute name or one with a `..` component (a path that
/// leaves the archive's root) is refused, and so is a regular file whose name (without `.`
/// components and repeated slashes) appears twice.
public struct Tar: Sendable {
    /// One regular file of the archive: its path and where its bytes lie in the archive.
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var offset: Int
        public var size: Int
    }

    /// The archive's bytes (already decompressed).
    public let bytes: [UInt8]
    /// Its regular files in archive order.
    public let entries: [Entry]

    /// Parses the archive; `path` names it in errors.
    public init(_ bytes: [UInt8], path: String) throws {
        func fail(_ message: String) -> MinimaError { .invalidFile(path: path, message: message) }
        var entries: [Entry] = []
        var position = 0
        var longName: String? = nil
        var seen: Set<String> = []
        while true {
            guard position + 512 <= bytes.count else {
                if position == bytes.count && !entries.isEmpty { break }  // no end blocks: accepted, like GNU tar
                throw fail("truncated tar archive: header at offset \(position) is incomplete")
            }
            let header = bytes[position..<(position + 512)]
            if header.allSatisfy({ $0 == 0 }) { break }  // end of archive
            let stored = Tar.octal(bytes, position + 148, 8)
            var sum = 0
            for i in 0..<512 { sum += (i >= 148 && i < 156) ? 32 : Int(bytes[position + i]) }
            guard let stored, stored == sum else {
                throw fail("not a tar archive, or corrupt: the header checksum at offset \(position) does not match")
            }
            guard let size = Tar.size(bytes, position + 124) else {
                throw fail("corrupt tar header at offset \(position): the size field is not a number")
            }
            let dataStart = position + 512
            guard size <= bytes.count - dataStart else {
                throw fail("truncated tar archive: entry at offset \(position) declares \(size) bytes, \(bytes.count - dataStart) remain")
            }
            let type = bytes[position + 156]
            var name = Tar.string(bytes, position, 100)
            let isUstar = Tar.string(bytes, position + 257, 5) == "ustar"
            if isUstar {
                let prefix = Tar.string(bytes, position + 345, 155)
                if !prefix.isEmpty { name = prefix + "/" + name }
            }
            let entryName = longName ?? name
            if type != UInt8(ascii: "L") && type != UInt8(ascii: "x") && type != UInt8(ascii: "g") {
                guard !entryName.hasPrefix("/"), !entryName.split(separator: "/").contains("..") else {
                    throw fail("entry \(entryName) leaves the archive's root (an absolute path or a '..' component)")
                }
            }
            switch type {
            case UInt8(ascii: "L"):  // GNU long name for the next entry
                longName = Tar.string(bytes, dataStart, size)
            case UInt8(ascii: "x"):  // pax extended header: take its path record
                longName = Tar.paxPath(bytes[dataStart..<(dataStart + size)]) ?? longName
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"):
                guard seen.insert(Tar.normalized(entryName)).inserted else {
                    throw fail("entry \(entryName) appears twice in the archive (each file must be stored once)")
                }
                entries.append(Entry(name: entryName, offset: dataStart, size: size))
                longName = nil
            default:
                longName = nil  // folders, links and others carry no data we read
            }
            let padded = (size + 511) / 512 * 512
            position = dataStart + padded
            if position > bytes.count { position = bytes.count }
        }
        self.bytes = bytes
        self.entries = entries
    }

    /// The bytes of one entry.
    public func contents(_ entry: Entry) -> [UInt8] { Array(bytes[entry.offset..<(entry.offset + entry.size)]) }

    /// Reads a `.tar` or `.tar.gz` file.
    public static func read(_ path: String) throws -> Tar { try Tar(Gzip.readFile(path), path: path) }

    /// A name without `.` components and empty ones (`./a//b` is `a/b`).
    static func normalized(_ name: String) -> String {
        name.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }

    /// An octal field (NUL- or space-terminated); nil if malformed.
    static func octal(_ b: [UInt8], _ start: Int, _ length: Int) -> Int? {
        var value = 0
        var seen = false
        for i in start..<(start + length) {
            let c = b[i]
            if c == 0 || c == 32 { if seen { break } else { continue } }
            guard c >= 48 && c <= 55 else { return nil }
            value = value * 8 + Int(c - 48)
            guard value < 1 << 40 else { return nil }
            seen = true
        }
        return seen ? value : nil
    }

    /// The size field: octal, or GNU base-256 when the high bit of its first byte is set.
    package static func size(_ b: [UInt8], _ start: Int) -> Int? {
        guard b[start] & 0x80 != 0 else { return octal(b, start, 12) }
        var value = 0
        for i in (start + 1)..<(start + 12) {
            guard value < 1 << 40 else { return nil }
            value = value << 8 | Int(b[i])
        }
        return value
    }

    /// A NUL-terminated text field.
    package static func string(_ b: [UInt8], _ start: Int, _ length: Int) -> String {
        let field = b[start..<(start + length)]
        let end = field.firstIndex(of: 0) ?? field.endIndex
        return String(decoding: field[start..<end], as: UTF8.self)
    }

    /// The `path` record of a pax header ("LEN path=VALUE\n" records).
    static func paxPath(_ data: ArraySlice<UInt8>) -> String? {
        let text = String(decoding: data, as: UTF8.self)
        for line in text.split(separator: "\n") {
            guard let space = line.firstIndex(of: " ") else { continue }
            let record = line[line.index(after: space)...]
            if record.hasPrefix("path=") { return String(record.dropFirst(5)) }
        }
        return nil
    }

    /// A ustar archive holding `files` (name, contents), for tests.
    public static func encode(_ files: [(name: String, contents: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        func zeroPadded(_ s: String, _ width: Int) -> String { String(repeating: "0", count: max(0, width - s.count)) + s }
        for (name, contents) in files {
            var header = [UInt8](repeating: 0, count: 512)
            func put(_ text: String, _ at: Int) { for (i, c) in text.utf8.enumerated() { header[at + i] = c } }
            put(name, 0)
            put("0000644", 100); put("0000000", 108); put("0000000", 116)
            put(zeroPadded(String(contents.count, radix: 8), 11), 124)
            put("00000000000", 136)
            header[156] = UInt8(ascii: "0")
            put("ustar", 257); put("00", 263)
            for i in 148..<156 { header[i] = 32 }
            let sum = header.reduce(0) { $0 + Int($1) }
            put(zeroPadded(String(sum, radix: 8), 6), 148)
            header[154] = 0
            out += header + contents + [UInt8](repeating: 0, count: (512 - contents.count % 512) % 512)
        }
        return out + [UInt8](repeating: 0, count: 1024)
    }
}
