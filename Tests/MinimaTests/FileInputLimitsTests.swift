import CTurboJPEG
import Foundation
import Linalg
import Testing
import Minima
@testable import MinimaCore
@testable import MinimaData

/// Sizes declared inside files are checked against memory before anything is allocated, archives
/// and image folders read each image once, and the cache notices changed contents.
@Suite struct FileInputLimitsTests {
    /// "PATH: WHAT: needs …, more than the … available (physical memory)".
    static func isTooLarge(_ message: String?, _ prefix: String) -> Bool {
        guard let message else { return false }
        return message.hasPrefix(prefix + ": needs ") && message.contains(" available (")
    }

    @Test func idxSizesBeyondMemoryAreRefusedBeforeReading() {
        // 60000 × 65535 × 65535 bytes (about 234 TiB) declared by a 32-byte file.
        var bytes: [UInt8] = [0, 0, 8, 3, 0, 0, 0xEA, 0x60, 0, 0, 0xFF, 0xFF, 0, 0, 0xFF, 0xFF]
        bytes += [UInt8](repeating: 1, count: 16)
        let message = minimaError { _ = try IDX.parse(bytes, path: "huge.idx") }
        #expect(FileInputLimitsTests.isTooLarge(message, "huge.idx: IDX sizes 60000×65535×65535"), "\(message ?? "accepted")")
        #expect(message?.contains("needs 234.") == true)
    }

