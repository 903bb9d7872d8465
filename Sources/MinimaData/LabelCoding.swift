import MinimaCore
/// How targets are written: two classes, as ±1 with threshold 0 (the authors' code; Minima's
/// default) or as {0, 1} with threshold ½ (the theory, docs/theory.md §1), or real numbers (a
/// regression: the MSE and Theorem 8 take any y, but there is no class, threshold or error).
public enum LabelCoding: String, Codable, Sendable, CaseIterable {
    /// Labels −1 and +1; a prediction f is positive when f > 0.
    case plusMinusOne = "pm1"
    /// Labels 0 and 1; a prediction f is positive when f > ½.
    case zeroOne = "01"
    /// Real-valued targets: any finite y; no classes, so no MCE, errors or margins.
    case real

    /// The two classes and their threshold; nil for real targets, which have none. Everything
    /// that counts errors or measures a side of the threshold goes through this.
    public var classes: LabelClasses? {
        switch self {
        case .plusMinusOne: LabelClasses(negative: -1, positive: 1, threshold: 0)
        case .zeroOne: LabelClasses(negative: 0, positive: 1, threshold: 0.5)
        case .real: nil
        }
    }

    /// The classification threshold (nil for real targets).
    public var threshold: Double? { classes?.threshold }
    /// Whether the targets are two classes (false for real targets).
    public var isClassification: Bool { classes != nil }
}

/// The two label values of a classification coding and the threshold between them.
public struct LabelClasses: Equatable, Sendable {
    /// The label values (negative class, positive class).
    public let negative: Double, positive: Double
    /// The classification threshold.
    public let threshold: Double

    /// Whether output `f` misclassifies label `y`. An output exactly on the threshold counts
    /// as wrong (it names neither class), as `sign(f) ≠ sign(y)` does in the PyTorch peer.
    @inline(__always)
    public func isError<Scalar: BinaryFloatingPoint>(output f: Scalar, label y: Scalar) -> Bool {
        let t = Scalar(threshold)
        return y > t ? !(f > t) : !(f < t)
    }

    /// The label value of a class.
    @inline(__always)
    public func label(positive isPositive: Bool) -> Double { isPositive ? positive : negative }

    /// The signed output of `f` for label `y`, in units of the distance from the threshold to a
    /// label: `y·f` with ±1 labels, `±(2f − 1)` with 0/1 labels. Positive when f is on y's side of
    /// the threshold; 1 when f equals the label.
    @inline(__always)
    public func signedOutput(_ f: Double, label y: Double) -> Double {
        (y > threshold ? 1 : -1) * (f - threshold) / (positive - threshold)
    }
}
