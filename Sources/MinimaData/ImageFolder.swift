import Dispatch
import Foundation
import MinimaCore

/// Image folders with one subfolder per class (the layout of torchvision's `ImageFolder`, of
/// downsampled and Tiny ImageNet copies, and of the CIFAR-10 JPEG copy once unpacked):
///
///     ROOT/train/<class>/…/*.png|*.jpg     ROOT/test/<class>/…   (test optional)
///  or ROOT/<class>/…/*.png|*.jpg           (one split)
///
/// ROOT may also be a `.tar` or `.tar.gz` archive of either layout, read without unpacking.
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

    /// The image files of each class folder under `folder`, classes in sorted order. A class
    /// folder that is a link to one already read is an error; a folder below a class reached
    /// again through a link (a cycle) is skipped, so every image is read once.
    static func classFiles(_ folder: String, visited: VisitedFolders) throws -> [(name: String, files: [String])] {
        _ = visited.insert(folder)
        let classes = try DataFolder.entries(folder).filter { DataFolder.isFolder(folder + "/" + $0) }
        guard !classes.isEmpty else {
            throw MinimaError.invalidFile(path: folder, message: "has no class subfolders (expected <class>/*.png or *.jpg)")
        }
        for name in classes where !visited.insert(folder + "/" + name) {
            throw MinimaError.invalidFile(path: folder + "/" + name, message: "is a link to a folder already read (each image is read once)")
        }
        return try classes.map { name in
            let files = try imageFiles(below: folder + "/" + name, visited: visited)
            guard !files.isEmpty else {
                throw MinimaError.invalidFile(path: folder + "/" + name, message: "class '\(name)' is empty (expected at least one .png or .jpg image)")
            }
            return (name, files)
        }
    }

    /// PNG and JPEG files at any depth below `folder`, in sorted path order; subfolders already
    /// in `visited` (reached again through a link) are skipped.
    static func imageFiles(below folder: String, visited: VisitedFolders) throws -> [String] {
        var out: [String] = []
        for entry in try DataFolder.entries(folder) {
            let path = folder + "/" + entry
            if DataFolder.isFolder(path) {
                if visited.insert(path) { out += try imageFiles(below: path, visited: visited) }
            } else if extensions.contains((entry as NSString).pathExtension.lowercased()) {
                out.append(path)
            }
        }
        return out
    }

    /// The class lists of a folder data set (see `classFiles`).
    static func folderLayout(_ root: String) throws -> (train: String, test: String?, trainClasses: ClassList, testClasses: ClassList?) {
        let (train, test) = try splitFolders(root)
        let visited = VisitedFolders()
        _ = visited.insert(root)
        let trainClasses = try classFiles(train, visited: visited)
        return (train, test, trainClasses, try test.map { try classFiles($0, visited: visited) })
    }

    /// Class folders and their image files, in class order.
    typealias ClassList = [(name: String, files: [String])]

    /// Every file a load reads (an archive is one file).
    public static func files(at root: String) throws -> [String] {
        if !DataFolder.isFolder(root) && FileManager.default.fileExists(atPath: root) { return [root] }
        let layout = try folderLayout(root)
        var all = layout.trainClasses.flatMap(\.files)
        if let test = layout.testClasses { all += test.flatMap(\.files) }
        return all
    }

    /// Reads the training split and, if present, the test split, from a folder or from a
    /// `.tar`/`.tar.gz` archive of the same layout (read without unpacking it).
    public static func load(at root: String) throws -> ImageSplits {
        if !DataFolder.isFolder(root) && FileManager.default.fileExists(atPath: root) {
            let tar = try Tar.read(root)
            let (train, test) = try archiveLayout(tar, path: root)
            let index = Dictionary(tar.entries.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
            return try assemble(train: train, test: test, trainFolder: root + ":train", testFolder: root + ":test",
                                files: [root], name: { root + ":" + $0 }, read: { name in
                                    guard let entry = index[name] else { throw MinimaError.invalidFile(path: root, message: "has no entry \(name)") }
                                    return tar.contents(entry)
                                })
        }
        let layout = try folderLayout(root)
        return try assemble(train: layout.trainClasses, test: layout.testClasses, trainFolder: layout.train, testFolder: layout.test ?? "",
                            files: nil, name: { $0 }, read: Gzip.readBytes)
    }

    /// The class lists of an archive: entries `[TOP/…/]train/<class>/…` and `test/<class>/…`, or
    /// `[TOP/…/]<class>/…`; leading folders shared by every image are skipped.
    static func archiveLayout(_ tar: Tar, path: String) throws -> (train: ClassList, test: ClassList?) {
        // (entry name, its folder components without "." and empty ones)
        var paths = tar.entries.map(\.name)
            .filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }
            .map { ($0, $0.split(separator: "/").map(String.init).filter { $0 != "." }) }
        guard !paths.isEmpty else {
            throw MinimaError.invalidFile(path: path, message: "the archive holds no .png or .jpg images (expected <class>/*.png or train/<class>/*.jpg)")
        }
        while let top = paths.first?.1.first, top != "train", top != "test",
              paths.allSatisfy({ $0.1.first == top && $0.1.count >= 3 }) {
            paths = paths.map { ($0.0, Array($0.1.dropFirst())) }
        }
        func byBytes(_ a: String, _ b: String) -> Bool { Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) }
        /// Groups entries by the folder name at `depth`.
        func classes(_ selected: [(String, [String])], depth: Int) -> ClassList {
            var byClass: [String: [String]] = [:]
            for (name, parts) in selected where parts.count > depth + 1 { byClass[parts[depth], default: []].append(name) }
            return byClass.keys.sorted(by: byBytes).map { ($0, byClass[$0]!.sorted(by: byBytes)) }
        }
        guard paths.contains(where: { $0.1.first == "train" }) else {
            guard paths.allSatisfy({ $0.1.count >= 2 }) else {
                throw MinimaError.invalidFile(path: path, message: "has images outside class folders (expected <class>/*.png or train/<class>/*.jpg)")
            }
            return (classes(paths, depth: 0), nil)
        }
        let test = classes(paths.filter { $0.1.first == "test" }, depth: 1)
        return (classes(paths.filter { $0.1.first == "train" }, depth: 1), test.isEmpty ? nil : test)
    }

    /// Labels every file by its class (test classes must be training classes), decodes them and
    /// splits the result. `name` gives a file's name for messages, `read` its bytes.
    static func assemble(train: ClassList, test: ClassList?, trainFolder: String, testFolder: String, files: [String]?,
                         name: @escaping @Sendable (String) -> String,
                         read: @escaping @Sendable (String) throws -> [UInt8]) throws -> ImageSplits {
        let names = train.map(\.name)
        guard train.contains(where: { !$0.files.isEmpty }) else {
            throw MinimaError.invalidFile(path: trainFolder, message: "holds no images (expected one folder of images per class)")
        }
        var listed = train.flatMap { c in c.files.map { ($0, names.firstIndex(of: c.name)!) } }
        let trainCount = listed.count
        for c in test ?? [] {
            guard let index = names.firstIndex(of: c.name) else {
                throw MinimaError.invalidFile(path: testFolder + "/" + c.name, message:
                    "class '\(c.name)' has no folder in \(trainFolder) (expected the training classes \(names.joined(separator: ", ")))")
            }
            listed += c.files.map { ($0, index) }
        }
        let paths = listed.map(\.0)
        let images = try decodeAll(count: paths.count, name: { name(paths[$0]) }, read: { try read(paths[$0]) })
        let all = ImageSet(channels: images.channels, height: images.height, width: images.width,
                           pixels: images.pixels, labels: listed.map(\.1), classNames: names)
        let trainSet = all.selecting(Array(0..<trainCount))
        let testSet = test == nil ? nil : all.selecting(Array(trainCount..<listed.count))
        return ImageSplits(train: trainSet, test: testSet, files: files ?? paths)
    }

    /// Decodes every image (by `workers` workers, default one per core) into one planar byte
    /// array; all must share one size.
    static func decodeAll(count: Int, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                          name: @escaping @Sendable (Int) -> String,
                          read: @escaping @Sendable (Int) throws -> [UInt8]) throws -> (channels: Int, height: Int, width: Int, pixels: [UInt8]) {
        let first = try ImageDecoder.decode(read(0), path: name(0))
        let channels = first.channels
        let size = channels * first.height * first.width
        try MemoryBudget.check(bytes: MemoryBudget.product(count, size),
                               what: "\(count) images of \(first.width)×\(first.height)×\(channels) like \(name(0))")
        var pixels = [UInt8](repeating: 0, count: count * size)
        let failures = FailureBox()
        pixels.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            WorkSplit.perform(count: count, workers: workers) { _, share in
                for i in share {
                    do {
                        let image = try ImageDecoder.decode(read(i), path: name(i), channels: channels)
                        guard image.height == first.height, image.width == first.width else {
                            throw MinimaError.invalidFile(path: name(i), message:
                                "image is \(image.width)×\(image.height), expected \(first.width)×\(first.height) like \(name(0)) (all images of a data set must share one size)")
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

/// Folders already read in one load, by device and inode, so that a folder reached again
/// through a link (a cycle, or two links to one folder) is read once.
final class VisitedFolders {
    private var seen: Set<[UInt64]> = []

    /// Records the folder at `path`; false if it was already recorded or cannot be examined.
    func insert(_ path: String) -> Bool {
        var status = stat()
        guard stat(path, &status) == 0 else { return false }
        return seen.insert([UInt64(status.st_dev), UInt64(status.st_ino)]).inserted
    }
}

/// The first error (lowest index) thrown by parallel workers.
final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var failure: (index: Int, error: Error)?
    package func record(index: Int, _ error: Error) {
        lock.lock(); defer { lock.unlock() }
        if failure == nil || index < failure!.index { failure = (index, error) }
    }
    package var first: Error? { lock.lock(); defer { lock.unlock() }; return failure?.error }
}
