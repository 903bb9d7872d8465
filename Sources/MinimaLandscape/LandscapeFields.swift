import MinimaCore

/// The inputs of this layer that errors name (see `InputField`).
extension InputField {
    /// Margin below which a pre-activation counts as on a boundary.
    public static let marginTolerance = InputField("certificate.marginTolerance")
    /// Tolerance of the differentiable-local-minimum test.
    public static let dlmTolerance = InputField("certificate.dlmTolerance")
    /// Relative tolerance of rank(A∘X).
    public static let rankTolerance = InputField("certificate.rankTolerance")
    /// Tolerance of the region fit.
    public static let fitTolerance = InputField("certificate.fitTolerance")
    /// Iterations of the iterative region fit.
    public static let maxIterations = InputField("certificate.maxIterations")
    /// Lanczos steps of the Hessian spectrum.
    public static let lanczosSteps = InputField("certificate.lanczosSteps")
    /// Largest parameter count with a dense Hessian.
    public static let hessianDenseLimit = InputField("certificate.hessianDenseLimit")
    /// How rank(A∘X) is computed.
    public static let rankMethod = InputField("certificate.rankMethod")
    /// The directions of a slice.
    public static let sliceDirection = InputField("slice.directions")
    /// The slice's range of α (and β).
    public static let sliceRange = InputField("slice.range")
    /// Points per axis of a slice.
    public static let slicePoints = InputField("slice.points")
    /// Which parameters a slice moves.
    public static let sliceMove = InputField("slice.move")
}
