import MinimaCore

/// The inputs of this layer that errors name (see `InputField`).
extension InputField {
    /// The region margin step as the trainer's finisher.
    public static let marginStep = InputField("training.marginStep")
    /// A run record.
    public static let run = InputField("run")
}