    /// A version-1.0 `.npy` file with the given header dict and data bytes.
    static func npy(_ dict: String, data: [UInt8] = []) -> Data {
        let header = Array((dict + "\n").utf8)
        return Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)] + header + data)
    }

    @Test func npyShapesBeyondMemoryAndTrailingBytes() {
        let huge = FileInputLimitsTests.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 999999), }")
        let message = minimaError { let _: Npy.Array<Double> = try Npy.parse(huge, path: "x.npy") }
        #expect(FileInputLimitsTests.isTooLarge(message, "x.npy: shape (99999999999, 999999)"), "\(message ?? "accepted")")
        let overflow = FileInputLimitsTests.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }")
        #expect(minimaError { let _: Npy.Array<Float> = try Npy.parse(overflow, path: "o.npy") }?
            .hasPrefix("o.npy: shape (4294967296, 4294967296): needs more bytes than a 64-bit size can count") == true)
        var data = Npy.encode([1, 2, 3, 4] as [Float], shape: [2, 2])
        data.append(contentsOf: [0, 0, 0, 0])
        let trailing = minimaError { let _: Npy.Array<Float> = try Npy.parse(data, path: "t.npy") }
        #expect(trailing == "t.npy: 4 unexpected bytes after the 16 data bytes of shape [2, 2]")
    }

    @Test func gzipTrailerBoundsTheOutput() throws {
        let zeros = [UInt8](repeating: 0, count: 2 << 20)
        let packed = Gzip.compress(zeros)
        #expect(try Gzip.decompress(packed, path: "z.gz", sizeLimit: 2 << 20) == zeros)
        // A declared size over the limit is refused before inflating anything.
        let over = minimaError { _ = try Gzip.decompress(packed, path: "z.gz", sizeLimit: 1 << 20) }
        #expect(over == "z.gz: decompressed size (gzip trailer): needs 2.0 MiB (2097152 bytes), more than the 1.0 MiB (1048576 bytes) available (the memory limit)")
        // A lying trailer (a bomb): inflating stops at the declared size.
        var lying = packed
        lying.replaceSubrange((lying.count - 4)..., with: [0xE8, 0x03, 0, 0])  // 1000 bytes
        #expect(minimaError { _ = try Gzip.decompress(lying, path: "b.gz") }
                == "b.gz: inflates past the 1000 bytes its gzip trailer declares (corrupt, or a decompression bomb)")
        // A trailer declaring more than deflate can make of the file.
        var inflated = Gzip.compress([1, 2, 3])
        inflated.replaceSubrange((inflated.count - 4)..., with: [0, 0, 0, 1])
        #expect(minimaError { _ = try Gzip.decompress(inflated, path: "c.gz") }?
            .hasPrefix("c.gz: corrupt gzip trailer: it declares 16777216 decompressed bytes, more than deflate can make of 23 bytes") == true)
        // Concatenated members (the first larger than the last) and zero padding still read.
        let a = (0..<70000).map { UInt8($0 % 251) }
        #expect(try Gzip.decompress(Gzip.compress(a) + Gzip.compress([7]), path: "m.gz") == a + [7])
        #expect(try Gzip.decompress(Gzip.compress(a) + [UInt8](repeating: 0, count: 100), path: "p.gz") == a)
    }

    @Test func onlyRegularFilesAreRead() throws {
        #expect(minimaError { _ = try Gzip.readBytes("/dev/null") } == "/dev/null: is not a regular file")
        let folder = TemporaryFolder(); defer { folder.cleanup() }
        #expect(minimaError { _ = try Gzip.readBytes(folder.path) } == "\(folder.path): is not a regular file")
        #expect(minimaError { _ = try Gzip.readBytes(folder.file("none")) } == "\(folder.file("none")): no such file")
        let file = folder.write([1, 2, 3], "x")
        #expect(try Gzip.readBytes(file) == [1, 2, 3])
    }

    @Test func cmykJpegIsAnUnsupportedColourSpace() throws {
        let handle = tjInitCompress()!
        defer { tjDestroy(handle) }
        let cmyk = [UInt8](repeating: 90, count: 8 * 8 * 4)
        var buffer: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        #expect(tjCompress2(handle, cmyk, 8, 0, 8, Int32(TJPF_CMYK.rawValue), &buffer, &size,
                            Int32(TJSAMP_444.rawValue), 90, 0) == 0)
        let jpeg = Array(UnsafeBufferPointer(start: buffer, count: Int(size)))
        tjFree(buffer)
        let message = minimaError { _ = try ImageDecoder.decode(jpeg, path: "c.jpg") }
        #expect(message == "c.jpg: unsupported colour space (YCCK JPEG; expected grey or RGB)")
        #expect(minimaError { _ = try ImageDecoder.decode(jpeg, path: "c.jpg", channels: 3) } == message)
    }

    @Test func tarDuplicatesAndPathsLeavingTheRootAreRefused() throws {
        let duplicated = Tar.encode([("a/x.bin", [1]), ("b.bin", [2]), ("./a//x.bin", [3])])
        #expect(minimaError { _ = try Tar(duplicated, path: "d.tar") }
                == "d.tar: entry ./a//x.bin appears twice in the archive (each file must be stored once)")
        for name in ["../x.png", "a/../../x.png", "/etc/x.png"] {
            #expect(minimaError { _ = try Tar(Tar.encode([(name, [1])]), path: "e.tar") }
                    == "e.tar: entry \(name) leaves the archive's root (an absolute path or a '..' component)")
        }
        // The CIFAR reader refuses two batch files of one name in different folders.
        let folder = TemporaryFolder(); defer { folder.cleanup() }
        let batch = CIFAR10.encode(TestImages.set(count: 1, channels: 3, height: 32, width: 32, classes: 10, names: CIFAR10.classNames))
        let names = (1...5).map { "data_batch_\($0).bin" } + ["test_batch.bin"]
        let files = names.map { ("c/" + $0, batch) } + [("d/data_batch_3.bin", batch)]
        let archive = folder.write(Tar.encode(files), "cifar.tar")
        #expect(minimaError { _ = try CIFAR10.load(at: archive) }
                == "\(archive): the archive has 2 entries named data_batch_3.bin (c/data_batch_3.bin, d/data_batch_3.bin); expected one")
    }

    @Test(.timeLimit(.minutes(1))) func folderLinksAreFollowedOnce() throws {
        let folder = TemporaryFolder(); defer { folder.cleanup() }
        let image = ImageDecoder.encodePNG(ImageDecoder.Image(channels: 1, height: 2, width: 2, pixels: [1, 2, 3, 4]))
        _ = folder.write(image, "a/0.png")
        _ = folder.write(image, "b/deep/1.png")
        // One cycle (a/up → the root) and a second (b/deep/again → b): each image still read once.
        try FileManager.default.createSymbolicLink(atPath: folder.file("a/up"), withDestinationPath: folder.path)
        try FileManager.default.createSymbolicLink(atPath: folder.file("b/deep/again"), withDestinationPath: folder.file("b"))
        let splits = try ImageFolder.load(at: folder.path)
        #expect(splits.train.count == 2)
        #expect(splits.train.labels == [0, 1])
        #expect(try ImageFolder.files(at: folder.path) == [folder.file("a/0.png"), folder.file("b/deep/1.png")])
        // A class folder that is a link to another class is refused.
        try FileManager.default.createSymbolicLink(atPath: folder.file("c"), withDestinationPath: folder.file("a"))
        #expect(minimaError { _ = try ImageFolder.load(at: folder.path) }
                == "\(folder.file("c")): is a link to a folder already read (each image is read once)")
    }

    @Test func cacheNoticesContentsChangedWithSameSizeAndTime() throws {
        let folder = TemporaryFolder(); defer { folder.cleanup() }
        let train = TestImages.set(count: 20, channels: 1, height: 3, width: 3, classes: 10)
        TestImages.writeMNIST(train, train, into: folder, gzip: false)
        var spec = TestImages.mnistSpec(folder)
        spec.cache = true
        spec.cacheDirectory = folder.path + "/cache"
        // The labels file keeps one whole-second modification time throughout.
        let labels = folder.file("train-labels-idx1-ubyte")
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: labels)
        let (first, r1) = try spec.loadWithReport(as: Float.self)
        #expect(r1.cache.hasPrefix("written "))
        #expect(try spec.loadWithReport(as: Float.self).report.cache.hasPrefix("hit "))
        // Rewrite the training labels: same size, same modification time, other classes.
        let flipped = train.labels.map { UInt8(9 - $0) }
        _ = folder.write(IDX.encode(flipped, shape: [20]), "train-labels-idx1-ubyte")
        try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: labels)
        let attributes = try FileManager.default.attributesOfItem(atPath: labels)
        #expect((attributes[.modificationDate] as? Date) == date && (attributes[.size] as? NSNumber)?.intValue == 28)
        let (second, r2) = try spec.loadWithReport(as: Float.self)
        #expect(r2.cache.hasPrefix("written "))
        #expect(Array(second.y.prefix(20)) == first.y.prefix(20).map { -$0 })
    }

    @Test func tooLargeFileIsOneLineAndExitCodeTwoAtTheCommandLine() throws {
        let folder = TemporaryFolder(); defer { folder.cleanup() }
        let train = TestImages.set(count: 4000, channels: 1, height: 28, width: 28, classes: 10)
        TestImages.writeMNIST(train, train, into: folder, gzip: true)  // 3136016-byte images file
        let r = try runMinima(["data", "inspect", "--dataset", "mnist", "--data", folder.path, "--no-cache", "--memory-limit", "2M"])
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "error: \(folder.path)/train-images-idx3-ubyte.gz: decompressed size (gzip trailer): needs 3.0 MiB (3136016 bytes), more than the 2.0 MiB (2097152 bytes) available (the memory limit)\n", "\(r.stderr)")
    }
}
