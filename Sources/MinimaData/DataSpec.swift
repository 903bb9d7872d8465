import Foundation
import Linalg
import MinimaCore

/// Where a data set comes from.
public enum DataSource: String, Codable, Sendable, CaseIterable {
    /// `X ∼ N(0, I)`, random labels (the paper's Figure 1 setting).
    case gaussian
    /// `X ∼ N(0, I)`, labels from a random teacher network (assumption A5).
    case teacher
    /// `X.npy` and `y.npy` given by the user, or arrays of an `.npz` archive.
    case npy
    /// MNIST: the four IDX files (raw or `.gz`) in the folder `path`.
    case mnist
    /// Fashion-MNIST: the same layout as MNIST.
    case fashionMNIST = "fashion-mnist"
    /// CIFAR-10 binary version: `cifar-10-batches-bin` or `cifar-10-binary.tar.gz` at `path`.
    case cifar10
    /// A folder of PNG/JPEG images, one subfolder per class (optionally under train/ and test/).
    case images

    /// Sources whose inputs are generated from `n`, `d0` and the seed.
    public var isSynthetic: Bool { self == .gaussian || self == .teacher }
    /// Sources read as labelled images (classes, pixels, splits).
    public var isImageSource: Bool { self == .mnist || self == .fashionMNIST || self == .cifar10 || self == .images }
}

/// A data set described by values, so that a run record says exactly how to rebuild it.
public struct DataSpec: Codable, Equatable, Sendable {
    public var source: DataSource = .gaussian
    /// Samples N (synthetic sources).
    public var n: Int? = nil
    /// Input dimension d0 (synthetic sources).
    public var d0: Int? = nil
    /// Teacher width d1* (teacher source).
    public var teacherWidth: Int? = nil
    /// Paths of X.npy (N×d0) and y.npy (npy source), or `.npz` arrays (`data.npz`, `data.npz:NAME`;
    /// no `y`: the array `y` of the archive `x` names).
    public var x: String? = nil
    public var y: String? = nil
    /// How the targets are coded: two classes (pm1, 01) or real numbers (real).
    public var labels: LabelCoding = .plusMinusOne
    /// Seed of the synthetic inputs, labels and teacher; of `limit`'s subset, random labels and
    /// the random projection for the other sources.
    public var seed: UInt64 = 0
    /// Folder or archive of an image source (`--data`).
    public var path: String? = nil
    /// The binary task (`ClassSplit` syntax); nil: `halves`, or every class with `randomLabels`.
    public var classes: String? = nil
    /// Labels drawn at random (±1 with probability ½) instead of from the classes: the
    /// memorisation setting on real inputs.
    public var randomLabels: Bool = false
    /// Append the test split to the training set (the paper's MNIST row, N = 70,000).
    public var mergeTest: Bool = false
    /// Keep a seeded random subset of this many samples.
    public var limit: Int? = nil
    public var preprocessing = Preprocessing()
    /// Whether preprocessed image data sets are cached, and where (nil: the default location).
    public var cache: Bool = true
    public var cacheDirectory: String? = nil

    public init() {}

    /// Checks that the fields the source needs are present and sensible.
    public func validate() throws {
        switch source {
        case .gaussian, .teacher:
            guard let n else { throw MinimaError.invalidValue(field: .dataN, message: "is required for --dataset \(source.rawValue)") }
            guard n > 0 else { throw MinimaError.invalidValue(field: .dataN, message: "must be positive, got \(n)") }
            guard let d0 else { throw MinimaError.invalidValue(field: .dataD0, message: "is required for --dataset \(source.rawValue)") }
            guard d0 > 0 else { throw MinimaError.invalidValue(field: .dataD0, message: "must be positive, got \(d0)") }
            if source == .teacher {
                guard let w = teacherWidth, w > 0 else {
                    throw MinimaError.invalidValue(field: .teacherWidth, message: "must be a positive width for --dataset teacher")
                }
            }
        case .npy:
            guard x != nil else { throw MinimaError.invalidValue(field: .dataX, message: "is required for --dataset npy (X.npy, N×d0)") }
            guard y != nil || Npz.location(x!) != nil else {
                throw MinimaError.invalidValue(field: .dataY, message: "is required for --dataset npy when X is a .npy file (y.npy, N entries; an .npz archive holding X and y needs no y)")
            }
        case .mnist, .fashionMNIST, .cifar10, .images:
            guard path != nil else {
                throw MinimaError.invalidValue(field: .dataPath, message: "is required for --dataset \(source.rawValue) (the folder or archive holding it)")
            }
        }
        if !source.isImageSource {
            let imageOnly: [(Bool, InputField)] = [(classes != nil, .classes), (mergeTest, .mergeTest),
                                                   (preprocessing.pool != 1, .pool), (preprocessing.scale != .unit, .scale)]
            if let (_, field) = imageOnly.first(where: { $0.0 }) {
                throw MinimaError.invalidValue(field: field, message: "applies to image data sets (mnist, fashion-mnist, cifar10, images), not --dataset \(source.rawValue)")
            }
        }
        if labels == .real {
            if source.isImageSource {
                throw MinimaError.invalidValue(field: .labels, message: "real does not apply to --dataset \(source.rawValue): image data sets have classes, not real-valued targets (give real targets as --x/--y .npy data)")
            }
            if randomLabels {
                throw MinimaError.invalidValue(field: .labels, message: "real targets cannot also be random ±1 labels (data.randomLabels)")
            }
        }
        if let limit, limit <= 0 { throw MinimaError.invalidValue(field: .limit, message: "must be positive, got \(limit)") }
        try preprocessing.validate()
    }

