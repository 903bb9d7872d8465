/// One input value of the library, as its errors name it (`MinimaError.invalidValue`).
///
/// The raw value is the value's path in the library's own types, as their JSON spells it
/// (`training.learningRate`, `data.preprocessing.pool`, `certificate.rankTolerance`). The library
/// never words an input as a command-line flag: the command line maps each field to its flag,
/// and sweep specs to the spec's JSON field. Each layer declares the fields of its inputs next
/// to them, as `static let`s in an extension.
public struct InputField: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ path: String) { rawValue = path }
    public var description: String { rawValue }
}

extension InputField {
    /// Worker threads (or BLAS threads) of a computation.
    public static let threads = InputField("threads")
}
