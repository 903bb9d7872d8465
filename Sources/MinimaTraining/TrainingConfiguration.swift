import MinimaCore
import MinimaData
import MinimaModel
/// Everything that decides a training run apart from the data and the initial weights.
public struct TrainingConfiguration: Codable, Equatable, Sendable {
    public var optimizer: OptimizerKind = .gd
    /// Base learning rate η.
    public var learningRate: Double = 0.05
    /// Heavy-ball momentum μ (SGD only).
    public var momentum: Double = 0
    /// Minibatch size; 0 (or ≥ N) means full batch. GD is always full batch.
    public var batchSize: Int = 0
    /// Maximum number of epochs.
    public var epochs: Int = 2000
    /// Geometric decay: after epoch `decayAfter`, multiply the rate by `decay` every epoch. nil: constant.
    public var decayAfter: Int? = nil
    public var decay: Double = 0.95
    /// Stop as soon as the training MCE is 0.
    public var stopAtZeroError: Bool = false
    /// Stop as soon as the training MSE is at most this.
    public var targetMSE: Double? = nil
    /// Stop after the epoch during which this many seconds of training have passed (a
    /// wall-clock budget; nil: none).
    public var timeLimit: Double? = nil
    /// Seed of the batch order (the data and weights have their own seeds in the record).
    public var seed: UInt64 = 0
    /// Curve points per decade of epochs (log-spaced logging).
    public var logPointsPerDecade: Int = 10

    public init() {}

    public var schedule: LearningRateSchedule {
        guard let k = decayAfter else { return .constant }
        return .geometric(after: k, factor: decay)
    }

    /// Checks every value; the flag names are those of `minima train`.
    public func validate() throws {
        guard learningRate > 0, learningRate.isFinite else {
            throw MinimaError.invalidValue(field: .learningRate, message: "must be a positive number, got \(learningRate)")
        }
        guard epochs > 0 else { throw MinimaError.invalidValue(field: .epochs, message: "must be positive, got \(epochs)") }
        guard batchSize >= 0 else {
            throw MinimaError.invalidValue(field: .batchSize, message: "must be ≥ 0 (0 = full batch), got \(batchSize)")
        }
        guard momentum >= 0, momentum < 1 else {
            throw MinimaError.invalidValue(field: .momentum, message: "must be in [0, 1), got \(momentum)")
        }
        if optimizer != .sgd && momentum != 0 {
            throw MinimaError.invalidValue(field: .momentum, message: "applies to --optimizer sgd only")
        }
        if let k = decayAfter, k < 0 {
            throw MinimaError.invalidValue(field: .decayAfter, message: "must be ≥ 0, got \(k)")
        }
        guard decay > 0, decay <= 1 else {
            throw MinimaError.invalidValue(field: .decay, message: "must be in (0, 1], got \(decay)")
        }
        if let t = targetMSE, !(t >= 0) {
            throw MinimaError.invalidValue(field: .targetMSE, message: "must be ≥ 0, got \(t)")
        }
        if let t = timeLimit, !(t > 0) {
            throw MinimaError.invalidValue(field: .timeLimit, message: "must be a positive number of seconds, got \(t)")
        }
        guard logPointsPerDecade > 0 else {
            throw MinimaError.invalidValue(field: .logPointsPerDecade, message: "must be positive, got \(logPointsPerDecade)")
        }
    }

    /// The epochs at which the curve is recorded: 0 (the initial weights), log-spaced epochs
    /// (`logPointsPerDecade` per decade) and the last epoch.
    public static func logEpochs(upTo epochs: Int, perDecade: Int) -> Set<Int> {
        var set: Set<Int> = [0, epochs]
        var k = 0
        while true {
            let e = Int((pow(10, Double(k) / Double(perDecade))).rounded())
            if e > epochs { break }
            set.insert(e)
            k += 1
        }
        return set
    }
}

#if canImport(Glibc)
import Glibc
#endif
