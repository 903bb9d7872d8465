/// An error a user can act on: it names the field, file or flag at fault and what was expected.
/// The command-line tool prints it on one line (a field worded as its flag) and exits with code 2.
public enum MinimaError: Error, CustomStringConvertible, Equatable, Sendable {
    /// An input value of the library is out of range, malformed or does not apply.
    case invalidValue(field: InputField, message: String)
    /// A command-line value is out of range or malformed (raised by the command-line tool only).
    case invalidOption(flag: String, message: String)
    /// A file is missing, unreadable, malformed or inconsistent with another input.
    case invalidFile(path: String, message: String)
    /// Inputs that are each fine but do not fit together (for example X and y sizes).
    case mismatch(String)
    /// A numerical routine failed.
    case numerical(String)
    /// A size (from a flag or a file's header) needs more memory than is available; `bytes` is
    /// nil when the size does not even fit in an `Int`. See `MemoryBudget`.
    case tooLarge(what: String, bytes: Int?, available: Int, limited: Bool)

    public var description: String {
        switch self {
        case let .invalidValue(field, message): return "\(MinimaError.fieldWording(field)): \(message)"
        case let .invalidOption(flag, message): return "\(flag): \(message)"
        case let .invalidFile(path, message): return "\(path): \(message)"
        case let .mismatch(message): return message
        case let .numerical(message): return message
        case let .tooLarge(what, bytes, available, limited):
            let need = bytes.map { "needs " + MemoryBudget.describe($0) } ?? "needs more bytes than a 64-bit size can count"
            return "\(what): \(need), more than the \(MemoryBudget.describe(available)) available (\(limited ? "the memory limit" : "physical memory"))"
        }
    }
}

extension MinimaError {
    /// How `description` words a field: by its path (`training.learningRate`) unless the
    /// program says otherwise; the command-line tool words each field as its flag.
    public static var fieldWording: @Sendable (InputField) -> String {
        get { wording.withLock { $0 } }
        set { wording.withLock { $0 = newValue } }
    }

    private static let wording = LockedValue<@Sendable (InputField) -> String>({ $0.rawValue })
}
