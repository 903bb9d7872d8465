import Foundation
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining
import MinimaLandscape
import MinimaRuns
import MinimaVolume

/// A sweep as a Slurm job array (`minima sweep SPEC --results DIR --slurm`): the batch script
/// `DIR/slurm/sweep.sbatch` and what it was made from (`DIR/slurm/sweep.json`).
///
/// Task i of K runs `minima sweep SPEC --results DIR --shard i/K` with one worker per CPU. The
/// script asks Slurm for `--requeue` and for SIGUSR1 90 s before the time limit
/// (`--signal=B:USR1@90`); it forwards that signal (and SIGTERM, sent on preemption) to Minima,
/// which finishes the current batch of each run, saves its checkpoint and exits with
/// `StopRequest.exitCode`; the script then requeues its own task, which continues from the
/// checkpoints when it starts again. One log per task: `DIR/slurm/logs/<job>_<task>.log`
/// (requeued incarnations append to it).
public struct SlurmSubmission: Codable, Equatable, Sendable {
    /// The sweep's name, and absolute paths of the spec, the results folder and the minima executable.
    public var spec: String
    public var specPath: String
    public var results: String
    public var executable: String
    /// Array tasks K (shards), and at most P of them running at once (nil: no limit).
    public var tasks: Int
    public var parallel: Int?
    public var cpusPerTask: Int
    /// `--time` (Slurm's formats: `MM`, `HH:MM:SS`, `D-HH:MM:SS`).
    public var time: String
    public var partition: String?
    /// `--mem` (e.g. `8G`).
    public var memory: String?
    /// Further `#SBATCH` lines, as given (e.g. `--account=proj42`).
    public var extraLines: [String]

    public init(spec: String, specPath: String, results: String, executable: String, tasks: Int, parallel: Int?,
                cpusPerTask: Int, time: String, partition: String?, memory: String?, extraLines: [String]) {
        self.spec = spec; self.specPath = specPath; self.results = results; self.executable = executable
        self.tasks = tasks; self.parallel = parallel; self.cpusPerTask = cpusPerTask; self.time = time
        self.partition = partition; self.memory = memory; self.extraLines = extraLines
    }

    public static func folder(_ results: String) -> String { results + "/slurm" }
    public static func scriptPath(_ results: String) -> String { folder(results) + "/sweep.sbatch" }
    static func settingsPath(_ results: String) -> String { folder(results) + "/sweep.json" }

    /// The settings stored by the last `--slurm` on `results`, if any.
    public static func read(_ results: String) -> SlurmSubmission? {
        try? RecordJSON.read(settingsPath(results), as: SlurmSubmission.self, what: "Minima Slurm settings")
    }

    /// Checks the values that would make a broken script, naming the field.
    public func validate() throws {
        guard tasks >= 1 else { throw MinimaError.invalidValue(field: .slurmTasks, message: "must be positive, got \(tasks)") }
        if let p = parallel, p < 1 { throw MinimaError.invalidValue(field: .slurmParallel, message: "must be positive, got \(p)") }
        guard cpusPerTask >= 1 else { throw MinimaError.invalidValue(field: .slurmCPUs, message: "must be positive, got \(cpusPerTask)") }
        let timeCharacters = CharacterSet(charactersIn: "0123456789:-")
        guard !time.isEmpty, time.unicodeScalars.allSatisfy(timeCharacters.contains) else {
            throw MinimaError.invalidValue(field: .slurmTime, message: "expected Slurm's MM, HH:MM:SS or D-HH:MM:SS, got '\(time)'")
        }
        func plain(_ value: String?, _ field: InputField) throws {
            guard let value else { return }
            guard !value.isEmpty, !value.contains(where: { $0.isWhitespace || $0 == "'" || $0 == "\"" || $0 == "\\" }) else {
                throw MinimaError.invalidValue(field: field, message: "must be one word without quotes, got '\(value)'")
            }
        }
        try plain(partition, .slurmPartition)
        try plain(memory, .slurmMemory)
        for line in extraLines {
            guard !line.contains("\n"), line.hasPrefix("-") else {
                throw MinimaError.invalidValue(field: .slurmExtraLines, message: "expected one sbatch option such as --account=proj42, got '\(line)'")
            }
        }
        for (path, field) in [(specPath, InputField.specPath), (results, .resultsPath), (executable, .executable)] where path.contains("'") {
            throw MinimaError.invalidValue(field: field, message: "a path with a single quote cannot go into the batch script: \(path)")
        }
    }

