import Foundation
import MinimaCore

/// MNIST and Fashion-MNIST in their distribution format: a folder holding the four IDX files
/// `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
/// `t10k-labels-idx1-ubyte`, each raw or gzipped (`.gz`); 28×28 grey images, classes 0–9.
public enum MNIST {
    /// Class names: the digits for MNIST, the garment names for Fashion-MNIST.
    public static let digitNames = (0..<10).map(String.init)
    public static let fashionNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    /// The four files in `folder` (images, labels for train; images, labels for test).
    public static func files(in folder: String) throws -> (trainImages: String, trainLabels: String,
                                                            testImages: String, testLabels: String) {
        try DataFolder.requireFolder(folder, what: "an MNIST folder with the four IDX files")
        func find(_ stem: String, _ kind: String) throws -> String {
            // The official names, and the "train-images.idx3-ubyte" spelling of some mirrors.
            let dotted = stem.replacingOccurrences(of: "-idx", with: ".idx")
            for name in [stem, stem + ".gz", dotted, dotted + ".gz"] {
                let path = folder + "/" + name
                if FileManager.default.fileExists(atPath: path) { return path }
            }
            throw MinimaError.invalidFile(path: folder, message: "has no \(kind) file (expected \(stem) or \(stem).gz)")
        }
        return (try find("train-images-idx3-ubyte", "training-image"), try find("train-labels-idx1-ubyte", "training-label"),
                try find("t10k-images-idx3-ubyte", "test-image"), try find("t10k-labels-idx1-ubyte", "test-label"))
    }

    /// Reads both splits from `folder`.
    public static func load(folder: String, classNames: [String] = digitNames) throws -> ImageSplits {
        let f = try files(in: folder)
        let train = try split(images: f.trainImages, labels: f.trainLabels, classNames: classNames)
        let test = try split(images: f.testImages, labels: f.testLabels, classNames: classNames)
        guard test.height == train.height, test.width == train.width else {
            throw MinimaError.mismatch("\(f.testImages) holds \(test.height)×\(test.width) images but \(f.trainImages) holds \(train.height)×\(train.width)")
        }
        return ImageSplits(train: train, test: test,
                           files: [f.trainImages, f.trainLabels, f.testImages, f.testLabels])
    }

    /// One split from its image file (N×rows×columns) and label file (N), checked against each other.
    public static func split(images imagePath: String, labels labelPath: String,
                             classNames: [String] = digitNames) throws -> ImageSet {
        let images = try IDX.read(imagePath, dimensions: 3)
        let labels = try IDX.read(labelPath, dimensions: 1)
        return try split(images: images, imagePath: imagePath, labels: labels, labelPath: labelPath, classNames: classNames)
    }

    /// One split from parsed IDX arrays (`imagePath`, `labelPath` name them in errors).
    public static func split(images: IDX.Array, imagePath: String, labels: IDX.Array, labelPath: String,
                             classNames: [String] = digitNames) throws -> ImageSet {
        let n = images.shape[0]
        guard labels.shape[0] == n else {
            throw MinimaError.mismatch("\(imagePath) holds \(n) images but \(labelPath) holds \(labels.shape[0]) labels (expected the same count)")
        }
        guard n > 0, images.shape[1] > 0, images.shape[2] > 0 else {
            throw MinimaError.invalidFile(path: imagePath, message: "holds no pixels (sizes \(images.shape))")
        }
        if let bad = labels.bytes.firstIndex(where: { Int($0) >= classNames.count }) {
            throw MinimaError.invalidFile(path: labelPath, message: "record \(bad) has label \(labels.bytes[bad]), expected 0–\(classNames.count - 1)")
        }
        return ImageSet(channels: 1, height: images.shape[1], width: images.shape[2], pixels: images.bytes,
                        labels: labels.bytes.map { Int($0) }, classNames: classNames)
    }
}

/// Small checks on user-given paths shared by the loaders.
package enum DataFolder {
    /// Throws unless `path` is an existing folder.
    static func requireFolder(_ path: String, what: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw MinimaError.invalidFile(path: path, message: "no such folder (expected \(what))")
        }
        guard isDirectory.boolValue else {
            throw MinimaError.invalidFile(path: path, message: "is a file, expected a folder (\(what))")
        }
    }

    /// Whether `path` is a folder.
    package static func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Non-hidden entries of a folder, sorted by name (byte order, so the same on every system).
    package static func entries(_ path: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: path)
                .filter { !$0.hasPrefix(".") }
                .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        } catch {
            throw MinimaError.invalidFile(path: path, message: "cannot list the folder (\(error.localizedDescription))")
        }
    }
}
