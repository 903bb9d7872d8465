import Linalg
import MinimaData
import MinimaModel

/// What one iteration of a `TrainingFinisher` did (the run record's `final.marginStep`).
public struct FinisherIteration: Codable, Equatable, Sendable {
    /// Samples the iteration worked on.
    public var selected: Int
    /// Wrong samples before and after the iteration; the fraction of its step actually taken
    /// (1 = the full step, halved while it made the error count worse).
    public var errorsBefore: Int
    public var errorsAfter: Int
    public var stepLength: Double
    public var mseAfter: Double
    /// Samples whose signed output lies below the finisher's safety margin (wrong ones
    /// included) before and after the iteration; absent when the finisher has no safety margin.
    public var belowSafetyBefore: Int? = nil
    public var belowSafetyAfter: Int? = nil

    public init(selected: Int, errorsBefore: Int, errorsAfter: Int, stepLength: Double, mseAfter: Double,
                belowSafetyBefore: Int? = nil, belowSafetyAfter: Int? = nil) {
        self.selected = selected
        self.errorsBefore = errorsBefore
        self.errorsAfter = errorsAfter
        self.stepLength = stepLength
        self.mseAfter = mseAfter
        self.belowSafetyBefore = belowSafetyBefore
        self.belowSafetyAfter = belowSafetyAfter
    }

    /// Whether the state after this iteration is better than the state before `first`: fewer
    /// wrong samples, or as many and fewer below the safety margin.
    public func isBetter(than first: FinisherIteration) -> Bool {
        if errorsAfter != first.errorsBefore { return errorsAfter < first.errorsBefore }
        return (belowSafetyAfter ?? 0) < (first.belowSafetyBefore ?? 0)
    }
}

/// Work from a higher layer that the trainer runs on the weights: after the last epoch, and
/// during training whenever an epoch ends with few wrong samples. The region margin step
/// (`RegionMarginStep`, in the landscape layer) is one; the trainer knows only this protocol.
///
/// `Trainer` tries the finisher on a copy of the weights and keeps the copy when the finisher
/// left fewer wrong samples, or as many and fewer below its safety margin (after the last
/// epoch), or none wrong and none below the margin (during training). An error it throws ends
/// the tries and is written into the run's message.
public protocol TrainingFinisher: Encodable, Sendable {
    /// What the run's message calls it ("the region margin step").
    var name: String { get }
    /// Try during training when an epoch ends with at most this many wrong samples (0: only
    /// after the last epoch), at most once every `tryEvery` epochs.
    var triesBelow: Int { get }
    var tryEvery: Int { get }
    /// The smallest signed output `y·f(x)` (`LabelCoding.signedOutput`) the finisher leaves
    /// every sample with when it succeeds (0: only the right side of the threshold). Under a
    /// finisher with a safety margin, training stops at zero error only once every sample
    /// clears it, and tries the finisher while one does not.
    var safety: Double { get }
    /// Runs on `network`, changing it; returns what each iteration did.
    func finish<Scalar: LinalgScalar>(_ network: inout Network<Scalar>, on data: Dataset<Scalar>) throws -> [FinisherIteration]
}

extension TrainingFinisher {
    /// No safety margin unless the finisher has one.
    public var safety: Double { 0 }
}
