/// How far a long computation has come, sent by the layer doing the work to a
/// `ProgressHandler`: `done` of `total` steps (epochs, runs, draws, grid points, LSQR
/// iterations, tiles of a factorisation), the seconds since the work began, the time left, and what the layer measures
/// on the way (the training MSE and MCE, a sweep's failures, LSQR's residuals).
public struct ProgressEvent: Sendable, Equatable {
    /// What one step is.
    public enum Step: String, Sendable, Equatable {
        case epoch, run, draw, point, iteration, tile
    }

    /// A quantity measured on the way.
    public enum Measure: Sendable, Equatable {
        /// The training MSE (of the last epoch's batches between evaluations).
        case mse(Double)
        /// The training MCE, a fraction; nan when the epoch was not evaluated or the targets are
        /// real-valued (no threshold).
        case mce(Double)
        /// The learning rate η of the epoch.
        case learningRate(Double)
        /// Runs that ended in an error.
        case failures(Int)
        /// LSQR's ‖r‖/‖b‖.
        case relativeResidual(Double)
        /// LSQR's normal-equation residual ‖Mᵀr‖/(‖M‖‖r‖).
        case normalResidual(Double)
    }

    public var step: Step
    public var done: Int
    /// Steps in all (for LSQR, its iteration limit).
    public var total: Int
    /// Seconds since the work began.
    public var elapsed: Double
    /// Estimated seconds left; nil when there is no estimate (LSQR stops when it converges).
    public var eta: Double?
    public var measures: [Measure]
    /// One line on the step just finished (a sweep's run and its result).
    public var note: String?

    /// An event whose time left is the elapsed time per step done times the steps still to do
    /// (nan before the first step); a layer that knows better sets `eta` itself.
    public init(_ step: Step, done: Int, of total: Int, elapsed: Double, measures: [Measure] = [], note: String? = nil) {
        self.step = step
        self.done = done
        self.total = total
        self.elapsed = elapsed
        self.eta = done > 0 ? elapsed / Double(done) * Double(max(0, total - done)) : .nan
        self.measures = measures
        self.note = note
    }

    /// Whether every step is done.
    public var isFinished: Bool { done >= total }
}

/// Receives progress events, from any thread (the layers call it from their workers).
public typealias ProgressHandler = @Sendable (ProgressEvent) -> Void
