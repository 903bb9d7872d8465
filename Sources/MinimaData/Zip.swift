import CZlib
import MinimaCore

/// A reader of zip archives, enough for numpy's `.npz` files (`savez` stores its members,
/// `savez_compressed` deflates them): the central directory is read from the end of the
/// archive, and a member's bytes are found through its local header.
///
/// Format (PKWARE APPNOTE): local headers (signature `PK\3\4`) each followed by a member's data,
/// then the central directory (one `PK\1\2` record per member: method, CRC-32, sizes, name,
/// offset of the local header) and the end record (`PK\5\6`: member count, directory size and
/// offset, comment). Zip64 size fields inside a member's record (numpy writes them for members
/// of 4 GiB and more) are read; a Zip64 end record (archives of 65,535 members or with a
/// directory past 4 GiB), split archives, encryption and methods other than stored (0) and
/// deflate (8) are refused. Every size is checked against the archive before it is used, a
/// member name may appear once, a stored member's sizes must agree, a deflated member must
/// inflate to exactly its declared size (checked while inflating, against memory first), and
/// every member's CRC-32 is checked.
public struct Zip: Sendable {
    /// One member: its name, how it is stored, and where its data lies in the archive.
    public struct Entry: Sendable, Equatable {
        public var name: String
        /// 0: stored, 8: deflate.
        public var method: Int
        public var crc32: UInt32
        public var compressedSize: Int
        public var size: Int
        public var dataOffset: Int
    }

    /// The archive's bytes.
    public let bytes: [UInt8]
    /// Its members in directory order.
    public let entries: [Entry]
    /// The archive's name in errors.
    public let path: String

    /// Reads a zip file.
    public static func read(_ path: String) throws -> Zip { try Zip(Gzip.readBytes(path), path: path) }

