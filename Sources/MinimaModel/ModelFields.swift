import MinimaCore

/// The inputs of this layer that errors name (see `InputField`).
extension InputField {
    /// Input dimension d0 of the network.
    public static let networkD0 = InputField("network.d0")
    /// Hidden widths d1 (and d2).
    public static let hidden = InputField("network.hidden")
    /// Leaky-ReLU slope ρ.
    public static let slope = InputField("network.slope")
    /// A folder of weight files.
    public static let weights = InputField("network.weights")
}
