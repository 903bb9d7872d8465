import ArgumentParser
import Foundation
import Minima

/// `minima sweep`: run a sweep spec (the default subcommand) or show a results folder's state.
struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a grid of training runs described by a sweep spec (JSON), resumably and in parallel, locally or as a Slurm job array.",
        subcommands: [Run.self, Status.self],
        defaultSubcommand: Run.self)

    /// `minima sweep SPEC --results DIR` (also `minima sweep run …`).
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run every run of a sweep spec that has no record yet (the default).",
            discussion: """
                Expands SPEC's grid (schema and examples: docs/experiments.md, examples/*.json) into runs \
                and trains each one whose record RESULTS/runs/<key>.json does not exist yet; key is a hash \
                of the sweep name and the run's full configuration. --workers threads train one network \
                each with one BLAS thread; --shard i/n runs every n-th run so that independent processes or \
                machines can share one results folder. Each run in progress is claimed (<key>.claim), so \
                processes sharing the folder never train a run twice, and checkpointed (<key>.checkpoint) \
                every --checkpoint-every seconds and on SIGTERM, SIGINT or SIGUSR1, after which the sweep \
                exits with code 75; run the same command again to continue. A progress line goes to stderr. \
                Exit codes: 0 every run of the shard done (or left to other processes), 1 some runs failed \
                (the count and the first error on stderr), 2 bad input, 75 stopped by a signal with \
                checkpoints saved. --slurm writes a Slurm job array instead (see README, "Running on a \
                cluster"). Then run `minima report RESULTS`; `minima sweep status RESULTS` shows progress.
                """)

        @Argument(help: ArgumentHelp("The sweep spec (JSON).", valueName: "SPEC"))
        var spec: String

        @Option(help: ArgumentHelp("Results folder (records go to DIR/runs/).", valueName: "DIR"))
        var results: String

        @OptionGroup var workers: WorkerOptions

        @Option(help: ArgumentHelp("Run only part i of n (1 ≤ i ≤ n): the runs whose index is i−1 modulo n.", valueName: "i/n"))
        var shard: String = "1/1"

        @Option(help: ArgumentHelp("Stop after K runs have finished in this invocation (run again to continue).", valueName: "K"))
        var stopAfter: Int?

        @Flag(help: "Run again the runs whose records hold an error.")
        var retryFailed: Bool = false

        @Option(help: ArgumentHelp("Seconds between a run's checkpoints.", valueName: "S"))
        var checkpointEvery: Double = CheckpointPolicy.defaultInterval

        @Flag(help: "List the grid points and how many runs are done, without training; with --slurm, write and print the batch script without submitting it.")
        var dryRun: Bool = false

        @OptionGroup(title: "Slurm") var slurm: SlurmOptions

        func validate() throws {
            if !dryRun { try OutputPath.checkFolder(results, flag: "--results") }
        }

        func run() throws {
            let sweep = try SweepSpec.load(spec)
            if let stray = slurm.strayFlags.first {
                throw MinimaError.invalidOption(flag: stray, message: "applies with --slurm only")
            }
            guard checkpointEvery > 0, checkpointEvery.isFinite else {
                throw MinimaError.invalidOption(flag: "--checkpoint-every", message: "must be a positive number of seconds, got \(checkpointEvery)")
            }
            var runner = workers.runner()
            runner.shard = try Shard(parsing: shard)
            runner.retryFailed = retryFailed
            runner.checkpointInterval = checkpointEvery
            if let k = stopAfter {
                guard k > 0 else { throw MinimaError.invalidOption(flag: "--stop-after", message: "must be positive, got \(k)") }
                runner.stopAfter = k
            }
            if slurm.slurm {
                if shard != "1/1" { throw MinimaError.invalidOption(flag: "--shard", message: "--slurm makes one shard per array task; leave --shard out") }
                try submit(sweep)
                return
            }
            if dryRun {
                try Run.describe(sweep, results: results, shard: runner.shard)
                return
            }
            runner.stop = StopRequest.watchingSignals()
            let outcome = try runner.run(sweep, results: results, progress: workers.printer(sweep.name).report)
            if outcome.replacedSpec {
                FileHandle.standardError.write(Data(("warning: \(results)/specs/\(sweep.name).json held a different version of this spec; " +
                    "records of the earlier runs stay in \(results)/runs and appear in the report (use a new --results folder or a new name to keep them apart)\n").utf8))
            }
            print(outcome.summary(sweep.name))
            if outcome.claimedElsewhere > 0 {
                print("\(outcome.claimedElsewhere) runs are being trained by other processes (minima sweep status \(results))")
            }
            if outcome.interrupted > 0 || runner.stop?.isRequested == true {
                print("stopped by a signal: \(outcome.interrupted) runs saved checkpoints; run the same command again to continue")
                fflush(nil)
                throw ExitCode(StopRequest.exitCode)
            }
            if outcome.stopped { print("stopped early; run the same command again to continue") }
            print("records in \(results)/runs; next: minima report \(results)")
            if outcome.failedRecords > 0 {
                fflush(nil)
                FileHandle.standardError.write(Data("error: \(outcome.failedRecords) of \(outcome.total) runs failed (--retry-failed runs them again); first: \(outcome.firstError ?? "unknown")\n".utf8))
                throw ExitCode(1)
            }
        }

        /// `--slurm`: writes the batch script and submits it (or prints it with --dry-run).
        func submit(_ sweep: SweepSpec) throws {
            let runs = try sweep.expand(file: spec).count
            let submission = slurm.submission(spec: sweep, specPath: spec, results: results, runs: runs)
            try submission.validate()
            if submission.tasks > runs {
                throw MinimaError.invalidOption(flag: "--tasks", message: "the sweep has \(runs) runs; more tasks than runs would leave some empty")
            }
            try FileManager.default.createDirectory(atPath: results + "/specs", withIntermediateDirectories: true)
            try AtomicFile.write(sweep.text, to: results + "/specs/\(sweep.name).json")
            try submission.write()
            let path = SlurmSubmission.scriptPath(results)
            if dryRun {
                print(submission.script, terminator: "")
                print("# written to \(path) (not submitted): sbatch \(path)")
                return
            }
            guard let sbatch = SlurmSubmission.sbatch() else {
                throw MinimaError.invalidOption(flag: "--slurm", message:
                    "Slurm's sbatch is not on this machine (PATH); the script is in \(path). Without Slurm, run the shards as separate processes or machines sharing the folder: minima sweep \(spec) --results \(results) --shard i/\(submission.tasks) for i = 1…\(submission.tasks)")
            }
            print(try submission.submit(sbatch: sbatch))
            print("\(submission.tasks) tasks of shard i/\(submission.tasks); logs in \(SlurmSubmission.folder(results))/logs; watch with: minima sweep status \(results)")
        }

        static func describe(_ sweep: SweepSpec, results: String, shard: Shard) throws {
            let runs = try sweep.expand(file: "").filter { shard.contains($0) }
            let done = SweepRecord.keys(in: results)
            var seen = Set<String>()
            print("sweep \(sweep.name): \(runs.count) runs (shard \(shard)), \(runs.filter { done.contains($0.key) }.count) already done")
            print("point  N      d0     hidden      #params  #params/N  runs")
            for r in runs where seen.insert(r.pointKey).inserted {
                let count = runs.filter { $0.pointKey == r.pointKey }.count
                let cells: [String] = [String(seen.count), r.point.n.map(String.init) ?? "-", r.point.d0.map(String.init) ?? "-",
                             r.point.hidden.map(String.init).joined(separator: "x"), String(r.point.parameters),
                             r.point.paramsOverN.map { String(format: "%.3g", $0) } ?? "-"]
                let padded: [String] = zip(cells, [7, 7, 7, 12, 9, 11]).map { cell, width in
                    cell.padding(toLength: max(width, cell.count + 1), withPad: " ", startingAt: 0)
                }
                print(padded.joined() + String(count))
            }
        }
    }

    /// `minima sweep status DIR`.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show where the sweeps in a results folder stand, from the folder alone.",
            discussion: """
                For each sweep spec in DIR/specs/, per shard and in total: runs done, failed (with the \
                first error), in progress (claimed by a process: host, pid, Slurm task, checkpoint epoch \
                and age) and pending (and how many of those have a checkpoint to continue from). Shards \
                are those of DIR/slurm/sweep.json when --slurm wrote one, else --shards. No scheduler is asked.
                """)

        @Argument(help: ArgumentHelp("Results folder.", valueName: "DIR"))
        var results: String

        @Option(help: ArgumentHelp("Count the runs in n shards (default: the --slurm task count, else 1).", valueName: "n"))
        var shards: Int?

        @OptionGroup(title: "Run") var jsonOption: JSONOption
        var json: Bool { jsonOption.json }

        func run() throws {
            if let n = shards, n < 1 { throw MinimaError.invalidOption(flag: "--shards", message: "must be positive, got \(n)") }
            let status = try SweepStatus.read(results, shards: shards)
            if json {
                print(String(decoding: try RecordJSON.encode(status), as: UTF8.self))
            } else {
                print(status.text, terminator: "")
            }
        }
    }
}

extension SweepOutcome {
    /// One line on what the invocation of sweep `name` did.
    func summary(_ name: String) -> String {
        "\(name): \(ran) runs in \(String(format: "%.1f", seconds)) s (\(failures) failed), \(skipped) already done, \(total) in total"
    }
}
