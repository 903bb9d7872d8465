import Foundation
import MinimaCore

/// CIFAR-10's binary version: `data_batch_1.bin` … `data_batch_5.bin` (training) and
/// `test_batch.bin`, each a sequence of 3073-byte records: one label byte (0–9) and a 32×32
/// RGB image stored planar (1024 red, 1024 green, 1024 blue bytes, rows top to bottom).
/// Read from the `cifar-10-batches-bin` folder (or the folder above it) or directly from the
/// official `cifar-10-binary.tar.gz` archive.
public enum CIFAR10 {
    public static let classNames = ["airplane", "automobile", "bird", "cat", "deer",
                                    "dog", "frog", "horse", "ship", "truck"]
    public static let side = 32
    public static let recordSize = 1 + 3 * 32 * 32
    static let trainBatches = (1...5).map { "data_batch_\($0).bin" }
    static let testBatch = "test_batch.bin"

    /// The files a load reads: the archive itself, or the six batch files.
    public static func files(at path: String) throws -> [String] {
        if !DataFolder.isFolder(path) {
            guard FileManager.default.fileExists(atPath: path) else {
                throw MinimaError.invalidFile(path: path, message: "no such file or folder (expected cifar-10-batches-bin or cifar-10-binary.tar.gz)")
            }
            return [path]
        }
        let folder = batchFolder(path)
        return try (trainBatches + [testBatch]).map { name in
            let file = folder + "/" + name
            guard FileManager.default.fileExists(atPath: file) else {
                throw MinimaError.invalidFile(path: folder, message: "has no \(name) (expected data_batch_1.bin … data_batch_5.bin and test_batch.bin)")
            }
            return file
        }
    }

    /// `path` itself, or its `cifar-10-batches-bin` subfolder when it has one.
    static func batchFolder(_ path: String) -> String {
        let sub = path + "/cifar-10-batches-bin"
        return DataFolder.isFolder(sub) ? sub : path
    }

    /// Reads both splits from a batch folder or a `.tar`/`.tar.gz` archive.
    public static func load(at path: String) throws -> ImageSplits {
        let files = try files(at: path)
        if files.count == 1 {
            let tar = try Tar.read(path)
            func batch(_ name: String) throws -> ImageSet {
                let matches = tar.entries.filter { $0.name == name || $0.name.hasSuffix("/" + name) }
                guard let entry = matches.first else {
                    throw MinimaError.invalidFile(path: path, message: "the archive has no \(name) (expected the cifar-10-batches-bin files)")
                }
                guard matches.count == 1 else {
                    throw MinimaError.invalidFile(path: path, message:
                        "the archive has \(matches.count) entries named \(name) (\(matches.map(\.name).joined(separator: ", "))); expected one")
                }
                return try parse(tar.contents(entry), path: "\(path):\(entry.name)")
            }
            let train = ImageSet.concatenated(try trainBatches.map(batch))
            return ImageSplits(train: train, test: try batch(testBatch), files: files)
        }
        let sets = try files.map { try parse(Gzip.readBytes($0), path: $0) }
        let train = ImageSet.concatenated(Array(sets[0..<5]))
        return ImageSplits(train: train, test: sets[5], files: files)
    }

    /// Parses one batch file; `path` names it in errors.
    public static func parse(_ bytes: [UInt8], path: String) throws -> ImageSet {
        guard !bytes.isEmpty, bytes.count % recordSize == 0 else {
            throw MinimaError.invalidFile(path: path, message:
                "size \(bytes.count) bytes is not a positive multiple of \(recordSize) (records of 1 label byte + 3072 pixel bytes); \(bytes.count / recordSize) whole records and \(bytes.count % recordSize) bytes over")
        }
        let n = bytes.count / recordSize
        let size = recordSize - 1
        try MemoryBudget.check(bytes: MemoryBudget.product(n, size + MemoryLayout<Int>.size), what: "\(path): \(n) records")
        var pixels = [UInt8](repeating: 0, count: n * size)
        var labels = [Int](repeating: 0, count: n)
        try bytes.withUnsafeBufferPointer { src in
            try pixels.withUnsafeMutableBufferPointer { dst in
                for i in 0..<n {
                    let label = Int(src[i * recordSize])
                    guard label < classNames.count else {
                        throw MinimaError.invalidFile(path: path, message: "record \(i) has label \(label), expected 0–9")
                    }
                    labels[i] = label
                    (dst.baseAddress! + i * size).update(from: src.baseAddress! + i * recordSize + 1, count: size)
                }
            }
        }
        return ImageSet(channels: 3, height: side, width: side, pixels: pixels, labels: labels, classNames: classNames)
    }

    /// The bytes of a batch file holding `images` (for tests and exports).
    public static func encode(_ images: ImageSet) -> [UInt8] {
        precondition(images.channels == 3 && images.height == side && images.width == side)
        var out: [UInt8] = []
        out.reserveCapacity(images.count * recordSize)
        for i in 0..<images.count {
            out.append(UInt8(images.labels[i]))
            out += images.pixels[(i * (recordSize - 1))..<((i + 1) * (recordSize - 1))]
        }
        return out
    }
}
