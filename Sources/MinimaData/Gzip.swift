import CZlib
import Foundation
import MinimaCore

/// gzip (RFC 1952) decompression through zlib's `inflate`, and reading files that may or may
/// not be gzipped (MNIST's `.gz` IDX files, `cifar-10-binary.tar.gz`).
public enum Gzip {
    /// Whether `bytes` start with the gzip magic number `1f 8b`.
    public static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// The decompressed contents of a gzip stream (every member, as `gunzip` does).
    /// `path` names the file in error messages.
    ///
    /// The size is bounded before and while inflating, so a decompression bomb stops at once:
    /// the trailer's declared size (the last 4 bytes: the length of the last member modulo
    /// 2³²) must fit in `sizeLimit` (default: `MemoryBudget.available`) and is reserved up front;
    /// the output may not pass it, except by the whole multiples of 4 GiB that deflate's
    /// 1032:1 maximum ratio allows for the compressed size. Only when a further member header
    /// (`1f 8b 08`) follows in the input may earlier members exceed the last member's size, and
    /// then the output is bounded by that ratio and `sizeLimit`. zlib checks each member's own
    /// trailer (CRC-32 and length) when the member ends. A file ending in zero padding has no
    /// trailer at its end and is bounded by the ratio and `sizeLimit` only.
    public static func decompress(_ bytes: [UInt8], path: String, sizeLimit: Int? = nil) throws -> [UInt8] {
        func fail(_ message: String) -> MinimaError { .invalidFile(path: path, message: message) }
        guard isCompressed(bytes) else { throw fail("not a gzip file (expected the magic bytes 1f 8b)") }
        guard bytes.count >= 18 else {
            throw fail("truncated gzip data: \(bytes.count) bytes, a gzip member needs at least 18 (header and trailer)")
        }
        let budget = sizeLimit ?? MemoryBudget.available
        func tooLarge(_ bytes: Int, atLeast: Bool) -> MinimaError {
            .tooLarge(what: "\(path): decompressed size" + (atLeast ? " (at least)" : " (gzip trailer)"), bytes: bytes,
                      available: budget, limited: sizeLimit != nil || MemoryBudget.limit != nil)
        }
        let n = bytes.count
        let declared = Int(bytes[n - 4]) | Int(bytes[n - 3]) << 8 | Int(bytes[n - 2]) << 16 | Int(bytes[n - 1]) << 24
        // Deflate cannot expand more than 1032:1 (a 258-byte match costs at least 2 bits).
        let ratioBound = MemoryBudget.product(n, 1032) ?? Int.max
        guard declared <= budget else { throw tooLarge(declared, atLeast: false) }
        guard declared <= ratioBound else {
            throw fail("corrupt gzip trailer: it declares \(declared) decompressed bytes, more than deflate can make of \(n) bytes")
        }
        // The declared size plus the 4 GiB wraps the ratio and the budget allow.
        var limit = declared
        while let next = MemoryBudget.sum(limit, 1 << 32), next <= Swift.min(budget, ratioBound) { limit = next }
        // A file ending in zero padding (which gunzip accepts) has no trailer at its end.
        var relaxed = bytes[(n - 8)...].allSatisfy { $0 == 0 }
        if relaxed { limit = Swift.min(budget, ratioBound) }
        var output: [UInt8] = []
        output.reserveCapacity(declared)
        var stream = z_stream()
        // 15 + 16: a gzip wrapper with the largest window.
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw fail("zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        let chunk = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunk)
        try bytes.withUnsafeBufferPointer { input in
            /// Whether another member header follows offset `from` (so the trailer at the end
            /// of the file is not this member's).
            func memberFollows(_ from: Int) -> Bool {
                var i = from
                while i + 2 < input.count {
                    if input[i] == 0x1F && input[i + 1] == 0x8B && input[i + 2] == 0x08 { return true }
                    i += 1
                }
                return false
            }
            var memberStart = 0
            while memberStart < input.count {
                // A member starts here (the first, or one concatenated after it).
                var status: Int32 = Z_OK
                repeat {
                    if stream.avail_in == 0 {
                        // (Re)fill the input window; avail_in is 32-bit, the file may be larger.
                        let next = memberStart + Int(stream.total_in)
                        guard next < input.count else {
                            throw fail("truncated gzip data (the stream stops after \(output.count) decompressed bytes)")
                        }
                        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + next)
                        stream.avail_in = UInt32(clamping: input.count - next)
                    }
                    let produced: Int = buffer.withUnsafeMutableBufferPointer { out in
                        stream.next_out = out.baseAddress!
                        stream.avail_out = UInt32(chunk)
                        status = inflate(&stream, Z_NO_FLUSH)
                        return chunk - Int(stream.avail_out)
                    }
                    switch status {
                    case Z_OK, Z_STREAM_END: break
                    case Z_BUF_ERROR where stream.avail_in == 0: break  // needs more input: refilled above
                    default:
                        let reason = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                        throw fail("corrupt gzip data (\(reason)) after \(output.count) decompressed bytes")
                    }
                    let total = output.count + produced
                    if total > limit && !relaxed && memberFollows(memberStart + Int(stream.total_in)) {
                        relaxed = true
                        limit = Swift.min(budget, ratioBound)
                    }
                    guard total <= limit else {
                        if total > budget { throw tooLarge(total, atLeast: true) }
                        throw fail("inflates past the \(declared) bytes its gzip trailer declares (corrupt, or a decompression bomb)")
                    }
                    output.append(contentsOf: buffer[0..<produced])
                } while status != Z_STREAM_END
                memberStart += Int(stream.total_in)
                // Zero padding after the last member is allowed (gunzip accepts it too).
                if memberStart < input.count, input[memberStart] != 0x1F {
                    if input[memberStart...].allSatisfy({ $0 == 0 }) { break }
                    throw fail("unexpected bytes after the gzip stream at offset \(memberStart)")
                }
                guard inflateReset(&stream) == Z_OK else { throw fail("zlib could not restart inflating") }
                stream.avail_in = 0
            }
        }
        return output
    }

