extension Duration {
    /// The duration in seconds, as a Double (for records and reports).
    public var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

extension ContinuousClock {
    /// The seconds `body` takes on the continuous clock.
    public static func seconds(_ body: () throws -> Void) rethrows -> Double {
        try ContinuousClock().measure(body).inSeconds
    }
}
