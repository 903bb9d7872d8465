/// An error a user can act on: it names the flag, file or field at fault and what was expected.
/// The command-line tool prints `description` on one line and exits with code 2.
public enum MinimaError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A command-line value is out of range or malformed.
    case invalidOption(flag: String, message: String)
    /// A file is missing, unreadable, malformed or inconsistent with another input.
    case invalidFile(path: String, message: String)
    /// Inputs that are each fine but do not fit together (for example X and y sizes).
    case mismatch(String)
    /// A numerical routine failed.
    case numerical(String)

    public var description: String {
        switch self {
        case let .invalidOption(flag, message): return "\(flag): \(message)"
        case let .invalidFile(path, message): return "\(path): \(message)"
        case let .mismatch(message): return message
        case let .numerical(message): return message
        }
    }
}
