import ArgumentParser
import Minima

/// The flags that decide how a network is trained.
struct TrainingOptions: ParsableArguments {
    @Option(help: "Optimizer: gd (full batch), sgd (minibatch, --momentum), adam (PyTorch's defaults).")
    var optimizer: OptimizerKind = .gd

    @Option(help: "Learning rate η.")
    var lr: Double = 0.05

    @Option(help: "Heavy-ball momentum μ for sgd.")
    var momentum: Double = 0

    @Option(help: "Minibatch size; 0 = full batch (gd is always full batch).")
    var batch: Int = 0

    @Option(help: "Maximum number of epochs.")
    var epochs: Int = 2000

    @Option(help: "After this epoch, multiply the learning rate by --decay every epoch (the CIFAR recipe).")
    var decayAfter: Int?

    @Option(help: "Decay exponentially over the last M epochs (Figure 2's schedule): same as --decay-after (epochs − M).")
    var decayLast: Int?

    @Option(help: "Per-epoch learning-rate factor γ once decay has started (with --decay-after or --decay-last; default 0.95).")
    var decay: Double?

    @Flag(help: "Stop as soon as the training error (MCE) is 0 (class labels only: refused with --labels real).")
    var stopAtZeroError: Bool = false

    @Option(help: "Stop as soon as the training MSE is at most this.")
    var targetMSE: Double?

    @Option(help: "Stop after the epoch in which this many seconds of training have passed.")
    var timeLimit: Double?

    @Option(help: "Curve points per decade of epochs (at most 100000).")
    var logPoints: Int = 10

    /// The most curve points per decade: 10⁵ already records every epoch up to 4·10⁴.
    static let maximumLogPoints = 100_000

    /// Flags that need another flag, and sizes, before any work.
    func validate() throws {
        _ = try configuration(seed: 0)
        if decay != nil && decayAfter == nil && decayLast == nil {
            throw MinimaError.invalidOption(flag: "--decay", message: "applies once decay has started: give --decay-after k or --decay-last M as well")
        }
        if optimizer == .gd && batch != 0 {
            throw MinimaError.invalidOption(flag: "--batch", message: "does not apply to --optimizer gd, which always uses the full batch (use sgd or adam for minibatches)")
        }
        if logPoints > TrainingOptions.maximumLogPoints {
            throw MinimaError.invalidOption(flag: "--log-points", message: "at most \(TrainingOptions.maximumLogPoints) per decade, got \(logPoints)")
        }
    }

    func configuration(seed: UInt64) throws -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.optimizer = optimizer
        c.learningRate = lr
        c.momentum = momentum
        c.batchSize = batch
        c.epochs = epochs
        if decayAfter != nil && decayLast != nil {
            throw MinimaError.invalidOption(flag: "--decay-last", message: "give either --decay-after or --decay-last, not both")
        }
        if let m = decayLast {
            guard m >= 0, m <= epochs else {
                throw MinimaError.invalidOption(flag: "--decay-last", message: "must be between 0 and --epochs (\(epochs)), got \(m)")
            }
            c.decayAfter = epochs - m
        } else {
            c.decayAfter = decayAfter
        }
        c.decay = decay ?? 0.95
        c.stopAtZeroError = stopAtZeroError
        c.targetMSE = targetMSE
        c.timeLimit = timeLimit
        c.seed = seed
        c.logPointsPerDecade = logPoints
        try c.validate()
        return c
    }
}
