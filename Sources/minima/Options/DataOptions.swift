import ArgumentParser
import Minima

/// `--labels`: a label coding, random labels (coded ±1), or real-valued targets.
enum LabelChoice: String, ExpressibleByArgument, CaseIterable {
    case pm1, zeroOne = "01", random, real
}

/// The flags that say which data set to use; shared by every command that reads data.
///
/// One policy for every command: `--x`/`--y` select `.npy` data by themselves (no `--dataset`
/// needed); a flag that does not apply to the chosen source is an error naming both flags.
struct DataOptions: ParsableArguments {
    @Option(help: "Data source: gaussian (X ~ N(0, I), random ±1 labels; the default), teacher (labels from a random teacher network), npy (--x and --y; implied by them), mnist, fashion-mnist (folders of the four IDX files, raw or .gz), cifar10 (cifar-10-batches-bin folder or cifar-10-binary.tar.gz), images (class subfolders of PNG/JPEG files, optionally under train/ and test/; a folder or a .tar/.tar.gz of one); the last four need --data. A flag that does not apply to the source is an error.")
    var dataset: DataSource?

    @Option(help: "Number of samples N (gaussian, teacher; default 400).")
    var n: Int?

    @Option(help: "Input dimension d0 (gaussian, teacher; default 20).")
    var d0: Int?

    @Option(help: "Width of the teacher network that labels the data (teacher; default 4).")
    var teacherWidth: Int?

    @Option(help: "X.npy: N×d0 inputs, float32 or float64, C order (npy; --x and --y alone select npy); or data.npz (np.savez/np.savez_compressed: its arrays X and y, so --y is not needed), or data.npz:NAME for another array.")
    var x: String?

    @Option(help: "y.npy: N labels (npy); or data.npz (its array y) or data.npz:NAME. Not needed when --x is an .npz archive holding y.")
    var y: String?

    @Option(name: .customLong("data"), help: ArgumentHelp("Folder or archive of an image data set (mnist, fashion-mnist, cifar10, images; give --dataset too).", valueName: "PATH"))
    var dataPath: String?

    @Option(help: ArgumentHelp("Binary task (image data sets): NEG:POS groups of class indices, ranges or names (0-4:5-9, 1,3,5:0,2, cat:dog, 3:rest), one class K against the rest (K), parity (even → −1, odd → +1) or halves (default: first half of the classes → −1).", valueName: "spec"))
    var classes: String?

    @Option(help: "Labels: pm1 (−1/+1, threshold 0; the default), 01 (0/1, threshold ½), random (±1 with probability ½ each, drawn from --data-seed: memorisation on real inputs), or real (real-valued targets, a regression: y.npy as given, any finite numbers; gaussian: y ~ N(0, 1); teacher: the teacher's output f*(x). MSE only: MCE, errors and margins are reported as — (null in JSON), and what needs a threshold is refused; not for image data sets).")
    var labels: LabelChoice?

    @Flag(help: "Append the test split to the training set (image data sets; the paper's MNIST row: N = 70,000).")
    var mergeTest: Bool = false

    @Option(help: "Keep a random subset of N samples (seeded by --data-seed).")
    var limit: Int?

    @Option(help: "Pixel scale (image data sets): unit (bytes/255, pixels in [0, 1]; the default) or raw (0…255).")
    var scale: Preprocessing.PixelScale?

    @Option(help: "Average-pool each channel over K×K blocks (image data sets; 2 halves height and width; a last odd row or column is dropped).")
    var pool: Int?

    @Flag(help: "Subtract each feature's mean.")
    var center: Bool = false

    @Flag(help: "Subtract each feature's mean and divide by its standard deviation.")
    var standardize: Bool = false

    @Flag(help: "ZCA-whiten: X ← X·U·diag(1/√(λ+ε))·Uᵀ from the covariance's eigen-decomposition.")
    var zca: Bool = false

    @Option(help: "ZCA regulariser ε added to the covariance eigenvalues (with --zca; default 1e-5; pixels in [0, 1]: 1e-5 whitens nearly fully; larger ε damps low-variance directions).")
    var zcaEps: Double?

    @Option(help: ArgumentHelp("Seeded Gaussian random projection of the inputs to D features (sets d0).", valueName: "D"))
    var project: Int?

    @Option(help: ArgumentHelp("Cache folder of preprocessed image data sets (default: $MINIMA_CACHE, else $XDG_CACHE_HOME/minima, else ~/.cache/minima).", valueName: "DIR"))
    var cacheDir: String?

    @Flag(help: "Neither read nor write the cache of preprocessed image data sets.")
    var noCache: Bool = false

    @Option(help: "Seed of the synthetic data, --limit's subset, random labels and --project (default: --seed).")
    var dataSeed: UInt64?

    /// The source: `--dataset`, else npy when `--x` or `--y` is given, else gaussian.
    var source: DataSource { dataset ?? (x != nil || y != nil ? .npy : .gaussian) }

    /// The data flags given on the command line, by name.
    var given: [String] {
        let flags: [(Bool, String)] = [
            (dataset != nil, "--dataset"), (n != nil, "--n"), (d0 != nil, "--d0"), (teacherWidth != nil, "--teacher-width"),
            (x != nil, "--x"), (y != nil, "--y"), (dataPath != nil, "--data"), (classes != nil, "--classes"),
            (labels != nil, "--labels"), (mergeTest, "--merge-test"), (limit != nil, "--limit"), (scale != nil, "--scale"),
            (pool != nil, "--pool"), (center, "--center"), (standardize, "--standardize"), (zca, "--zca"),
            (zcaEps != nil, "--zca-eps"), (project != nil, "--project"), (cacheDir != nil, "--cache-dir"),
            (noCache, "--no-cache"), (dataSeed != nil, "--data-seed"),
        ]
        return flags.filter(\.0).map(\.1)
    }

