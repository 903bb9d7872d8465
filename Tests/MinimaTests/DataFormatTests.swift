import Foundation
import Linalg
import Testing
import Minima
@testable import MinimaData

@Suite struct DataFormatTests {
    @Test func gzipRoundTripAndConcatenatedMembers() throws {
        let a = (0..<5000).map { UInt8($0 % 251) }
        let b: [UInt8] = Array("second member".utf8)
        let packed = Gzip.compress(a) + Gzip.compress(b)
        #expect(Gzip.isCompressed(packed))
        #expect(try Gzip.decompress(packed, path: "x.gz") == a + b)
        #expect(try Gzip.decompress(Gzip.compress([]), path: "x.gz") == [])
    }

    @Test func idxParsesSizesAndBytes() throws {
        let bytes = IDX.encode([1, 2, 3, 4, 5, 6], shape: [1, 2, 3])
        #expect(bytes[0..<4] == [0, 0, 8, 3])
        let parsed = try IDX.parse(bytes, path: "a")
        #expect(parsed.shape == [1, 2, 3])
        #expect(parsed.bytes == [1, 2, 3, 4, 5, 6])
    }

    @Test(arguments: [false, true]) func mnistFolderRawAndGzipped(gzip: Bool) throws {
        let folder = TemporaryFolder(); defer { folder.cleanup() }
        let train = TestImages.set(count: 30, channels: 1, height: 4, width: 5, classes: 10)
        let test = TestImages.set(count: 12, channels: 1, height: 4, width: 5, classes: 10)
        TestImages.writeMNIST(train, test, into: folder, gzip: gzip)
        let splits = try MNIST.load(folder: folder.path)
        #expect(same(splits.train, train))
        #expect(same(splits.test, test))
        #expect(splits.train.classCounts == [3, 3, 3, 3, 3, 3, 3, 3, 3, 3])
        // Through DataSpec: classes 0-4 → −1, 5-9 → +1; merge-test gives 42 samples.
        var spec = TestImages.mnistSpec(folder)
        spec.mergeTest = true
        let (data, report) = try spec.loadWithReport(as: Double.self)
        #expect(data.n == 42 && data.d0 == 20)
        #expect(data.y == (train.labels + test.labels).map { $0 < 5 ? -1 : 1 })
        #expect(data.x[0, 1] == Double(3) / 255)        // image 0, byte 1: (0 + 3 + 0) mod 256
        #expect(data.x[31, 0] == Double(7 * 1 + 1) / 255) // test image 1 (label 1)
        #expect(report.splits.map(\.count) == [30, 12])
    }

    @Test func cifarFolderAndTarGz() throws {
        let folder = TemporaryFolder(); defer { folder.cleanup() }
        let batches = (0..<6).map { b in TestImages.set(count: 4 + b, channels: 3, height: 32, width: 32, classes: 10, names: CIFAR10.classNames) }
        var files: [(name: String, contents: [UInt8])] = []
        for (b, set) in batches.enumerated() {
            let name = b < 5 ? "data_batch_\(b + 1).bin" : "test_batch.bin"
            _ = folder.write(CIFAR10.encode(set), "cifar-10-batches-bin/" + name)
            files.append(("cifar-10-batches-bin/" + name, CIFAR10.encode(set)))
        }
        files.append(("cifar-10-batches-bin/batches.meta.txt", Array("airplane\n".utf8)))
        let archive = folder.write(Gzip.compress(Tar.encode(files)), "cifar-10-binary.tar.gz")
        let expectedTrain = batches[1..<5].reduce(batches[0]) { $0.appending($1) }
        for path in [folder.path, folder.path + "/cifar-10-batches-bin", archive] {
            let splits = try CIFAR10.load(at: path)
            #expect(same(splits.train, expectedTrain))
            #expect(splits.train.count == 4 + 5 + 6 + 7 + 8)
            #expect(same(splits.test, batches[5]))
        }
        // A record's first pixel byte is the red channel of pixel (0, 0).
        let record = CIFAR10.encode(batches[0])
        #expect(record.count == 4 * 3073 && record[0] == 0 && record[1] == batches[0].pixels[0])
    }

