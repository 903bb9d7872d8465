import ArgumentParser
import Foundation
import Minima

/// `minima reproduce`: the paper's Figures 1 and 2 (default) and Table 1.
struct Reproduce: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reproduce the paper's experiments: Figures 1 and 2 (default) or Table 1.",
        discussion: """
            `minima reproduce` (same as `minima reproduce figures --quick`) runs reduced versions of \
            Figures 1 and 2 on Gaussian data in a few minutes and prints the path of the report; \
            `--full` runs the paper's 30 repetitions. `minima reproduce table1 --mnist DIR --cifar DIR` \
            trains the real-data rows of Table 1. The grids and recipes are in docs/experiments.md.
            """,
        subcommands: [Figures.self, Table1Command.self],
        defaultSubcommand: Figures.self)

    /// `minima reproduce figures`.
    struct Figures: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Figures 1 and 2 on Gaussian data: sweep, then report (the default).",
            discussion: """
                --quick (default): Figure 1 with N = 300, 9 values of #params/N from 0.1 to 10, one and \
                two hidden layers, 5 repetitions; Figure 2 with d ∈ {20, 30, 40}, 4 repetitions. \
                --full: Figure 1 with N = 400, 16 ratios, 30 repetitions; Figure 2 with \
                d ∈ {20, …, 60}, 30 repetitions. Runs already in the results folder are not run again. \
                Ends with the path of report.md.
                """)

        @Flag(help: "Reduced grids, a few repetitions (default) or the paper's 30 repetitions.")
        var mode: Reproduction.Mode = .quick

        @Option(help: ArgumentHelp("Results folder (default: results/reproduce-quick or results/reproduce-full).", valueName: "DIR"))
        var results: String?

        @OptionGroup var workers: WorkerOptions

        @Option(help: ArgumentHelp("Only this figure: figure1 or figure2.", valueName: "figure"))
        var only: FigureKind?

        @Flag(help: "Only write the sweep specs to DIR/specs/ (a starting point for `minima sweep`), without running them.")
        var specsOnly: Bool = false

        func validate() throws {
            try OutputPath.checkFolder(results ?? "results/reproduce-\(mode.rawValue)", flag: "--results")
        }

        func run() throws {
            if specsOnly {
                let folder = results ?? "results/reproduce-\(mode.rawValue)"
                for spec in [Reproduction.figure1(mode), Reproduction.figure2(mode)] where only == nil || only == spec.figure {
                    let path = folder + "/specs/\(spec.name).json"
                    try AtomicFile.write(spec.text, to: path)
                    print(path)
                }
                return
            }
            let folder = results ?? "results/reproduce-\(mode.rawValue)"
            let runner = workers.runner()
            var notes: [String] = []
            let clock = ContinuousClock()
            let start = clock.now
            let core = RunEnvironment.current(precision: .float64).blasCoreName
            let specs = [(FigureKind.figure1, Reproduction.figure1(mode)), (.figure2, Reproduction.figure2(mode))]
            for (figure, spec) in specs where only == nil || only == figure {
                let outcome = try runner.run(spec, results: folder, progress: workers.printer(spec.name).report)
                let line = outcome.summary(spec.name)
                print(line)
                notes.append(line + " (wall time, \(workers.workers) workers, OpenBLAS \(core))")
            }
            let seconds = (clock.now - start).inSeconds
            notes.append("minima reproduce --\(mode.rawValue): " + String(format: "%.1f", seconds) + " s wall time in all")
            let out = try ReportWriter.write(results: folder, notes: notes)
            print("figures: \(out.files.filter { $0.hasSuffix(".svg") }.map { folder + "/" + $0 }.joined(separator: ", "))")
            print(out.report)
        }
    }

    /// `minima reproduce table1`.
    struct Table1Command: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "table1",
            abstract: "Table 1: one hidden layer with #params ≈ N on MNIST, CIFAR-10 and (optionally) downsampled ImageNet.",
            discussion: """
                MNIST train+test (N = 70,000, d0 = 784, d1 = 89) and CIFAR-10 ZCA-whitened, classes 0–4 \
                vs 5–9 (N = 50,000, d0 = 3072, d1 = 16), no biases, ReLU, MSE on ±1 labels. Training: \
                Adam on batches of 512 in Float32 (5e-4, constant for 1000 epochs, then ×0.99), with the \
                region margin step (minimum-norm least-squares steps inside the activation region that put \
                the low-margin samples at margin ½) tried whenever an epoch ends with at most 50 wrong \
                samples; training stops at 0% training error, or after --minutes per row (data loading and \
                whitening not counted). The row in training saves a checkpoint \
                (DIR/table1-<dataset>.checkpoint) every --checkpoint-every seconds and on SIGTERM, SIGINT or \
                SIGUSR1 (then the command exits with code 75); the same command continues that row from it. \
                Each row's run record goes to DIR/table1-<dataset>.json (a record as \
                `minima train --out` writes one, for `certify --run` and `report`), the final weights to \
                DIR/weights-<dataset>/, and the report's Table 1 (paper figure next to measured figure) to \
                DIR/report.md.
                """)

        @Option(help: ArgumentHelp("Folder with the MNIST IDX files (train-images-idx3-ubyte.gz, …).", valueName: "DIR"))
        var mnist: String?

        @Option(help: ArgumentHelp("Folder with CIFAR-10's binary batches (cifar-10-batches-bin).", valueName: "DIR"))
        var cifar: String?

        @Option(help: ArgumentHelp("Folder with downsampled 64×64 ImageNet (the third row).", valueName: "DIR"))
        var images: String?

        @Option(help: ArgumentHelp("Results folder.", valueName: "DIR"))
        var results: String = "results/table1"

        @OptionGroup(title: "Run") var seedOption: SeedOption
        var seed: UInt64 { seedOption.seed }

        @Option(help: "Wall-clock budget of each row in minutes (default 20); the training stops there and the row reports what it reached.")
        var minutes: Double = 20

        @OptionGroup(title: "Run") var quietOption: QuietOption
        var quiet: Bool { quietOption.quiet }

        @Option(help: ArgumentHelp("Seconds between checkpoints of the row in training (DIR/table1-<dataset>.checkpoint).", valueName: "S"))
        var checkpointEvery: Double = CheckpointPolicy.defaultInterval

        func validate() throws {
            try OutputPath.checkFolder(results, flag: "--results")
            guard checkpointEvery > 0, checkpointEvery.isFinite else {
                throw MinimaError.invalidOption(flag: "--checkpoint-every", message: "must be a positive number of seconds, got \(checkpointEvery)")
            }
            guard minutes > 0 else { throw MinimaError.invalidOption(flag: "--minutes", message: "must be positive, got \(minutes)") }
            guard mnist != nil || cifar != nil || images != nil else {
                throw ValidationError("give at least one of --mnist DIR, --cifar DIR, --images DIR")
            }
        }

        func run() throws {
            let rows: [(Table1Dataset, String)] = [(.mnist, mnist), (.cifar10, cifar), (.imagenet, images)]
                .compactMap { d, folder in folder.map { (d, $0) } }
            // Build every data spec first, so a missing loader or folder fails before hours of training.
            let specs = try rows.map { ($0.0, try Table1.dataSpec(for: $0.0, folder: $0.1)) }
            let stop = StopRequest.watchingSignals()
            for (dataset, spec) in specs {
                print("\(dataset.row.title): N = \(dataset.row.n), d0 = \(dataset.row.d0), d1 = \(dataset.row.d1)")
                let weights = results + "/weights-\(dataset.rawValue)"
                let checkpoint = results + "/table1-\(dataset.rawValue).checkpoint"
                if FileManager.default.fileExists(atPath: checkpoint) { print("  continuing from \(checkpoint)") }
                let policy = CheckpointPolicy(path: checkpoint, interval: checkpointEvery, resume: true, stop: stop)
                let result: Table1Result
                do {
                    result = try Table1.run(dataset.row, data: spec, seed: seed, minutes: minutes, saveWeights: weights, checkpoint: policy,
                                            progress: ProgressPrinter(dataset.rawValue, quiet: quiet).report)
                } catch let stopped as TrainingInterrupted {
                    print("  \(stopped); run the same command again to continue this row")
                    fflush(nil)
                    throw ExitCode(StopRequest.exitCode)
                }
                try Table1.store(result, in: results)
                print(String(format: "  MCE %.4f%% (%d wrong) after %d epochs, %.1f min", 100 * result.mce, result.errors, result.epochs, result.seconds / 60))
                print("  run record \(Table1.path(results, dataset)); weights in \(weights) (minima certify --run \(Table1.path(results, dataset)))")
                fflush(nil)   // each row's result reaches a redirected log as soon as it is known
            }
            print(try ReportWriter.write(results: results).report)
        }
    }
}

extension Reproduction.Mode: EnumerableFlag {}
extension FigureKind: ExpressibleByArgument {}
