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
            --x X.npy --y y.npy alone train on those files. Bad flags or files, a flag that does not \
            apply (--n with npy data, --decay without a decay start, …), sizes that do not fit in \
            memory and output paths that cannot be written print one line naming them and exit \
            with code 2 before any training. With --checkpoint DIR the run saves everything it needs to \
            continue into DIR/training.checkpoint every --checkpoint-every seconds and on SIGTERM, \
            SIGINT or SIGUSR1 (after the current batch; the command then exits with code 75); the same \
            command with --resume DIR continues it and ends with the same weights and record (timings \
            aside) as an uninterrupted run with the same --threads. The checkpoint is removed once the \
            record is written.
            """)

    @OptionGroup(title: "Run") var memory: MemoryOption
    @OptionGroup(title: "Data") var data: DataOptions
    @OptionGroup(title: "Network") var network: NetworkOptions
    @OptionGroup(title: "Training") var training: TrainingOptions

    @Option(help: "Arithmetic: float32 or float64.")
    var precision: Precision = .float64

    @OptionGroup(title: "Run") var seed: SeedOption
    @OptionGroup(title: "Run") var threads: ThreadsOption

    @Option(help: ArgumentHelp("Read the initial weights from PATH: a folder (W1.npy, W2.npy, z.npy, b1.npy, …) or a .safetensors file (nn.Sequential's 0.weight, 0.bias, 2.weight, … or Minima's names).", valueName: "PATH"))
    var initWeights: String?

    @Option(help: ArgumentHelp("Save the final weights into PATH: a folder in the .npy layout (replaced as a whole), or one file when PATH ends in .safetensors (nn.Sequential's names); the checksum goes into the run record.", valueName: "PATH"))
    var saveWeights: String?

    @OptionGroup(title: "Run") var outOption: OutOption
    var out: String? { outOption.out }

    @OptionGroup(title: "Run") var json: JSONOption
    @OptionGroup(title: "Run") var quiet: QuietOption
    @OptionGroup(title: "Checkpoints") var checkpoints: CheckpointOptions

    @Flag(help: "Certify the final weights (as `minima certify` with its defaults) and attach the certificate to the run record.")
    var certify: Bool = false

    @Flag(help: "After training, if samples are still misclassified: the region margin step (minimum-norm least-squares steps inside the activation region that put the low-margin samples at margin ½; see docs/experiments.md). Class labels only: refused with --labels real.")
    var marginStep: Bool = false

    @Option(help: ArgumentHelp("With the margin step: also try it whenever an epoch ends with at most K wrong samples (at most every 50 epochs, 8 iterations a try), and stop at the first try that leaves none; Table 1's recipe uses K = 50. Implies --margin-step.", valueName: "K"))
    var marginStepBelow: Int?

    func validate() throws {
        if let k = marginStepBelow, k < 1 {
            throw MinimaError.invalidOption(flag: "--margin-step-below", message: "must be at least 1, got \(k)")
        }
        try TrainingRun.checkMemory(n: data.declaredN, d0: data.declaredD0, hidden: try network.widths(), bias: network.bias,
                                    batch: training.batch, threads: threads.count, precision: precision,
                                    what: data.sizeFlags + ["--hidden", "--threads"])
        try OutputPath.checkFile(recordPath, flag: "--out")
        if let saveWeights { try OutputPath.checkWeightsFolder(saveWeights, flag: "--save-weights") }
    }

    /// Where the run record goes.
    var recordPath: String { out ?? Train.defaultRecordPath }

    func run() throws {
        var config = RunConfiguration()
        config.data = data.spec(seed: seed.seed)
        try config.data.validate()
        config.network = try network.shape(d0: data.declaredD0 ?? 1)
        config.training = try training.configuration(seed: seed.seed)
        if let k = marginStepBelow {
            config.marginStep = .duringTraining(below: k)
        } else if marginStep {
            config.marginStep = RegionMarginStep()
        }
        config.precision = precision
        config.seed = seed.seed
        config.threads = threads.count
        config.initWeights = initWeights
        config.saveWeights = saveWeights
        let path = recordPath
        let policy = try checkpoints.policy()
        let record: RunRecord
        do {
            record = try TrainingRun.execute(config, checkpoint: policy, progress: ProgressPrinter(quiet: quiet.quiet).report,
                                             certify: certify ? CertificateOptions() : nil)
        } catch let stopped as TrainingInterrupted {
            print("\(stopped); continue with the same command and --resume \(checkpoints.folder ?? "")")
            fflush(nil)
            throw ExitCode(StopRequest.exitCode)
        }
        try record.write(to: path)
        if let policy { unlink(policy.path) }
        if json.json {
            print(String(decoding: try record.jsonData(), as: UTF8.self))
            if record.final.status == .diverged { throw ExitCode(1) }
            return
        }
        let f = record.final
        print("\(f.status.rawValue): \(f.message)")
        print(String(format: "final MSE %.3e, MCE %@%@, margin min|w·x| %.3e, %d zero pre-activations, ‖∇‖ %.3e, %d epochs in %.2f s",
                     f.mse, NotApplicable.percent(f.mce), f.errors.map { " (\($0) wrong)" } ?? "", f.minAbsPreactivation,
                     f.zeroPreactivations, f.gradientNorm, f.epochs, f.seconds))
        for (k, it) in (f.marginStep ?? []).enumerated() {
            print(String(format: "margin step %d: %d samples selected, %d → %d wrong, step length %.3g, MSE %.4e",
                         k + 1, it.selected, it.errorsBefore, it.errorsAfter, it.stepLength, it.mseAfter))
        }
        if let c = record.certificate { print("certificate: " + c.summary.replacingOccurrences(of: "\n", with: "\n  ")) }
        if let w = saveWeights { print("weights saved in \(w)") }
        print("run record written to \(path)")
        if f.status == .diverged { throw ExitCode(1) }
    }

    /// runs/train-<time>.json, fixed once per process (validate and run see the same path).
    static let defaultRecordPath: String = {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd-HHmmss"
        return "runs/train-\(f.string(from: Date())).json"
    }()
}
