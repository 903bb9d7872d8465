import MinimaCore

/// The inputs of this layer that errors name (see `InputField`).
extension InputField {
    /// The numpy peer of the landscape benchmark.
    public static let numpy = InputField("bench.numpy")
    /// The PyTorch peer script.
    public static let peer = InputField("bench.peer")
    /// The Python interpreter of the peer.
    public static let python = InputField("bench.python")
}