    /// Parses the archive's directory; `path` names it in errors.
    public init(_ bytes: [UInt8], path: String) throws {
        func fail(_ message: String) -> MinimaError { .invalidFile(path: path, message: message) }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        func u64(_ at: Int) -> UInt64 { UInt64(u32(at)) | UInt64(u32(at + 4)) << 32 }
        // The end record: 22 bytes and a comment of up to 65,535 bytes at the very end.
        var end: Int? = nil
        if bytes.count >= 22 {
            var at = bytes.count - 22
            let lowest = max(0, bytes.count - 22 - 0xFFFF)
            while at >= lowest {
                if bytes[at] == 0x50, bytes[at + 1] == 0x4B, bytes[at + 2] == 5, bytes[at + 3] == 6, at + 22 + u16(at + 20) == bytes.count {
                    end = at
                    break
                }
                at -= 1
            }
        }
        guard let end else { throw fail("not a zip archive (no end-of-directory record at its end; an .npz file is a zip archive)") }
        if end >= 20, bytes[end - 20] == 0x50, bytes[end - 19] == 0x4B, bytes[end - 18] == 6, bytes[end - 17] == 7 {
            throw fail("Zip64 archives (65,535 members or more, or over 4 GiB) are not supported")
        }
        guard u16(end + 4) == 0, u16(end + 6) == 0, u16(end + 8) == u16(end + 10) else {
            throw fail("split (multi-disk) zip archives are not supported")
        }
        let count = u16(end + 10), directorySize = u32(end + 12), directoryOffset = u32(end + 16)
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            throw fail("Zip64 archives (65,535 members or more, or over 4 GiB) are not supported")
        }
        guard directoryOffset <= end, directorySize <= end - directoryOffset else {
            throw fail("corrupt zip archive: the directory (\(directorySize) bytes at offset \(directoryOffset)) does not lie before the end record at \(end)")
        }
        var entries: [Entry] = []
        var seen: Set<String> = []
        var at = directoryOffset
        let directoryEnd = directoryOffset + directorySize
        for k in 0..<count {
            guard directoryEnd - at >= 46, u32(at) == 0x0201_4B50 else {
                throw fail("corrupt zip archive: directory record \(k) of \(count) at offset \(at) is missing or truncated")
            }
            let flags = u16(at + 8), method = u16(at + 10)
            let crc = UInt32(u32(at + 16))
            var compressed = u32(at + 20), size = u32(at + 24)
            let nameLength = u16(at + 28), extraLength = u16(at + 30), commentLength = u16(at + 32)
            var localOffset = u32(at + 42)
            let recordLength = 46 + nameLength + extraLength + commentLength
            guard directoryEnd - at >= recordLength else {
                throw fail("corrupt zip archive: directory record \(k) at offset \(at) runs past the directory")
            }
            guard let name = String(validating: bytes[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self) else {
                throw fail("member \(k): the name is not UTF-8")
            }
            // A Zip64 extra field (id 1) holds, in this order, the sizes and offset stored as 0xFFFFFFFF.
            var e = at + 46 + nameLength
            let extraEnd = e + extraLength
            while extraEnd - e >= 4 {
                let id = u16(e), length = u16(e + 2)
                guard extraEnd - e - 4 >= length else { throw fail("member \(name): corrupt extra field in its directory record") }
                if id == 1 {
                    var field = e + 4
                    func next() throws -> Int {
                        guard e + 4 + length - field >= 8 else { throw fail("member \(name): its Zip64 extra field is too short") }
                        let v = u64(field)
                        field += 8
                        guard v <= UInt64(Int.max) else { throw fail("member \(name): a Zip64 size is larger than a 64-bit size can count") }
                        return Int(v)
                    }
                    if size == 0xFFFF_FFFF { size = try next() }
                    if compressed == 0xFFFF_FFFF { compressed = try next() }
                    if localOffset == 0xFFFF_FFFF { localOffset = try next() }
                }
                e += 4 + length
            }
            guard flags & 1 == 0 else { throw fail("member \(name) is encrypted") }
            guard method == 0 || method == 8 else {
                throw fail("member \(name): compression method \(method) is not supported (stored or deflate, as numpy's savez and savez_compressed write)")
            }
            guard method == 8 || compressed == size else {
                throw fail("member \(name) is stored uncompressed but its sizes differ (\(compressed) stored, \(size) declared)")
            }
            guard localOffset <= directoryOffset, directoryOffset - localOffset >= 30, u32(localOffset) == 0x0403_4B50 else {
                throw fail("corrupt zip archive: member \(name) has no local header at offset \(localOffset)")
            }
            let localName = u16(localOffset + 26), localExtra = u16(localOffset + 28)
            let dataOffset = localOffset + 30 + localName + localExtra
            guard dataOffset <= directoryOffset, directoryOffset - dataOffset >= compressed else {
                throw fail("corrupt zip archive: member \(name)'s \(compressed) bytes at offset \(dataOffset) run into the directory")
            }
            guard localName == nameLength, bytes[(localOffset + 30)..<(localOffset + 30 + localName)].elementsEqual(bytes[(at + 46)..<(at + 46 + nameLength)]) else {
                throw fail("corrupt zip archive: member \(name)'s local header names another file")
            }
            guard seen.insert(name).inserted else { throw fail("member \(name) appears twice in the archive (each file must be stored once)") }
            entries.append(Entry(name: name, method: method, crc32: crc, compressedSize: compressed, size: size, dataOffset: dataOffset))
            at += recordLength
        }
        self.bytes = bytes
        self.entries = entries
        self.path = path
    }