    /// The contents of `path`, decompressed if the file is gzipped (by its magic number, not its name).
    public static func readFile(_ path: String) throws -> [UInt8] {
        let bytes = try readBytes(path)
        return isCompressed(bytes) ? try decompress(bytes, path: path) : bytes
    }

    /// The raw bytes of `path`; a missing or unreadable file names the path. Only regular files
    /// (or links to them) are read, and only when their size fits in `MemoryBudget`, so a
    /// device such as `/dev/zero` or a FIFO cannot make a read run forever.
    public static func readBytes(_ path: String) throws -> [UInt8] {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
            throw MinimaError.invalidFile(path: path, message: "no such file")
        }
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw MinimaError.invalidFile(path: path, message: "is not a regular file")
        }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        try MemoryBudget.check(bytes: size, what: "\(path): file size")
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw MinimaError.invalidFile(path: path, message: "cannot be read (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        try bytes.withUnsafeMutableBytes { buffer in
            while done < size {
                let got = read(fd, buffer.baseAddress! + done, size - done)
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else {
                    throw MinimaError.invalidFile(path: path, message: got == 0
                        ? "shrank while being read (\(done) of \(size) bytes)" : "cannot be read (\(String(cString: strerror(errno))))")
                }
                done += got
            }
        }
        return bytes
    }

    /// gzip-compresses `bytes` (zlib's `deflate` with a gzip wrapper, or with `raw` none, as
    /// zip archives store it); used by tests and caches.
    public static func compress(_ bytes: [UInt8], level: Int32 = 6, raw: Bool = false) -> [UInt8] {
        var stream = z_stream()
        let ok = deflateInit2_(&stream, level, Z_DEFLATED, raw ? -15 : 15 + 16, 8, Z_DEFAULT_STRATEGY,
                               ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(ok == Z_OK, "deflateInit2 failed")
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 64)
        var input = bytes
        let written: Int = input.withUnsafeMutableBufferPointer { inp in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = inp.baseAddress
                stream.avail_in = UInt32(inp.count)
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(out.count)
                let status = deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "deflate did not finish")
                return out.count - Int(stream.avail_out)
            }
        }
        return Array(output[0..<written])
    }

    /// zlib's CRC-32 of `bytes`; pass the CRC of earlier bytes as `start` to continue it.
    public static func crc32(_ bytes: UnsafeRawBufferPointer, start: UInt32 = 0) -> UInt32 {
        var crc = uLong(start)
        var offset = 0
        while offset < bytes.count, let base = bytes.baseAddress {
            let n = Swift.min(bytes.count - offset, Int(UInt32.max >> 1))
            crc = CZlib.crc32(crc, base.assumingMemoryBound(to: Bytef.self) + offset, uInt(n))
            offset += n
        }
        return UInt32(truncatingIfNeeded: crc)
    }
}
