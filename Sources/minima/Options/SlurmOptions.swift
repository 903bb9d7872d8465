import ArgumentParser
import Foundation
import Minima

/// The flags of `minima sweep --slurm`: the job array's shape and resources.
struct SlurmOptions: ParsableArguments {
    @Flag(help: "Write DIR/slurm/sweep.sbatch, a Slurm job array whose task i runs --shard i/K, and submit it with sbatch (with --dry-run: only write and print it).")
    var slurm: Bool = false

    @Option(help: ArgumentHelp("With --slurm: array tasks K, each one shard (default: the number of runs, at most 100).", valueName: "K"))
    var tasks: Int?

    @Option(help: ArgumentHelp("With --slurm: at most P tasks running at once (--array=1-K%P; default: no limit).", valueName: "P"))
    var parallel: Int?

    @Option(help: ArgumentHelp("With --slurm: CPUs per task (the task runs that many workers).", valueName: "C"))
    var cpusPerTask: Int = 1

    @Option(help: ArgumentHelp("With --slurm: each task's time limit (MM, HH:MM:SS or D-HH:MM:SS); tasks that reach it save checkpoints and are requeued.", valueName: "T"))
    var time: String = "04:00:00"

    @Option(help: ArgumentHelp("With --slurm: the partition (queue).", valueName: "NAME"))
    var partition: String?

    @Option(help: ArgumentHelp("With --slurm: memory per task (sbatch --mem, e.g. 8G).", valueName: "SIZE"))
    var mem: String?

    @Option(help: ArgumentHelp("With --slurm: a further #SBATCH line, e.g. --sbatch=--account=proj42 (repeatable).", valueName: "OPTION"))
    var sbatch: [String] = []

    /// The flags given without --slurm, which would otherwise be ignored.
    var strayFlags: [String] {
        guard !slurm else { return [] }
        var flags: [String] = []
        if tasks != nil { flags.append("--tasks") }
        if parallel != nil { flags.append("--parallel") }
        if cpusPerTask != 1 { flags.append("--cpus-per-task") }
        if time != "04:00:00" { flags.append("--time") }
        if partition != nil { flags.append("--partition") }
        if mem != nil { flags.append("--mem") }
        if !sbatch.isEmpty { flags.append("--sbatch") }
        return flags
    }

    func submission(spec: SweepSpec, specPath: String, results: String, runs: Int) -> SlurmSubmission {
        SlurmSubmission(spec: spec.name, specPath: Self.absolute(specPath), results: Self.absolute(results),
                        executable: Self.executable, tasks: tasks ?? max(1, min(runs, 100)), parallel: parallel,
                        cpusPerTask: cpusPerTask, time: time, partition: partition, memory: mem, extraLines: sbatch)
    }

    static func absolute(_ path: String) -> String {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path)
        return url.standardizedFileURL.path
    }

    /// This minima binary's absolute path.
    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? absolute(CommandLine.arguments[0])
    }
}
