import Foundation
import Testing
import Minima
@testable import MinimaCore
@testable import MinimaData

/// Every bad data input gets a `MinimaError` naming the file (and record or class) and
/// what was expected.
@Suite struct DataBadInputTests {
    @Test func wrongIdxMagicNumber() {
        var bytes = IDX.encode([1, 2, 3, 4], shape: [1, 2, 2])
        bytes[2] = 0x0D  // float type
        let message = minimaError { _ = try IDX.parse(bytes, path: "imgs.idx") }
        #expect(message?.hasPrefix("imgs.idx: IDX element type 0x0d is not supported") == true)
        let labels = IDX.encode([1, 2], shape: [2])
        let wrongDims = minimaError { _ = try IDX.parse(labels, path: "lab.idx", dimensions: 3) }
        #expect(wrongDims == "lab.idx: wrong IDX magic number: 1 dimensions, expected 3 (magic 00 00 08 03)")
        let garbage = minimaError { _ = try IDX.parse([0x1F, 0, 8, 3], path: "g") }
        #expect(garbage?.contains("wrong IDX magic number 1f 00 08 03") == true)
    }

    @Test func truncatedIdxAndGzip() {
        let bytes = IDX.encode([UInt8](repeating: 9, count: 24), shape: [2, 3, 4])
        let short = minimaError { _ = try IDX.parse(Array(bytes.dropLast(5)), path: "t.idx") }
        #expect(short == "t.idx: truncated: sizes 2×3×4 need 24 data bytes, the file has 19")
        let gz = Gzip.compress(bytes)
        let cut = minimaError { _ = try Gzip.decompress(Array(gz.prefix(gz.count / 2)), path: "t.gz") }
        #expect(cut?.hasPrefix("t.gz: truncated gzip data") == true)
        var flipped = gz
        flipped[12] ^= 0xFF
        #expect(minimaError { _ = try Gzip.decompress(flipped, path: "f.gz") }?.hasPrefix("f.gz: ") == true)
    }

    @Test func imageAndLabelCountsDisagree() throws {
        let folder = TemporaryFolder(); defer { folder.cleanup() }
        let train = TestImages.set(count: 5, channels: 1, height: 2, width: 2, classes: 10)
        TestImages.writeMNIST(train, train, into: folder, gzip: false)
        _ = folder.write(IDX.encode([1, 2, 3], shape: [3]), "train-labels-idx1-ubyte")
        let message = minimaError { _ = try MNIST.load(folder: folder.path) }
        #expect(message == "\(folder.path)/train-images-idx3-ubyte holds 5 images but \(folder.path)/train-labels-idx1-ubyte holds 3 labels (expected the same count)")
        _ = folder.write(IDX.encode([1, 2, 3, 4, 12], shape: [5]), "train-labels-idx1-ubyte")
        let badLabel = minimaError { _ = try MNIST.load(folder: folder.path) }
        #expect(badLabel == "\(folder.path)/train-labels-idx1-ubyte: record 4 has label 12, expected 0–9")
    }

    @Test func cifarBatchNotAMultipleOf3073() {
        let message = minimaError { _ = try CIFAR10.parse([UInt8](repeating: 1, count: 3073 * 2 + 10), path: "data_batch_1.bin") }
        #expect(message == "data_batch_1.bin: size 6156 bytes is not a positive multiple of 3073 (records of 1 label byte + 3072 pixel bytes); 2 whole records and 10 bytes over")
        var record = [UInt8](repeating: 0, count: 3073 * 3)
        record[3073 * 2] = 10
        #expect(minimaError { _ = try CIFAR10.parse(record, path: "b") } == "b: record 2 has label 10, expected 0–9")
    }

    @Test func imageOfAnotherSizeAndEmptyClass() throws {
        let folder = TemporaryFolder(); defer { folder.cleanup() }
        let small = ImageDecoder.Image(channels: 3, height: 4, width: 4, pixels: [UInt8](repeating: 7, count: 48))
        let big = ImageDecoder.Image(channels: 3, height: 5, width: 4, pixels: [UInt8](repeating: 7, count: 60))
        _ = folder.write(ImageDecoder.encodePNG(small), "a/0.png")
        let odd = folder.write(ImageDecoder.encodePNG(big), "b/0.png")
        let message = minimaError { _ = try ImageFolder.load(at: folder.path) }
        #expect(message == "\(odd): image is 4×5, expected 4×4 like \(folder.path)/a/0.png (all images of a data set must share one size)")
        try FileManager.default.removeItem(atPath: odd)
        let empty = minimaError { _ = try ImageFolder.load(at: folder.path) }
        #expect(empty == "\(folder.path)/b: class 'b' is empty (expected at least one .png or .jpg image)")
        _ = folder.write(Array("xx".utf8), "b/1.png")
        let notImage = minimaError { _ = try ImageFolder.load(at: folder.path) }
        #expect(notImage == "\(folder.path)/b/1.png: is neither a PNG nor a JPEG image (unknown signature)")
    }

    @Test func aLayoutWithoutImagesIsRefusedBeforeDecoding() {
        // No image to take the size from: refused naming the folder, never an index past the end.
        let none = minimaError {
            _ = try ImageFolder.assemble(train: [("a", [])], test: nil, trainFolder: "/data/train", testFolder: "", files: nil,
                                         name: { $0 }, read: { _ in [] })
        }
        #expect(none == "/data/train: holds no images (expected one folder of images per class)")
    }

    @Test func classSpecNamingAClassTwiceOrAMissingClass() {
        let names = (0..<10).map(String.init)
        #expect(minimaError { _ = try ClassSplit.parse("0-4:4-9", classNames: names) } == "data.classes: class 4 (4) is named in both groups of '0-4:4-9'")
        #expect(minimaError { _ = try ClassSplit.parse("1,1:2", classNames: names) } == "data.classes: class 1 (1) is named twice in '1,1:2'")
        #expect(minimaError { _ = try ClassSplit.parse("0:10", classNames: names) } == "data.classes: class 10 does not exist (classes are 0–9)")
        #expect(minimaError { _ = try ClassSplit.parse("cat:dog", classNames: CIFAR10.classNames) } == nil)
        #expect(minimaError { _ = try ClassSplit.parse("cat:wolf", classNames: CIFAR10.classNames) }
                == "data.classes: class 'wolf' does not exist (classes are 0–9 or airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck)")
        #expect(minimaError { _ = try ClassSplit.parse("0:1:2", classNames: names) }?.hasPrefix("data.classes: '0:1:2' has 2 colons") == true)
    }

    @Test func missingFolderAndFlags() {
        var spec = DataSpec()
        spec.source = .cifar10
        #expect(minimaError { try spec.validate() } == "data.path: is required for --dataset cifar10 (the folder or archive holding it)")
        spec.path = "/nonexistent/cifar"
        spec.cache = false
        #expect(minimaError { _ = try spec.load(as: Float.self) } == "/nonexistent/cifar: no such file or folder (expected cifar-10-batches-bin or cifar-10-binary.tar.gz)")
        spec.preprocessing.zcaEpsilon = 0
        #expect(minimaError { try spec.validate() } == "data.preprocessing.zcaEpsilon: must be a positive number, got 0.0")
        var gaussian = DataSpec()
        gaussian.n = 4; gaussian.d0 = 2
        gaussian.mergeTest = true
        #expect(minimaError { try gaussian.validate() } == "data.mergeTest: applies to image data sets (mnist, fashion-mnist, cifar10, images), not --dataset gaussian")
    }
}
