import Dispatch
import Foundation

/// Image folders with one subfolder per class (the layout of torchvision's `ImageFolder`, of
/// downsampled and Tiny ImageNet copies, and of the CIFAR-10 JPEG copy once unpacked):
///
///     ROOT/train/<class>/…/*.png|*.jpg     ROOT/test/<class>/…   (test optional)
///  or ROOT/<class>/…/*.png|*.jpg           (one split)
///
/// Classes are the subfolder names sorted by bytes, numbered from 0 (so CIFAR-10's names come
/// out in CIFAR-10's own order). Image files are found at any depth below a class folder and
/// read in sorted path order. All images must have the same size. The channel count follows
/// the first image (grey: 1, colour: 3, alpha dropped); every other image is converted to it.
public enum ImageFolder {
    static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    /// The folders holding the training and test class folders.
    static func splitFolders(_ root: String) throws -> (train: String, test: String?) {
        try DataFolder.requireFolder(root, what: "a folder of class subfolders, or train/ and test/ folders of them")
        let train = root + "/train"
        guard DataFolder.isFolder(train) else { return (root, nil) }
        let test = root + "/test"
        return (train, DataFolder.isFolder(test) ? test : nil)
    }

    /// The image files of each class folder under `folder`, classes in sorted order.
    static func classFiles(_ folder: String) throws -> [(name: String, files: [String])] {
        let classes = try DataFolder.entries(folder).filter { DataFolder.isFolder(folder + "/" + $0) }
        guard !classes.isEmpty else {
            throw MinimaError.invalidFile(path: folder, message: "has no class subfolders (expected <class>/*.png or *.jpg)")
        }
        return try classes.map { name in
            let files = try imageFiles(below: folder + "/" + name)
            guard !files.isEmpty else {
                throw MinimaError.invalidFile(path: folder + "/" + name, message: "class '\(name)' is empty (expected at least one .png or .jpg image)")
            }
            return (name, files)
        }
    }

    /// PNG and JPEG files at any depth below `folder`, in sorted path order.
    static func imageFiles(below folder: String) throws -> [String] {
        var out: [String] = []
        for entry in try DataFolder.entries(folder) {
            let path = folder + "/" + entry
            if DataFolder.isFolder(path) {
                out += try imageFiles(below: path)
            } else if extensions.contains((entry as NSString).pathExtension.lowercased()) {
                out.append(path)
            }
        }
        return out
    }

    /// Every image file a load reads.
    public static func files(at root: String) throws -> [String] {
        let (train, test) = try splitFolders(root)
        var all = try classFiles(train).flatMap(\.files)
        if let test { all += try classFiles(test).flatMap(\.files) }
        return all
    }

    /// Reads the training split and, if present, the test split.
    public static func load(at root: String) throws -> ImageSplits {
        let (trainFolder, testFolder) = try splitFolders(root)
        let trainClasses = try classFiles(trainFolder)
        let names = trainClasses.map(\.name)
        var listed = trainClasses.flatMap { c in c.files.map { ($0, names.firstIndex(of: c.name)!) } }
        let trainCount = listed.count
        if let testFolder {
            for c in try classFiles(testFolder) {
                guard let index = names.firstIndex(of: c.name) else {
                    throw MinimaError.invalidFile(path: testFolder + "/" + c.name, message:
                        "class '\(c.name)' has no folder in \(trainFolder) (expected the training classes \(names.joined(separator: ", ")))")
                }
                listed += c.files.map { ($0, index) }
            }
        }
        let images = try decodeAll(listed.map(\.0))
        let all = ImageSet(channels: images.channels, height: images.height, width: images.width,
                           pixels: images.pixels, labels: listed.map(\.1), classNames: names)
        let train = all.selecting(Array(0..<trainCount))
        let test = testFolder == nil ? nil : all.selecting(Array(trainCount..<listed.count))
        return ImageSplits(train: train, test: test, files: listed.map(\.0))
    }

    /// Decodes every file (on all cores) into one planar byte array; all must share one size.
    static func decodeAll(_ paths: [String]) throws -> (channels: Int, height: Int, width: Int, pixels: [UInt8]) {
        let first = try ImageDecoder.decode(Gzip.readBytes(paths[0]), path: paths[0])
        let channels = first.channels
        let size = channels * first.height * first.width
        var pixels = [UInt8](repeating: 0, count: paths.count * size)
        let failures = FailureBox()
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let chunk = (paths.count + workers - 1) / workers
        pixels.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                for i in (w * chunk)..<min(paths.count, (w + 1) * chunk) {
                    do {
                        let image = try ImageDecoder.decode(Gzip.readBytes(paths[i]), path: paths[i], channels: channels)
                        guard image.height == first.height, image.width == first.width else {
                            throw MinimaError.invalidFile(path: paths[i], message:
                                "image is \(image.width)×\(image.height), expected \(first.width)×\(first.height) like \(paths[0]) (all images of a data set must share one size)")
                        }
                        image.pixels.withUnsafeBufferPointer { src in
                            (out.baseAddress! + i * size).update(from: src.baseAddress!, count: size)
                        }
                    } catch {
                        failures.record(index: i, error)
                        return
                    }
                }
            }
        }
        if let error = failures.first { throw error }
        return (channels, first.height, first.width, pixels)
    }
}

/// The first error (lowest index) thrown by parallel workers.
final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var failure: (index: Int, error: Error)?
    func record(index: Int, _ error: Error) {
        lock.lock(); defer { lock.unlock() }
        if failure == nil || index < failure!.index { failure = (index, error) }
    }
    var first: Error? { lock.lock(); defer { lock.unlock() }; return failure?.error }
}
