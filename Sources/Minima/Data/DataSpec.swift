import Linalg

/// Where a data set comes from.
public enum DataSource: String, Codable, Sendable, CaseIterable {
    /// `X ∼ N(0, I)`, random labels (the paper's Figure 1 setting).
    case gaussian
    /// `X ∼ N(0, I)`, labels from a random teacher network (assumption A5).
    case teacher
    /// `X.npy` and `y.npy` given by the user.
    case npy
}

/// A data set described by values, so that a run record says exactly how to rebuild it.
public struct DataSpec: Codable, Equatable, Sendable {
    public var source: DataSource = .gaussian
    /// Samples N (synthetic sources).
    public var n: Int? = nil
    /// Input dimension d0 (synthetic sources).
    public var d0: Int? = nil
    /// Teacher width d1* (teacher source).
    public var teacherWidth: Int? = nil
    /// Paths of X.npy (N×d0) and y.npy (npy source).
    public var x: String? = nil
    public var y: String? = nil
    public var labels: LabelCoding = .plusMinusOne
    /// Seed of the synthetic inputs, labels and teacher.
    public var seed: UInt64 = 0

    public init() {}

    /// Checks that the fields the source needs are present and sensible.
    public func validate() throws {
        switch source {
        case .gaussian, .teacher:
            guard let n else { throw MinimaError.invalidOption(flag: "--n", message: "is required for --dataset \(source.rawValue)") }
            guard n > 0 else { throw MinimaError.invalidOption(flag: "--n", message: "must be positive, got \(n)") }
            guard let d0 else { throw MinimaError.invalidOption(flag: "--d0", message: "is required for --dataset \(source.rawValue)") }
            guard d0 > 0 else { throw MinimaError.invalidOption(flag: "--d0", message: "must be positive, got \(d0)") }
            if source == .teacher {
                guard let w = teacherWidth, w > 0 else {
                    throw MinimaError.invalidOption(flag: "--teacher-width", message: "must be a positive width for --dataset teacher")
                }
            }
        case .npy:
            guard x != nil else { throw MinimaError.invalidOption(flag: "--x", message: "is required for --dataset npy (X.npy, N×d0)") }
            guard y != nil else { throw MinimaError.invalidOption(flag: "--y", message: "is required for --dataset npy (y.npy, N entries)") }
        }
    }

    /// Builds or reads the data set in precision `Scalar`.
    public func load<Scalar: LinalgScalar>(as: Scalar.Type = Scalar.self) throws -> Dataset<Scalar> {
        try validate()
        switch source {
        case .gaussian:
            return SyntheticData.gaussian(n: n!, d0: d0!, seed: seed, coding: labels)
        case .teacher:
            return SyntheticData.teacher(n: n!, d0: d0!, width: teacherWidth!, slope: 0, seed: seed, coding: labels)
        case .npy:
            return try Dataset.load(x: x!, y: y!, coding: labels)
        }
    }
}
