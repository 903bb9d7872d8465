import MinimaCore

/// The inputs of this layer that errors name (see `InputField`).
extension InputField {
    /// Hidden units d1 of the sampled networks.
    public static let units = InputField("volume.units")
    /// Monte Carlo draws.
    public static let samples = InputField("volume.samples")
    /// Confidence level of the intervals.
    public static let confidence = InputField("volume.confidence")
    /// Seeds of the data sets averaged over.
    public static let dataSeeds = InputField("volume.dataSeeds")
    /// Exact volumes (d0 = 2).
    public static let exact = InputField("volume.exact")
    /// Input dimension d0 of a volume.
    public static let volumeD0 = InputField("volume.d0")
    /// Sample counts N of a volume study.
    public static let studySizes = InputField("study.sizes")
    /// d0 = factor·√N in a volume study.
    public static let d0Factor = InputField("study.d0Factor")
    /// d1 = ⌈factor·N/d0⌉ in a volume study.
    public static let d1Factor = InputField("study.d1Factor")
    /// The ε of V(L_ε).
    public static let epsilons = InputField("volume.epsilons")
    /// Samples N of a bound.
    public static let boundN = InputField("bounds.n")
    /// Input dimension d0 of a bound or construction.
    public static let boundD0 = InputField("bounds.d0")
    /// Hidden width d1 of a bound.
    public static let boundD1 = InputField("bounds.d1")
    /// ε of a bound (assumption A2).
    public static let boundEpsilon = InputField("bounds.epsilon")
    /// Leaky-ReLU slope ρ of a bound or construction.
    public static let boundSlope = InputField("bounds.slope")
}