    /// Refuses flags that do not apply to the source, naming the flag and the source, and sizes
    /// that cannot be right whatever the data.
    func validate() throws {
        let source = self.source
        let shown = dataset != nil ? "--dataset \(source.rawValue)" : (source == .npy ? "--x/--y (npy data)" : "the default --dataset gaussian")
        func refuse(_ flag: String, _ why: String) throws -> Never {
            throw MinimaError.invalidOption(flag: flag, message: "does not apply to \(shown): \(why)")
        }
        if !source.isSynthetic {
            if n != nil { try refuse("--n", source == .npy ? "N is the number of rows of X.npy (use --limit for a subset)" : "N comes from the data set (use --limit for a subset)") }
            if d0 != nil { try refuse("--d0", "d0 comes from the data (use --project D to change it)") }
        }
        if teacherWidth != nil && source != .teacher { try refuse("--teacher-width", "it is the width of --dataset teacher's labelling network") }
        if source != .npy {
            if x != nil { try refuse("--x", "X.npy is read by --dataset npy (or by --x and --y alone)") }
            if y != nil { try refuse("--y", "y.npy is read by --dataset npy (or by --x and --y alone)") }
        }
        if !source.isImageSource {
            let imageOnly: [(Bool, String)] = [(dataPath != nil, "--data"), (classes != nil, "--classes"), (mergeTest, "--merge-test"),
                                               (scale != nil, "--scale"), (pool != nil, "--pool"), (cacheDir != nil, "--cache-dir"),
                                               (noCache, "--no-cache")]
            if let (_, flag) = imageOnly.first(where: \.0) {
                let hint = flag == "--data" && dataset == nil ? "give --dataset mnist, fashion-mnist, cifar10 or images to say what PATH holds" : "it applies to image data sets (mnist, fashion-mnist, cifar10, images)"
                try refuse(flag, hint)
            }
        }
        if zcaEps != nil && !zca {
            throw MinimaError.invalidOption(flag: "--zca-eps", message: "applies with --zca (ZCA whitening), which is not given")
        }
        if dataSeed != nil && !source.isSynthetic && limit == nil && labels != .random && project == nil {
            try refuse("--data-seed", "this data set has nothing random (it seeds synthetic data, --limit, --labels random and --project)")
        }
        if let n, n <= 0 { throw MinimaError.invalidOption(flag: "--n", message: "must be positive, got \(n)") }
        if let d0, d0 <= 0 { throw MinimaError.invalidOption(flag: "--d0", message: "must be positive, got \(d0)") }
        if let pool, pool < 1 { throw MinimaError.invalidOption(flag: "--pool", message: "must be ≥ 1 (2 = 2×2 average pooling), got \(pool)") }
        if source.isSynthetic {
            let n = self.n ?? 400, d0 = self.d0 ?? 20
            // X (N×d0) is generated in Float64 before anything else.
            try MemoryBudget.check(elements: MemoryBudget.product(n, d0), of: 8, what: "--n \(n) --d0 \(d0) (X in Float64)")
        }
        if let limit, limit <= 0 { throw MinimaError.invalidOption(flag: "--limit", message: "must be positive, got \(limit)") }
        if let project, project <= 0 { throw MinimaError.invalidOption(flag: "--project", message: "must be a positive dimension d0, got \(project)") }
    }

    /// The data set these flags describe (`validate()` has run).
    func spec(seed: UInt64) -> DataSpec {
        var s = DataSpec()
        s.source = source
        if source.isSynthetic { s.n = n ?? 400; s.d0 = d0 ?? 20 }
        if source == .teacher { s.teacherWidth = teacherWidth ?? 4 }
        if source == .npy { s.x = x; s.y = y }
        if source.isImageSource { s.path = dataPath }
        let labels = self.labels ?? .pm1
        s.labels = labels == .zeroOne ? .zeroOne : (labels == .real ? .real : .plusMinusOne)
        s.randomLabels = labels == .random
        s.classes = classes
        s.mergeTest = mergeTest
        s.limit = limit
        s.preprocessing.scale = scale ?? .unit
        s.preprocessing.pool = pool ?? 1
        s.preprocessing.center = center
        s.preprocessing.standardize = standardize
        s.preprocessing.zca = zca
        s.preprocessing.zcaEpsilon = zcaEps ?? 1e-5
        s.preprocessing.project = project
        s.cache = !noCache
        s.cacheDirectory = cacheDir
        s.seed = dataSeed ?? seed
        return s
    }

    /// The inputs' dimension when the flags decide it (synthetic data, or `--project`).
    var declaredD0: Int? { project ?? (source.isSynthetic ? d0 ?? 20 : nil) }
    /// The flags that decide N and d0, for messages about sizes.
    var sizeFlags: [String] {
        (source.isSynthetic ? ["--n", "--d0"] : ["the data"]) + (limit != nil ? ["--limit"] : []) + (project != nil ? ["--project"] : [])
    }
    /// The number of samples when the flags decide it.
    var declaredN: Int? { limit ?? (source.isSynthetic ? n ?? 400 : nil) }
}

extension DataSource: ExpressibleByArgument {}
extension LabelCoding: ExpressibleByArgument {}
extension Precision: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
extension Preprocessing.PixelScale: ExpressibleByArgument {}
