import CPNG
import CTurboJPEG
import MinimaCore

/// Decodes PNG (libpng's simplified `png_image` API) and JPEG (TurboJPEG) files into planar
/// bytes: all of channel 0, then channel 1, … (CIFAR-10's layout), rows top to bottom.
public enum ImageDecoder {
    /// A decoded image.
    public struct Image: Sendable, Equatable {
        public var channels: Int
        public var height: Int
        public var width: Int
        /// `channels · height · width` bytes, planar.
        public var pixels: [UInt8]

        /// The pixels interleaved (RGBRGB…), as encoders take them.
        var interleaved: [UInt8] {
            let n = width * height
            var out = [UInt8](repeating: 0, count: pixels.count)
            for p in 0..<n { for c in 0..<channels { out[p * channels + c] = pixels[c * n + p] } }
            return out
        }
    }

    /// The most pixels one image may have (64 Mpixel): larger headers are rejected before any
    /// memory is allocated, so a corrupt size field cannot exhaust memory.
    public static let maxPixels = 1 << 26

    /// Decodes PNG or JPEG bytes (told apart by their signature). `channels`: 1 (grey) or 3
    /// (RGB) to convert to, or nil for the file's own (grey stays 1, everything else becomes 3;
    /// alpha is dropped).
    public static func decode(_ bytes: [UInt8], path: String, channels: Int? = nil) throws -> Image {
        if bytes.count >= 8, bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            return try decodePNG(bytes, path: path, channels: channels)
        }
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF {
            return try decodeJPEG(bytes, path: path, channels: channels)
        }
        throw MinimaError.invalidFile(path: path, message: "is neither a PNG nor a JPEG image (unknown signature)")
    }

    static func decodePNG(_ bytes: [UInt8], path: String, channels wanted: Int?) throws -> Image {
        func fail(_ image: png_image, _ what: String) -> MinimaError {
            var message = image.message
            let text = withUnsafeBytes(of: &message) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            return .invalidFile(path: path, message: "\(what) PNG image (libpng: \(text))")
        }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        let begun = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard begun != 0 else { throw fail(image, "corrupt") }
        defer { png_image_free(&image) }
        let width = Int(image.width), height = Int(image.height)
        let channels = wanted ?? (image.format & PNG_FORMAT_FLAG_COLOR != 0 ? 3 : 1)
        try checkSize(width: width, height: height, channels: channels, kind: "PNG", path: path)
        image.format = channels == 3 ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY)
        var interleaved = [UInt8](repeating: 0, count: width * height * channels)
        let finished = interleaved.withUnsafeMutableBytes {
            png_image_finish_read(&image, nil, $0.baseAddress, Int32(width * channels), nil)
        }
        guard finished != 0 else { throw fail(image, "corrupt") }
        return Image(channels: channels, height: height, width: width,
                     pixels: planar(interleaved, channels: channels, pixels: width * height))
    }

    static func decodeJPEG(_ bytes: [UInt8], path: String, channels wanted: Int?) throws -> Image {
        guard let handle = tjInitDecompress() else {
            throw MinimaError.invalidFile(path: path, message: "TurboJPEG could not start")
        }
        defer { tjDestroy(handle) }
        func fail(_ what: String) -> MinimaError {
            .invalidFile(path: path, message: "\(what) (TurboJPEG: \(String(cString: tjGetErrorStr2(handle))))")
        }
        var w: Int32 = 0, h: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let header = bytes.withUnsafeBufferPointer {
            tjDecompressHeader3(handle, $0.baseAddress, UInt($0.count), &w, &h, &subsampling, &colorspace)
        }
        guard header == 0 else { throw fail("corrupt JPEG header") }
        let width = Int(w), height = Int(h)
        if colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue) {
            throw MinimaError.invalidFile(path: path, message:
                "unsupported colour space (\(colorspace == Int32(TJCS_CMYK.rawValue) ? "CMYK" : "YCCK") JPEG; expected grey or RGB)")
        }
        let channels = wanted ?? (colorspace == Int32(TJCS_GRAY.rawValue) ? 1 : 3)
        try checkSize(width: width, height: height, channels: channels, kind: "JPEG", path: path)
        let format = channels == 3 ? TJPF_RGB : TJPF_GRAY
        var interleaved = [UInt8](repeating: 0, count: width * height * channels)
        let status = bytes.withUnsafeBufferPointer { src in
            interleaved.withUnsafeMutableBufferPointer { dst in
                tjDecompress2(handle, src.baseAddress, UInt(src.count), dst.baseAddress, w, 0, h,
                              Int32(format.rawValue), TJFLAG_LIMITSCANS)
            }
        }
        guard status == 0 else { throw fail("corrupt JPEG data") }
        return Image(channels: channels, height: height, width: width,
                     pixels: planar(interleaved, channels: channels, pixels: width * height))
    }

    /// Throws unless a `width × height` image is 1…`maxPixels` pixels and its two copies
    /// (interleaved as decoded, then planar) fit in `MemoryBudget`; before anything is allocated.
    static func checkSize(width: Int, height: Int, channels: Int, kind: String, path: String) throws {
        guard width > 0, height > 0, let pixels = MemoryBudget.product(width, height), pixels <= maxPixels else {
            throw MinimaError.invalidFile(path: path, message: "\(kind) size \(width)×\(height) is outside 1…\(maxPixels) pixels")
        }
        try MemoryBudget.check(bytes: MemoryBudget.product(pixels, channels, 2), what: "\(path): \(kind) size \(width)×\(height)")
    }

    /// Interleaved (RGBRGB…) to planar (RR…GG…BB…).
    package static func planar(_ interleaved: [UInt8], channels: Int, pixels: Int) -> [UInt8] {
        guard channels > 1 else { return interleaved }
        var out = [UInt8](repeating: 0, count: interleaved.count)
        interleaved.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for p in 0..<pixels {
                    for c in 0..<channels { dst[c * pixels + p] = src[p * channels + c] }
                }
            }
        }
        return out
    }

    /// A PNG file of a planar image (libpng's simplified writer), for tests and exports.
    public static func encodePNG(_ image: Image) -> [UInt8] {
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        png.width = UInt32(image.width)
        png.height = UInt32(image.height)
        png.format = image.channels == 3 ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY)
        let interleaved = image.interleaved
        var size = 0
        _ = png_image_write_to_memory(&png, nil, &size, 0, interleaved, 0, nil)
        var out = [UInt8](repeating: 0, count: size)
        let ok = out.withUnsafeMutableBytes { buffer in
            png_image_write_to_memory(&png, buffer.baseAddress, &size, 0, interleaved, 0, nil)
        }
        precondition(ok != 0, "libpng could not encode the image")
        return Array(out[0..<size])
    }

    /// A JPEG file of a planar image (TurboJPEG, 4:4:4, the given quality), for tests.
    public static func encodeJPEG(_ image: Image, quality: Int32 = 95) -> [UInt8] {
        let handle = tjInitCompress()!
        defer { tjDestroy(handle) }
        let interleaved = image.interleaved
        var buffer: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let format = image.channels == 3 ? TJPF_RGB : TJPF_GRAY
        let sampling = image.channels == 3 ? TJSAMP_444 : TJSAMP_GRAY
        let ok = tjCompress2(handle, interleaved, Int32(image.width), 0, Int32(image.height), Int32(format.rawValue),
                             &buffer, &size, Int32(sampling.rawValue), quality, 0)
        precondition(ok == 0, "TurboJPEG could not encode the image")
        defer { tjFree(buffer) }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(size)))
    }
}
