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
    /// `path` names the file in error messages; `sizeLimit` guards against decompression bombs.
    public static func decompress(_ bytes: [UInt8], path: String, sizeLimit: Int = 1 << 34) throws -> [UInt8] {
        func fail(_ message: String) -> MinimaError { .invalidFile(path: path, message: message) }
        guard isCompressed(bytes) else { throw fail("not a gzip file (expected the magic bytes 1f 8b)") }
        var output: [UInt8] = []
        output.reserveCapacity(Swift.min(bytes.count * 4, sizeLimit))
        var stream = z_stream()
        // 15 + 16: a gzip wrapper with the largest window.
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw fail("zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        let chunk = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunk)
        try bytes.withUnsafeBufferPointer { input in
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
                    output.append(contentsOf: buffer[0..<produced])
                    guard output.count <= sizeLimit else { throw fail("decompresses to more than \(sizeLimit) bytes") }
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

    /// The raw bytes of `path`; a missing or unreadable file names the path.
    public static func readBytes(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MinimaError.invalidFile(path: path, message: FileManager.default.fileExists(atPath: path)
                ? "cannot be read" : "no such file")
        }
        return [UInt8](data)
    }

    /// gzip-compresses `bytes` (zlib's `deflate` with a gzip wrapper); used by tests and caches.
    public static func compress(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        let ok = deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
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
