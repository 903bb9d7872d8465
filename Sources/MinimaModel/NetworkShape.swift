import MinimaCore
import MinimaData
/// The architecture of docs/theory.md §1: `f(x) = zᵀ φ(W_L ⋯ φ(W_1 x))` with depth L ∈ {1, 2} hidden
/// layers, a single output, leaky-ReLU slope ρ, and optional biases (off by default).
public struct NetworkShape: Codable, Equatable, Sendable {
    /// Input dimension `d0`.
    public var d0: Int
    /// Hidden widths `[d1]` or `[d1, d2]`.
    public var hidden: [Int]
    /// Leaky-ReLU slope `ρ` for negative inputs (`a(u) = ρ` for u < 0); 0 is ReLU.
    public var slope: Double
    /// Whether every layer, the output included, has a bias.
    public var bias: Bool

    public init(d0: Int, hidden: [Int], slope: Double = 0, bias: Bool = false) {
        self.d0 = d0
        self.hidden = hidden
        self.slope = slope
        self.bias = bias
    }

    /// Number of hidden layers.
    public var depth: Int { hidden.count }
    /// Widths `[d0, d1, …]` of every layer's input.
    public var widths: [Int] { [d0] + hidden }

    /// Checks sizes and slope; the flag names are those of `minima train`.
    public func validate() throws {
        guard d0 > 0 else { throw MinimaError.invalidValue(field: .networkD0, message: "must be positive, got \(d0)") }
        guard (1...2).contains(hidden.count) else {
            throw MinimaError.invalidValue(field: .hidden, message: "one or two hidden widths are supported, got \(hidden.count)")
        }
        if let bad = hidden.first(where: { $0 <= 0 }) {
            throw MinimaError.invalidValue(field: .hidden, message: "widths must be positive, got \(bad)")
        }
        guard slope.isFinite, slope != 1 else {
            throw MinimaError.invalidValue(field: .slope, message: "ρ must be finite and ≠ 1 (ρ = 1 makes the network linear), got \(slope)")
        }
        // Weights, gradient and two optimizer moments: four vectors of parameters, in Float64.
        try MemoryBudget.check(elements: checkedParameterCount.flatMap { MemoryBudget.product($0, 4) }, of: 8,
                               what: "\(MinimaError.fieldWording(.hidden)) \(hidden.map(String.init).joined(separator: ",")) (d0 = \(d0))")
    }

    /// `parameterCount` in arithmetic that cannot wrap; nil when it does not fit in an `Int`.
    public var checkedParameterCount: Int? {
        let widths = self.widths
        var total: Int? = MemoryBudget.sum(widths[depth], bias ? 1 : 0)
        for l in 0..<depth {
            total = MemoryBudget.sum(total, MemoryBudget.product(widths[l + 1], widths[l]), bias ? widths[l + 1] : 0)
        }
        return total
    }

    /// Total number of trainable parameters (weights and, if on, biases).
    public var parameterCount: Int { ParameterLayout(self).count }
}

/// Where each weight matrix and vector sits in a network's single flat parameter vector.
/// Order: `W1` (d1×d0, row-major), `b1`, `W2`, `b2`, …, `z` (d_L), `bz` (one output bias);
/// the biases only when `bias` is on. Gradients and optimizer states use the same layout.
public struct ParameterLayout: Equatable, Sendable {
    public let weights: [Range<Int>]
    public let biases: [Range<Int>]?
    public let output: Range<Int>
    public let outputBias: Int?
    public let count: Int

    public init(_ shape: NetworkShape) {
        var offset = 0
        var weights: [Range<Int>] = []
        var biases: [Range<Int>] = []
        let widths = shape.widths
        for l in 0..<shape.depth {
            weights.append(offset..<(offset + widths[l + 1] * widths[l]))
            offset += widths[l + 1] * widths[l]
            if shape.bias {
                biases.append(offset..<(offset + widths[l + 1]))
                offset += widths[l + 1]
            }
        }
        output = offset..<(offset + widths[shape.depth])
        offset += widths[shape.depth]
        if shape.bias { outputBias = offset; offset += 1 } else { outputBias = nil }
        self.weights = weights
        self.biases = shape.bias ? biases : nil
        self.count = offset
    }
}
