import ArgumentParser
import Minima

/// `--labels`: a label coding, or random labels (coded ±1).
enum LabelChoice: String, ExpressibleByArgument, CaseIterable {
    case pm1, zeroOne = "01", random
}

/// The flags that say which data set to use; shared by every command that reads data.
struct DataOptions: ParsableArguments {
    @Option(help: "Data source: gaussian (X ~ N(0, I), random ±1 labels), teacher (labels from a random teacher network), npy (--x and --y), mnist, fashion-mnist (folders of the four IDX files, raw or .gz), cifar10 (cifar-10-batches-bin folder or cifar-10-binary.tar.gz), images (class subfolders of PNG/JPEG files, optionally under train/ and test/; a folder or a .tar/.tar.gz of one); the last four need --data.")
    var dataset: DataSource = .gaussian

    @Option(help: "Number of samples N (gaussian, teacher).")
    var n: Int = 400

    @Option(help: "Input dimension d0 (gaussian, teacher).")
    var d0: Int = 20

    @Option(help: "Width of the teacher network that labels the data (teacher).")
    var teacherWidth: Int = 4

    @Option(help: "X.npy: N×d0 inputs, float32 or float64, C order (npy).")
    var x: String?

    @Option(help: "y.npy: N labels (npy).")
    var y: String?

    @Option(name: .customLong("data"), help: ArgumentHelp("Folder or archive of an image data set (mnist, fashion-mnist, cifar10, images).", valueName: "PATH"))
    var dataPath: String?

    @Option(help: ArgumentHelp("Binary task: NEG:POS groups of class indices, ranges or names (0-4:5-9, 1,3,5:0,2, cat:dog, 3:rest), one class K against the rest (K), parity (even → −1, odd → +1) or halves (default: first half of the classes → −1).", valueName: "spec"))
    var classes: String?

    @Option(help: "Labels: pm1 (−1/+1, threshold 0), 01 (0/1, threshold ½), or random (±1 with probability ½ each, drawn from --data-seed: memorisation on real inputs).")
    var labels: LabelChoice = .pm1

    @Flag(help: "Append the test split to the training set (the paper's MNIST row: N = 70,000).")
    var mergeTest: Bool = false

    @Option(help: "Keep a random subset of N samples (seeded by --data-seed).")
    var limit: Int?

    @Option(help: "Pixel scale: unit (bytes/255, pixels in [0, 1]) or raw (0…255).")
    var scale: Preprocessing.PixelScale = .unit

    @Option(help: "Average-pool each channel over K×K blocks (2 halves height and width; a last odd row or column is dropped).")
    var pool: Int = 1

    @Flag(help: "Subtract each feature's mean.")
    var center: Bool = false

    @Flag(help: "Subtract each feature's mean and divide by its standard deviation.")
    var standardize: Bool = false

    @Flag(help: "ZCA-whiten: X ← X·U·diag(1/√(λ+ε))·Uᵀ from the covariance's eigen-decomposition.")
    var zca: Bool = false

    @Option(help: "ZCA regulariser ε added to the covariance eigenvalues (pixels in [0, 1]: 1e-5 whitens nearly fully; larger ε damps low-variance directions).")
    var zcaEps: Double = 1e-5

    @Option(help: ArgumentHelp("Seeded Gaussian random projection of the inputs to D features (sets d0).", valueName: "D"))
    var project: Int?

    @Option(help: ArgumentHelp("Cache folder of preprocessed image data sets (default: $MINIMA_CACHE, else $XDG_CACHE_HOME/minima, else ~/.cache/minima).", valueName: "DIR"))
    var cacheDir: String?

    @Flag(help: "Neither read nor write the cache of preprocessed data sets.")
    var noCache: Bool = false

    @Option(help: "Seed of the synthetic data, --limit's subset, random labels and --project (default: --seed).")
    var dataSeed: UInt64?

    func spec(seed: UInt64) -> DataSpec {
        var s = DataSpec()
        s.source = dataset
        if dataset.isSynthetic { s.n = n; s.d0 = d0 }
        if dataset == .teacher { s.teacherWidth = teacherWidth }
        if dataset == .npy { s.x = x; s.y = y }
        if dataset.isImageSource { s.path = dataPath }
        s.labels = labels == .zeroOne ? .zeroOne : .plusMinusOne
        s.randomLabels = labels == .random
        s.classes = classes
        s.mergeTest = mergeTest
        s.limit = limit
        s.preprocessing.scale = scale
        s.preprocessing.pool = pool
        s.preprocessing.center = center
        s.preprocessing.standardize = standardize
        s.preprocessing.zca = zca
        s.preprocessing.zcaEpsilon = zcaEps
        s.preprocessing.project = project
        s.cache = !noCache
        s.cacheDirectory = cacheDir
        s.seed = dataSeed ?? seed
        return s
    }
}

extension DataSource: ExpressibleByArgument {}
extension LabelCoding: ExpressibleByArgument {}
extension Precision: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
extension Preprocessing.PixelScale: ExpressibleByArgument {}