    @Test func tarLongNamesAndEntries() throws {
        let long = String(repeating: "d/", count: 60) + "file.bin"
        var archive = Tar.encode([("a.txt", Array("hello".utf8))])
        // A GNU long-name entry ('L') followed by the entry it names.
        var header = Array(Tar.encode([("././@LongLink", Array(long.utf8) + [0])]).prefix(512))
        header[156] = UInt8(ascii: "L")
        for i in 148..<156 { header[i] = 32 }
        let sum = header.reduce(0) { $0 + Int($1) }
        let digits = Array(String(sum, radix: 8).utf8)
        for i in 0..<8 { header[148 + i] = 0 }
        for (i, c) in ([UInt8](repeating: UInt8(ascii: "0"), count: 6 - digits.count) + digits).enumerated() { header[148 + i] = c }
        let payload = Array(long.utf8) + [0]
        let named = Array(Tar.encode([("short", [9, 8, 7])]).dropLast(1024))
        archive = Array(archive.dropLast(1024)) + header + payload + [UInt8](repeating: 0, count: 512 - payload.count) + named + [UInt8](repeating: 0, count: 1024)
        let tar = try Tar(archive, path: "t.tar")
        #expect(tar.entries.map(\.name) == ["a.txt", long])
        #expect(tar.contents(tar.entries[1]) == [9, 8, 7])
    }

    @Test func pngAndJpegFoldersWithSplits() throws {
        let folder = TemporaryFolder(); defer { folder.cleanup() }
        let names = ["cat", "dog", "emu"]
        var expected: [[UInt8]] = []
        for split in ["train", "test"] {
            for (c, name) in names.enumerated() {
                for k in 0..<(split == "train" ? 3 : 1) {
                    var pixels = [UInt8](repeating: 0, count: 3 * 6 * 4)
                    for p in pixels.indices { pixels[p] = UInt8((40 * c + 11 * k + 5 * p) % 256) }
                    let image = ImageDecoder.Image(channels: 3, height: 6, width: 4, pixels: pixels)
                    // PNG for cats and dogs (lossless), JPEG for the emus.
                    if name == "emu" {
                        _ = folder.write(ImageDecoder.encodeJPEG(image, quality: 100), "\(split)/\(name)/sub/\(k).jpg")
                    } else {
                        _ = folder.write(ImageDecoder.encodePNG(image), "\(split)/\(name)/\(k).png")
                    }
                    if split == "train" { expected.append(pixels) }
                }
            }
        }
        _ = folder.write(Array("not an image".utf8), "train/cat/notes.txt")
        let splits = try ImageFolder.load(at: folder.path)
        #expect(splits.train.classNames == names)
        #expect(splits.train.labels == [0, 0, 0, 1, 1, 1, 2, 2, 2])
        #expect(splits.test?.labels == [0, 1, 2])
        #expect(splits.train.channels == 3 && splits.train.height == 6 && splits.train.width == 4)
        // PNG pixels exact (planar); JPEG within a few levels at quality 100.
        #expect(Array(splits.train.pixels[0..<72]) == expected[0])
        let jpeg = Array(splits.train.pixels[(6 * 72)..<(7 * 72)])
        let worst = zip(jpeg, expected[6]).map { abs(Int($0) - Int($1)) }.max()!
        #expect(worst <= 8)
        // The same layout inside a .tar.gz, under a top folder, reads to the same sets.
        let files = FileManager.default.enumerator(atPath: folder.path)!.compactMap { $0 as? String }
            .filter { !DataFolder.isFolder(folder.path + "/" + $0) }.sorted().reversed()
        let archive = folder.write(Gzip.compress(Tar.encode(files.map { ("top/" + $0, try! Gzip.readBytes(folder.path + "/" + $0)) })), "images.tar.gz")
        let fromArchive = try ImageFolder.load(at: archive)
        #expect(same(fromArchive.train, splits.train))
        #expect(same(fromArchive.test, splits.test))
        #expect(try ImageFolder.files(at: archive) == [archive])
    }

    @Test func greyPngDecodesToOneChannel() throws {
        let image = ImageDecoder.Image(channels: 1, height: 3, width: 2, pixels: [0, 50, 100, 150, 200, 250])
        let decoded = try ImageDecoder.decode(ImageDecoder.encodePNG(image), path: "g.png")
        #expect(decoded == image)
        let asRGB = try ImageDecoder.decode(ImageDecoder.encodePNG(image), path: "g.png", channels: 3)
        #expect(asRGB.pixels == image.pixels + image.pixels + image.pixels)
    }
}
