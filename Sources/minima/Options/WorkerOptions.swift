import ArgumentParser
import Foundation
import Minima

/// The flags of commands that run sweeps: how many workers, and whether to print progress.
struct WorkerOptions: ParsableArguments {
    @Option(help: "Parallel workers, each with one BLAS thread; the default is the number of cores.")
    var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "No progress lines.")
    var quiet: Bool = false

    func validate() throws {
        guard workers > 0 else { throw MinimaError.invalidOption(flag: "--workers", message: "must be positive, got \(workers)") }
    }

    /// A runner with these workers.
    func runner() -> SweepRunner {
        var r = SweepRunner()
        r.workers = workers
        return r
    }

    func printer(_ label: String) -> SweepProgressPrinter { SweepProgressPrinter(label: label, quiet: quiet) }
}
