import Linalg
import MinimaCore

/// A data set: inputs `X` and targets `y` (docs/theory.md §1), two classes or real numbers as
/// `coding` says.
///
/// The paper writes `X ∈ R^{d0×N}` with one sample per column; Minima stores its transpose,
/// `x` (N×d0, one sample per row, row-major), the layout of numpy's `X.npy` and of PyTorch, so a
/// minibatch is a set of contiguous rows.
public struct Dataset<Scalar: LinalgScalar>: Sendable {
    /// Inputs, N×d0, one sample `x_n` per row.
    public var x: Matrix<Scalar>
    /// Targets `y_n`, N entries: `coding`'s two label values, or any finite numbers (real).
    public var y: [Scalar]
    public var coding: LabelCoding
    /// A short description of where the data came from (for run records).
    public var name: String

    /// Number of samples `N`.
    public var n: Int { x.rows }
    /// Input dimension `d0`.
    public var d0: Int { x.columns }

    public init(x: Matrix<Scalar>, y: [Scalar], coding: LabelCoding = .plusMinusOne, name: String = "") {
        precondition(x.rows == y.count, "X has \(x.rows) rows but y has \(y.count) entries")
        self.x = x
        self.y = y
        self.coding = coding
        self.name = name
    }

    /// Counts of (negative, positive) labels; nil for real targets.
    public var classCounts: (negative: Int, positive: Int)? {
        guard let t = coding.threshold.map({ Scalar($0) }) else { return nil }
        let positive = y.reduce(0) { $0 + ($1 > t ? 1 : 0) }
        return (n - positive, positive)
    }

    /// The same data in another precision.
    public func converted<Other: LinalgScalar>(to: Other.Type = Other.self) -> Dataset<Other> {
        Dataset<Other>(x: x.converted(), y: convertedElements(y), coding: coding, name: name)
    }

    /// Loads `X.npy` (N×d0) and `y.npy` (N entries) and checks that they agree. Either may be an
    /// `.npz` archive's array (`data.npz` means its `X` or `y`, `data.npz:NAME` another); without
    /// `y`, the labels are the array `y` of the archive `x` names. Labels are checked against
    /// `coding`: one of its two values, or any finite number for real targets.
    public static func load(x xPath: String, y yLocation: String? = nil, coding: LabelCoding = .plusMinusOne) throws -> Dataset {
        guard let yPath = yLocation ?? Npz.location(xPath)?.archive else {
            throw MinimaError.invalidValue(field: .dataY, message: "is required when X is a .npy file (y.npy, N entries)")
        }
        let x: Matrix<Scalar> = try Npy.readMatrix(xPath, what: "X (N×d0)")
        let y: [Scalar] = try Npy.readVector(yPath, what: "y (N entries)")
        guard x.rows == y.count else {
            throw MinimaError.mismatch("\(xPath) has N = \(x.rows) samples (rows) but \(yPath) has \(y.count) labels")
        }
        guard x.rows > 0, x.columns > 0 else {
            throw MinimaError.invalidFile(path: xPath, message: "X is empty (shape \(x.rows)×\(x.columns))")
        }
        if let classes = coding.classes {
            let allowed = [Scalar(classes.negative), Scalar(classes.positive)]
            if let bad = y.firstIndex(where: { !allowed.contains($0) }) {
                throw MinimaError.invalidFile(path: yPath, message:
                    "label \(y[bad]) at index \(bad) is not \(classes.negative) or \(classes.positive) (label coding \(coding.rawValue); use --labels, real for real-valued targets)")
            }
        } else if let bad = y.firstIndex(where: { !$0.isFinite }) {
            throw MinimaError.invalidFile(path: yPath, message: "target \(y[bad]) at index \(bad) is not a finite number")
        }
        if let bad = x.elements.firstIndex(where: { !$0.isFinite }) {
            throw MinimaError.invalidFile(path: xPath, message: "X holds a non-finite value at row \(bad / x.columns), column \(bad % x.columns)")
        }
        return Dataset(x: x, y: y, coding: coding, name: "npy:\(xPath)")
    }

    /// Writes `X.npy` and `y.npy` (in `Scalar`'s dtype) into `folder`.
    public func save(toFolder folder: String) throws {
        try Npy.write(x.elements, shape: [n, d0], to: folder + "/X.npy")
        try Npy.write(y, shape: [n], to: folder + "/y.npy")
    }
}
