import MinimaCore
import MinimaData
import MinimaModel
/// How a training run saves checkpoints and continues from them (`minima train --checkpoint`,
/// and every sweep run).
public struct CheckpointPolicy: Sendable {
    /// The checkpoint file (`Checkpoint`).
    public var path: String
    /// Seconds of training between periodic saves.
    public var interval: Double
    /// Continue from the checkpoint at `path` when there is one (after checking that it belongs
    /// to this run); otherwise start afresh and overwrite it.
    public var resume: Bool
    /// Set when the run must save and stop after the current batch (signals).
    public var stop: StopRequest?
    /// What identifies the run (`CheckpointFingerprint`); the trainer adds the network's and
    /// the data's.
    public var fingerprint: [String: String]
    /// Values a caller stores with the checkpoint (`CheckpointHeader.context`).
    public var context: [String: Double]

    /// The default interval between saves: five minutes.
    public static let defaultInterval: Double = 300

    public init(path: String, interval: Double = CheckpointPolicy.defaultInterval, resume: Bool = true, stop: StopRequest? = nil,
                fingerprint: [String: String] = [:], context: [String: Double] = [:]) {
        self.path = path
        self.interval = interval
        self.resume = resume
        self.stop = stop
        self.fingerprint = fingerprint
        self.context = context
    }
}

/// Thrown by a run that stopped on request after saving its checkpoint.
public struct TrainingInterrupted: Error, CustomStringConvertible, Sendable {
    public var checkpoint: String
    /// The epoch the run will continue with.
    public var epoch: Int
    public var description: String { "stopped on request in epoch \(epoch); checkpoint saved in \(checkpoint)" }
}