    /// The batch script.
    public var script: String {
        var lines = ["#!/bin/bash",
                     "# Minima sweep \(spec) as a Slurm job array: task i of \(tasks) runs shard i/\(tasks).",
                     "# Written by `minima sweep --slurm`; submit with `sbatch \(SlurmSubmission.scriptPath(results))`.",
                     "#SBATCH --job-name=minima-\(spec)",
                     "#SBATCH --array=1-\(tasks)" + (parallel.map { "%\($0)" } ?? ""),
                     "#SBATCH --ntasks=1",
                     "#SBATCH --cpus-per-task=\(cpusPerTask)",
                     "#SBATCH --time=\(time)"]
        if let p = partition { lines.append("#SBATCH --partition=\(p)") }
        if let m = memory { lines.append("#SBATCH --mem=\(m)") }
        lines += ["#SBATCH --requeue",
                  "#SBATCH --signal=B:USR1@90",
                  "#SBATCH --open-mode=append",
                  "#SBATCH --output=\(SlurmSubmission.folder(results))/logs/%A_%a.log"]
        lines += extraLines.map { "#SBATCH \($0)" }
        lines += ["",
                  "minima='\(executable)'",
                  "spec='\(specPath)'",
                  "results='\(results)'",
                  "task=\"${SLURM_ARRAY_TASK_ID:?not run by Slurm as an array task}\"",
                  "echo \"$(date -u +%FT%TZ) task $task/\(tasks) (job ${SLURM_ARRAY_JOB_ID:-?}_$task, restart ${SLURM_RESTART_COUNT:-0}) on $(hostname)\"",
                  "# Minima runs in the background so that this shell can pass on Slurm's signals:",
                  "# on SIGUSR1 or SIGTERM it finishes each run's current batch, saves checkpoints and exits \(StopRequest.exitCode).",
                  "\"$minima\" sweep \"$spec\" --results \"$results\" --shard \"$task/\(tasks)\" --workers \"${SLURM_CPUS_PER_TASK:-\(cpusPerTask)}\" &",
                  "child=$!",
                  "trap 'kill -USR1 \"$child\" 2>/dev/null' USR1 TERM",
                  "while kill -0 \"$child\" 2>/dev/null; do wait \"$child\"; done",
                  "wait \"$child\"; rc=$?",
                  "if [ \"$rc\" -eq \(StopRequest.exitCode) ]; then",
                  "    echo \"$(date -u +%FT%TZ) checkpoints saved; requeueing task $task\"",
                  "    scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${task}\"",
                  "fi",
                  "exit \"$rc\"",
                  ""]
        return lines.joined(separator: "\n")
    }

    /// Writes the script and the settings (atomically) and makes the log folder.
    public func write() throws {
        try validate()
        try FileManager.default.createDirectory(atPath: SlurmSubmission.folder(results) + "/logs", withIntermediateDirectories: true)
        try AtomicFile.write(script, to: SlurmSubmission.scriptPath(results))
        try RecordJSON.write(self, to: SlurmSubmission.settingsPath(results))
    }

    /// The path of `sbatch` on PATH, or nil when Slurm is not installed here.
    public static func sbatch() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/sbatch" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Submits the written script with `sbatch`; returns sbatch's output ("Submitted batch job N").
    public func submit(sbatch: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sbatch)
        process.arguments = [SlurmSubmission.scriptPath(results)]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw MinimaError.invalidFile(path: SlurmSubmission.scriptPath(results), message: "sbatch refused it: \(text)")
        }
        return text
    }
}
