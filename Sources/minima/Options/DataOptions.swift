import ArgumentParser
import Minima

/// The flags that say which data set to use; shared by every command that reads data.
struct DataOptions: ParsableArguments {
    @Option(help: "Data source: gaussian (X ~ N(0, I), random ±1 labels), teacher (labels from a random teacher network), npy (--x and --y).")
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

    @Option(help: "Label coding: pm1 (−1/+1, threshold 0) or 01 (0/1, threshold ½).")
    var labels: LabelCoding = .plusMinusOne

    @Option(help: "Seed of the synthetic data (default: --seed).")
    var dataSeed: UInt64?

    func spec(seed: UInt64) -> DataSpec {
        var s = DataSpec()
        s.source = dataset
        if dataset != .npy { s.n = n; s.d0 = d0 }
        if dataset == .teacher { s.teacherWidth = teacherWidth }
        if dataset == .npy { s.x = x; s.y = y }
        s.labels = labels
        s.seed = dataSeed ?? seed
        return s
    }
}

extension DataSource: ExpressibleByArgument {}
extension LabelCoding: ExpressibleByArgument {}
extension Precision: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
