import MinimaCore

/// The inputs of this layer that errors name (see `InputField`).
extension InputField {
    /// GD, SGD or Adam.
    public static let optimizer = InputField("training.optimizer")
    /// Learning rate η.
    public static let learningRate = InputField("training.learningRate")
    /// Maximum epochs.
    public static let epochs = InputField("training.epochs")
    /// Minibatch size.
    public static let batchSize = InputField("training.batchSize")
    /// Heavy-ball momentum μ.
    public static let momentum = InputField("training.momentum")
    /// Epoch after which the rate decays.
    public static let decayAfter = InputField("training.decayAfter")
    /// Geometric decay factor.
    public static let decay = InputField("training.decay")
    /// Stop at zero training error.
    public static let stopAtZeroError = InputField("training.stopAtZeroError")
    /// Stop at this training MSE.
    public static let targetMSE = InputField("training.targetMSE")
    /// Wall-clock budget in seconds.
    public static let timeLimit = InputField("training.timeLimit")
    /// Curve points per decade of epochs.
    public static let logPointsPerDecade = InputField("training.logPointsPerDecade")
}