    /// Builds or reads the data set in precision `Scalar`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func load<Scalar: LinalgScalar>(as: Scalar.Type = Scalar.self) throws -> Dataset<Scalar> {
        try loadWithReport(as: Scalar.self).data
    }

    /// Builds or reads the data set, with what was found and how long each step took. Image
    /// sources go through the cache unless `cache` is false.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func loadWithReport<Scalar: LinalgScalar>(as: Scalar.Type = Scalar.self) throws -> (data: Dataset<Scalar>, report: DataReport) {
        try validate()
        guard source.isImageSource else {
            var report = DataReport()
            var data: Dataset<Scalar> = try Timed.run("read", into: &report) {
                switch source {
                case .gaussian: return SyntheticData.gaussian(n: n!, d0: d0!, seed: seed, coding: labels)
                case .teacher: return SyntheticData.teacher(n: n!, d0: d0!, width: teacherWidth!, slope: 0, seed: seed, coding: labels)
                default: return try Dataset.load(x: x!, y: y, coding: labels)
                }
            }
            if let limit { data = try BinaryTask.subset(data, limit: limit, seed: seed) }
            if randomLabels, let classes = labels.classes { data.y = BinaryTask.randomLabels(count: data.n, classes: classes, seed: seed) }
            try BinaryTask.transformFeatures(&data.x, preprocessing, seed: seed, report: &report)
            report.name = data.name
            BinaryTask.summarise(data, into: &report)
            return (data, report)
        }
        let files = try sourceFiles()
        let store = DatasetCache(folder: cacheDirectory)
        var key: String? = nil
        var missReason = ""
        if cache {
            key = try DatasetCache.key(spec: self, files: files, as: Scalar.self)
            let start = Date()
            switch store.read(key: key!, coding: labels, as: Scalar.self) {
            case .success(let (data, stored)):
                var report = stored
                report.steps = [DataReport.Step(name: "cache read", seconds: Date().timeIntervalSince(start), note: "built earlier: " +
                    stored.steps.map { String(format: "%@ %.2f s", $0.name, $0.seconds) }.joined(separator: ", "))]
                report.cache = "hit \(store.path(forKey: key!))"
                return (data, report)
            case .failure(.absent): missReason = ""
            case .failure(.stale(let why)): missReason = " (replaced a stale entry: \(why))"
            }
        }
        var (data, report): (Dataset<Scalar>, DataReport) = try BinaryTask.build(self)
        if let key {
            let path = store.path(forKey: key)
            let start = Date()
            report.cache = "written \(path)" + missReason
            do {
                try store.write(data, report: report, key: key)
                report.steps.append(DataReport.Step(name: "cache write", seconds: Date().timeIntervalSince(start)))
            } catch {
                report.cache = "not written (\(error))"
            }
        }
        data.name = report.name
        return (data, report)
    }

    /// The files an image source reads (their sizes and dates key the cache).
    public func sourceFiles() throws -> [String] {
        switch source {
        case .mnist, .fashionMNIST:
            let f = try MNIST.files(in: path!)
            return [f.trainImages, f.trainLabels, f.testImages, f.testLabels]
        case .cifar10: return try CIFAR10.files(at: path!)
        case .images: return try ImageFolder.files(at: path!)
        default: return [x, y].compactMap { $0 }
        }
    }

    /// Reads the image source's splits.
    func readSplits() throws -> ImageSplits {
        switch source {
        case .mnist: return try MNIST.load(folder: path!)
        case .fashionMNIST: return try MNIST.load(folder: path!, classNames: MNIST.fashionNames)
        case .cifar10: return try CIFAR10.load(at: path!)
        case .images: return try ImageFolder.load(at: path!)
        default: preconditionFailure("\(source) is not an image source")
        }
    }

    private enum CodingKeys: String, CodingKey {
        case source, n, d0, teacherWidth, x, y, labels, seed, path, classes, randomLabels, mergeTest, limit,
             preprocessing, cache, cacheDirectory
    }

    /// Decodes a spec; missing fields take their defaults, so hand-written and older specs load.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        source = try c.decodeIfPresent(DataSource.self, forKey: .source) ?? .gaussian
        n = try c.decodeIfPresent(Int.self, forKey: .n)
        d0 = try c.decodeIfPresent(Int.self, forKey: .d0)
        teacherWidth = try c.decodeIfPresent(Int.self, forKey: .teacherWidth)
        x = try c.decodeIfPresent(String.self, forKey: .x)
        y = try c.decodeIfPresent(String.self, forKey: .y)
        labels = try c.decodeIfPresent(LabelCoding.self, forKey: .labels) ?? .plusMinusOne
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 0
        path = try c.decodeIfPresent(String.self, forKey: .path)
        classes = try c.decodeIfPresent(String.self, forKey: .classes)
        randomLabels = try c.decodeIfPresent(Bool.self, forKey: .randomLabels) ?? false
        mergeTest = try c.decodeIfPresent(Bool.self, forKey: .mergeTest) ?? false
        limit = try c.decodeIfPresent(Int.self, forKey: .limit)
        preprocessing = try c.decodeIfPresent(Preprocessing.self, forKey: .preprocessing) ?? Preprocessing()
        cache = try c.decodeIfPresent(Bool.self, forKey: .cache) ?? true
        cacheDirectory = try c.decodeIfPresent(String.self, forKey: .cacheDirectory)
    }
}

/// Runs a step and records its wall time in a report.
enum Timed {
    @discardableResult
    package static func run<T>(_ name: String, note: String = "", into report: inout DataReport, _ body: () throws -> T) rethrows -> T {
        let start = Date()
        let value = try body()
        report.steps.append(DataReport.Step(name: name, seconds: Date().timeIntervalSince(start), note: note))
        return value
    }
}