    /// The member called `name`, if the archive has one.
    public func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }

    /// The bytes of one member, inflated if deflated; its size (against memory, and against
    /// deflate's 1032:1 maximum ratio) and its CRC-32 are checked.
    public func contents(_ entry: Entry) throws -> [UInt8] {
        func fail(_ message: String) -> MinimaError { .invalidFile(path: path, message: "member \(entry.name): \(message)") }
        let data = bytes[entry.dataOffset..<(entry.dataOffset + entry.compressedSize)]
        let out: [UInt8]
        if entry.method == 0 {
            out = Array(data)
        } else {
            try MemoryBudget.check(bytes: entry.size, what: "\(path): member \(entry.name) (uncompressed)")
            guard entry.size <= (MemoryBudget.product(max(entry.compressedSize, 1), 1032) ?? Int.max) else {
                throw fail("declares \(entry.size) bytes, more than deflate can make of \(entry.compressedSize) (corrupt, or a decompression bomb)")
            }
            out = try Zip.inflateRaw(data, size: entry.size, fail: fail)
        }
        let crc = out.withUnsafeBytes { Gzip.crc32($0) }
        guard crc == entry.crc32 else { throw fail("CRC-32 mismatch (the data is corrupt)") }
        return out
    }

    /// Raw deflate data (no zlib or gzip wrapper) inflated to exactly `size` bytes: inflating
    /// stops as soon as the output would pass `size`.
    static func inflateRaw(_ data: ArraySlice<UInt8>, size: Int, fail: (String) -> MinimaError) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw fail("zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        // One byte more than declared, so that output past the declared size is seen.
        var output = [UInt8](repeating: 0, count: size + 1)
        try data.withUnsafeBufferPointer { input in
            try output.withUnsafeMutableBufferPointer { out in
                var status: Int32 = Z_OK
                while status != Z_STREAM_END {
                    if stream.avail_in == 0 {
                        let next = Int(stream.total_in)
                        guard next < input.count else { throw fail("truncated deflate data (it stops after \(stream.total_out) bytes)") }
                        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + next)
                        stream.avail_in = UInt32(clamping: input.count - next)
                    }
                    if stream.avail_out == 0 {
                        let produced = Int(stream.total_out)
                        stream.next_out = out.baseAddress! + produced
                        stream.avail_out = UInt32(clamping: out.count - produced)
                    }
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    guard Int(stream.total_out) <= size else {
                        throw fail("inflates past the \(size) bytes its directory record declares (corrupt, or a decompression bomb)")
                    }
                    switch status {
                    case Z_OK, Z_STREAM_END: break
                    case Z_BUF_ERROR where stream.avail_in == 0: break
                    default:
                        let reason = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                        throw fail("corrupt deflate data (\(reason)) after \(stream.total_out) bytes")
                    }
                }
            }
        }
        guard Int(stream.total_out) == size else {
            throw fail("inflates to \(stream.total_out) bytes, its directory record declares \(size)")
        }
        guard Int(stream.total_in) == data.count else {
            throw fail("\(data.count - Int(stream.total_in)) bytes after the end of its deflate data")
        }
        output.removeLast()
        return output
    }

    /// A zip archive holding `files` (name, contents), stored or deflated, for tests.
    public static func encode(_ files: [(name: String, contents: [UInt8])], deflate: Bool = false) -> [UInt8] {
        var out: [UInt8] = [], directory: [UInt8] = []
        func u16(_ v: Int, _ into: inout [UInt8]) { into += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: Int, _ into: inout [UInt8]) { u16(v & 0xFFFF, &into); u16(v >> 16 & 0xFFFF, &into) }
        for (name, contents) in files {
            let data = deflate ? Gzip.compress(contents, raw: true) : contents
            let crc = Int(contents.withUnsafeBytes { Gzip.crc32($0) })
            let nameBytes = Array(name.utf8)
            let offset = out.count
            // Local header: signature, version 20, flags 0, method, time, date, CRC, sizes, name and extra lengths.
            u32(0x0403_4B50, &out); u16(20, &out); u16(0, &out); u16(deflate ? 8 : 0, &out); u16(0, &out); u16(0x21, &out)
            u32(crc, &out); u32(data.count, &out); u32(contents.count, &out); u16(nameBytes.count, &out); u16(0, &out)
            out += nameBytes + data
            u32(0x0201_4B50, &directory); u16(20, &directory); u16(20, &directory); u16(0, &directory); u16(deflate ? 8 : 0, &directory)
            u16(0, &directory); u16(0x21, &directory); u32(crc, &directory); u32(data.count, &directory); u32(contents.count, &directory)
            u16(nameBytes.count, &directory); u16(0, &directory); u16(0, &directory); u16(0, &directory); u16(0, &directory)
            u32(0, &directory); u32(offset, &directory)
            directory += nameBytes
        }
        let directoryOffset = out.count
        out += directory
        u32(0x0605_4B50, &out); u16(0, &out); u16(0, &out); u16(files.count, &out); u16(files.count, &out)
        u32(directory.count, &out); u32(directoryOffset, &out); u16(0, &out)
        return out
    }
}
