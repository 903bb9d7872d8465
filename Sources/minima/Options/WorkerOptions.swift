import ArgumentParser
import Foundation
import Minima

/// The flags of commands that run sweeps: how many workers, and whether to print progress.
struct WorkerOptions: ParsableArguments {
    @Option(help: "Parallel workers, each with one BLAS thread; the default is the number of cores (at most 4 per core).")
    var workers: Int = ThreadsOption.cores

    @OptionGroup var quietOption: QuietOption
    var quiet: Bool { quietOption.quiet }

    func validate() throws {
        guard workers > 0 else { throw MinimaError.invalidOption(flag: "--workers", message: "must be positive, got \(workers)") }
        guard workers <= ThreadsOption.maximum else {
            throw MinimaError.invalidOption(flag: "--workers", message: "\(workers) is more than 4 per core of this machine's \(ThreadsOption.cores) (at most \(ThreadsOption.maximum))")
        }
    }

    /// A runner with these workers.
    func runner() -> SweepRunner {
        var r = SweepRunner()
        r.workers = workers
        return r
    }

    func printer(_ label: String) -> ProgressPrinter { ProgressPrinter(label, quiet: quiet) }
}
