import MinimaCore
import MinimaData
import MinimaModel
/// The learning rate at each epoch.
///
/// Both decaying schedules the paper's experiments use are geometric after some epoch k:
/// the authors' CIFAR recipe ("after epoch 200, ×0.95 per epoch") and Figure 2's "decay
/// exponentially over the last M epochs" (k = epochs − M). As in the PyTorch peer, the factor is
/// applied at the start of every epoch e > k, so epoch e trains with `lr·γ^max(0, e−k)`.
public enum LearningRateSchedule: Equatable, Sendable {
    case constant
    /// After epoch `after`, multiply by `factor` every epoch.
    case geometric(after: Int, factor: Double)

    /// Figure 2's schedule: constant, then exponential decay by `factor` per epoch over the last
    /// `last` of `epochs` epochs.
    public static func exponentialTail(epochs: Int, last: Int, factor: Double) -> LearningRateSchedule {
        .geometric(after: max(0, epochs - last), factor: factor)
    }

    /// The learning rate of epoch `epoch` (1-based).
    public func rate(base: Double, epoch: Int) -> Double {
        switch self {
        case .constant: return base
        case let .geometric(after, factor):
            return epoch > after ? base * pow(factor, Double(epoch - after)) : base
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
