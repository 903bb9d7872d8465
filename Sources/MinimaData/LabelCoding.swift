import MinimaCore
/// How binary labels are written: the authors' code used ±1 with threshold 0 (Minima's
/// default); the theory uses {0, 1} with threshold ½ (docs/theory.md §1).
public enum LabelCoding: String, Codable, Sendable, CaseIterable {
    /// Labels −1 and +1; a prediction f is positive when f > 0.
    case plusMinusOne = "pm1"
    /// Labels 0 and 1; a prediction f is positive when f > ½.
    case zeroOne = "01"

    /// The label values (negative class, positive class).
    public var negative: Double { self == .plusMinusOne ? -1 : 0 }
    public var positive: Double { 1 }
    /// The classification threshold.
    public var threshold: Double { self == .plusMinusOne ? 0 : 0.5 }

    /// Whether output `f` misclassifies label `y`. An output exactly on the threshold counts
    /// as wrong (it names neither class), as `sign(f) ≠ sign(y)` does in the PyTorch peer.
    @inline(__always)
    public func isError<Scalar: BinaryFloatingPoint>(output f: Scalar, label y: Scalar) -> Bool {
        let t = Scalar(threshold)
        return y > t ? !(f > t) : !(f < t)
    }

    /// The signed output of `f` for label `y`, in units of the distance from the threshold to a
    /// label: `y·f` with ±1 labels, `±(2f − 1)` with 0/1 labels. Positive when f is on y's side of
    /// the threshold; 1 when f equals the label.
    @inline(__always)
    public func signedOutput(_ f: Double, label y: Double) -> Double {
        (y > threshold ? 1 : -1) * (f - threshold) / (positive - threshold)
    }
}
