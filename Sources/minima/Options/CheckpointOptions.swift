import ArgumentParser
import Foundation
import Minima

/// The checkpoint flags of `minima train`.
struct CheckpointOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Save checkpoints into DIR/training.checkpoint (periodically, and on SIGTERM/SIGINT/SIGUSR1, which then exit with code 75).", valueName: "DIR"))
    var checkpoint: String?

    @Option(help: ArgumentHelp("Continue the run whose checkpoint is in DIR (give the same flags as the interrupted command); it keeps checkpointing there.", valueName: "DIR"))
    var resume: String?

    @Option(help: ArgumentHelp("Seconds between checkpoints (with --checkpoint or --resume).", valueName: "S"))
    var checkpointEvery: Double?

    static let fileName = "training.checkpoint"

    /// The folder checkpoints go to, if any.
    var folder: String? { resume ?? checkpoint }

    /// Checks the flags and the folder before any work.
    func validate() throws {
        if let every = checkpointEvery, !(every > 0 && every.isFinite) {
            throw MinimaError.invalidOption(flag: "--checkpoint-every", message: "must be a positive number of seconds, got \(every)")
        }
        if let c = checkpoint, let r = resume, c != r {
            throw MinimaError.invalidOption(flag: "--checkpoint", message: "--resume \(r) keeps checkpointing into \(r); give one of --checkpoint and --resume")
        }
        guard let folder else {
            if checkpointEvery != nil { throw MinimaError.invalidOption(flag: "--checkpoint-every", message: "applies with --checkpoint DIR or --resume DIR only") }
            return
        }
        let path = folder + "/" + Self.fileName
        let exists = FileManager.default.fileExists(atPath: path)
        if resume != nil && !exists {
            throw MinimaError.invalidOption(flag: "--resume", message: "\(path) does not exist (nothing to continue; --checkpoint \(folder) starts a run that saves there)")
        }
        if resume == nil && exists {
            throw MinimaError.invalidOption(flag: "--checkpoint", message: "\(path) holds a checkpoint already; --resume \(folder) continues it (or remove it to start afresh)")
        }
        try OutputPath.checkFolder(folder, flag: resume != nil ? "--resume" : "--checkpoint")
    }

    /// The policy these flags ask for (nil: no checkpoints); makes the folder and starts watching
    /// the stop signals.
    func policy() throws -> CheckpointPolicy? {
        guard let folder else { return nil }
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw MinimaError.invalidOption(flag: resume != nil ? "--resume" : "--checkpoint", message: "cannot create folder \(folder) (\(error.localizedDescription))")
        }
        return CheckpointPolicy(path: folder + "/" + Self.fileName, interval: checkpointEvery ?? CheckpointPolicy.defaultInterval, resume: resume != nil,
                                stop: StopRequest.watchingSignals())
    }
}
