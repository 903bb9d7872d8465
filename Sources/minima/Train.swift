import ArgumentParser
import Foundation
import Minima

/// `minima train`: trains one network and writes its run record.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a network on one data set and write its run record (JSON).",
        discussion: """
            With no flags: N = 400 Gaussian samples in d0 = 20 dimensions with random ±1 labels, \
            one hidden layer of 40 ReLU units (d0·d1 = 2N), 2000 epochs of full-batch gradient descent \
            (η = 0.05) in Float64, which reach 0% training error. Progress goes to stderr about once \
            a second; the record goes to --out (default runs/train-<time>.json), written atomically. \
            Bad flags or files print one line naming them and exit with code 2.
            """)

    @OptionGroup(title: "Data") var data: DataOptions
    @OptionGroup(title: "Network") var network: NetworkOptions
    @OptionGroup(title: "Training") var training: TrainingOptions

    @Option(help: "Arithmetic: float32 or float64.")
    var precision: Precision = .float64

    @Option(help: "Seed of the initial weights, the batch order and (unless --data-seed) the data.")
    var seed: UInt64 = 0

    @Option(help: "Cores: each batch is split between this many workers, each with a one-thread BLAS (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: ArgumentHelp("Read the initial weights from DIR (W1.npy, W2.npy, z.npy, b1.npy, …).", valueName: "DIR"))
    var initWeights: String?

    @Option(help: ArgumentHelp("Save the final weights into DIR in the same layout.", valueName: "DIR"))
    var saveWeights: String?

    @Option(help: ArgumentHelp("Run record path (JSON).", valueName: "RUN.json"))
    var out: String?

    @Flag(help: "Certify the final weights (as `minima certify` with its defaults) and attach the certificate to the run record.")
    var certify: Bool = false

    @Flag(help: "After training, if samples are still misclassified: the region margin step (minimum-norm least-squares steps inside the activation region that put the low-margin samples at margin ½; see docs/experiments.md).")
    var marginStep: Bool = false

    @Option(help: ArgumentHelp("With the margin step: also try it whenever an epoch ends with at most K wrong samples (at most every 50 epochs, 8 iterations a try), and stop at the first try that leaves none; Table 1's recipe uses K = 50. Implies --margin-step.", valueName: "K"))
    var marginStepBelow: Int?

    @Flag(help: "No progress lines on stderr.")
    var quiet: Bool = false

    func run() throws {
        guard threads > 0 else { throw MinimaError.invalidOption(flag: "--threads", message: "must be positive, got \(threads)") }
        var config = RunConfiguration()
        config.data = data.spec(seed: seed)
        try config.data.validate()
        config.network = try network.shape(d0: data.dataset.isSynthetic ? data.d0 : 1)
        config.training = try training.configuration(seed: seed)
        if let k = marginStepBelow, k < 1 {
            throw MinimaError.invalidOption(flag: "--margin-step-below", message: "must be at least 1, got \(k)")
        }
        if let k = marginStepBelow {
            config.marginStep = .duringTraining(below: k)
        } else if marginStep {
            config.marginStep = RegionMarginStep()
        }
        config.precision = precision
        config.seed = seed
        config.threads = threads
        config.initWeights = initWeights
        config.saveWeights = saveWeights
        let path = out ?? Train.defaultRecordPath()
        if FileManager.default.fileExists(atPath: path), FileManager.default.isDirectory(path) {
            throw MinimaError.invalidOption(flag: "--out", message: "\(path) is a folder; give a file path such as \(path)/run.json")
        }
        let reporter = ProgressPrinter(quiet: quiet)
        let record = try TrainingRun.execute(config, progress: reporter.report,
                                             certify: certify ? CertificateOptions() : nil)
        try record.write(to: path)
        let f = record.final
        print("\(f.status.rawValue): \(f.message)")
        print(String(format: "final MSE %.3e, MCE %.4f%% (%d wrong), margin min|w·x| %.3e, %d zero pre-activations, ‖∇‖ %.3e, %d epochs in %.2f s",
                     f.mse, 100 * f.mce, f.errors, f.minAbsPreactivation, f.zeroPreactivations, f.gradientNorm, f.epochs, f.seconds))
        for (k, it) in (f.marginStep ?? []).enumerated() {
            print(String(format: "margin step %d: %d samples selected, %d → %d wrong, step length %.3g, MSE %.4e",
                         k + 1, it.selected, it.errorsBefore, it.errorsAfter, it.stepLength, it.mseAfter))
        }
        if let c = record.certificate { print("certificate: " + c.summary.replacingOccurrences(of: "\n", with: "\n  ")) }
        if let w = saveWeights { print("weights saved in \(w)") }
        print("run record written to \(path)")
        if f.status == .diverged { throw ExitCode(1) }
    }

    static func defaultRecordPath() -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd-HHmmss"
        return "runs/train-\(f.string(from: Date())).json"
    }
}

extension FileManager {
    func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }
}
