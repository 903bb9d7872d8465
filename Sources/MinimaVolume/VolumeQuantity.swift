/// A quantity a volume tally holds (docs/theory.md §2), named in tables, JSON and CSV as
/// `name` says: `V(G)`, `V(suboptimal)`, `V(L_ε)`, `V(none)`, `P(rank<N)`, `undecided`.
public enum VolumeQuantity: Hashable, Sendable, Codable, CustomStringConvertible {
    /// `V(G)`: regions holding a global minimum.
    case global
    /// Regions holding a sub-optimal DLM, any MCE.
    case suboptimal
    /// `V(L_ε)`: sub-optimal DLMs with MCE > ε.
    case lossAbove(epsilon: Double)
    /// `V(none)`: regions without a DLM.
    case none
    /// `P(rank(A∘X) < N)`.
    case rankDeficient
    /// Regions GLPK did not decide within its time limit.
    case undecided

    /// The name written for it.
    public var name: String {
        switch self {
        case .global: "V(G)"
        case .suboptimal: "V(suboptimal)"
        case let .lossAbove(epsilon): "V(L_\(VolumeQuantity.text(epsilon: epsilon)))"
        case .none: "V(none)"
        case .rankDeficient: "P(rank<N)"
        case .undecided: "undecided"
        }
    }

    public var description: String { name }

    /// ε as written in names: its shortest decimal, without a trailing `.0` (`0`, `0.1`).
    public static func text(epsilon: Double) -> String {
        let s = String(epsilon)
        return s.hasSuffix(".0") ? String(s.dropLast(2)) : s
    }

    /// The quantity `name` names (nil for any other text).
    public init?(name: String) {
        let fixed: [VolumeQuantity] = [.global, .suboptimal, .none, .rankDeficient, .undecided]
        if let q = fixed.first(where: { $0.name == name }) {
            self = q
        } else if name.hasPrefix("V(L_"), name.hasSuffix(")"), let e = Double(name.dropFirst(4).dropLast()) {
            self = .lossAbove(epsilon: e)
        } else {
            return nil
        }
    }

    /// Encoded as its name, so records read as they always have.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(name)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let name = try c.decode(String.self)
        guard let q = VolumeQuantity(name: name) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(name)' names no volume quantity")
        }
        self = q
    }
}
