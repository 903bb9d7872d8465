import Linalg
import MinimaCore
import MinimaData
import MinimaModel

/// The activation pattern `A = a(W X)` of one hidden layer (docs/theory.md §2) and how far the
/// weights are from the boundary of its differentiable region `D_A(X)`.
///
/// **Orientation.** The paper's `A` is d1×N (one column per sample). Minima stores its transpose,
/// `slopes` (N×d1, one sample per ROW), matching `Dataset.x` (N×d0, the paper's `Xᵀ`):
/// `slopes[n, i] = a(w_iᵀ x_n + b_i)`, which is 1 when the pre-activation is positive and ρ
/// otherwise (ρ at exactly 0, as `Network` does; such entries are counted in `exactZeros`).
///
/// **Margins.** The raw margin of unit i on sample n is `|w_iᵀ x_n + b_i|`; the relative margin
/// divides it by `‖(w_i, b_i)‖·‖(x_n, 1)‖` (the 1 and b_i only with biases), the cosine of the
/// angle between the sample and the unit's hyperplane: scale-free, so one tolerance fits every
/// data set. A relative margin below about `d0·ε` cannot be told from zero, because computing
/// `w_iᵀ x_n` in floating point makes an error of up to `d0·ε·‖w_i‖·‖x_n‖`.
public struct ActivationPattern<Scalar: LinalgScalar>: Sendable {
    /// `Aᵀ`: N×d1, entry (n, i) = `a(w_iᵀ x_n)` ∈ {ρ, 1}.
    public let slopes: Matrix<Scalar>
    /// Smallest raw margin `min_{i,n} |w_iᵀ x_n|` of each unit (d1 entries).
    public let unitMinAbs: [Double]
    /// Smallest relative margin of each unit (d1 entries).
    public let unitMinRelative: [Double]
    /// Fraction of samples on which each unit is active (pre-activation > 0).
    public let unitActiveFraction: [Double]
    /// Pre-activations exactly 0.
    public let exactZeros: Int
    /// Pre-activations with relative margin ≤ `tolerance` (exact zeros included).
    public let nearZero: Int
    /// The relative-margin tolerance `nearZero` was counted with.
    public let tolerance: Double

    /// Samples N.
    public var n: Int { slopes.rows }
    /// Units d1.
    public var units: Int { slopes.columns }
    /// Global raw margin `min_{i,n} |w_iᵀ x_n|`.
    public var minAbs: Double { unitMinAbs.min() ?? .infinity }
    /// Global relative margin `min_{i,n} |w_iᵀ x_n| / (‖w_i‖‖x_n‖)`.
    public var minRelative: Double { unitMinRelative.min() ?? .infinity }

    /// The default relative-margin tolerance for inputs of dimension `d`: `d·ε` of `Scalar`, the
    /// worst-case rounding error of a dot product of length d relative to `‖w‖·‖x‖`.
    public static func defaultTolerance(inputDimension d: Int) -> Double {
        Double(Swift.max(1, d)) * Double(Scalar.ulpOfOne)
    }

    /// The pattern of the layer with weights `weights` (d1×d, rows `w_i`) and optional biases
    /// `biases` (d1) on `inputs` (N×d, one sample per row), with slope `rho` for negative inputs.
    /// `tolerance` (relative margin) defaults to `defaultTolerance(inputDimension: d)`.
    public init(inputs: Matrix<Scalar>, weights: Matrix<Scalar>, biases: [Scalar]? = nil,
                slope rho: Double, tolerance: Double? = nil) {
        precondition(inputs.columns == weights.columns,
                     "inputs have \(inputs.columns) columns, weights \(weights.columns)")
        let n = inputs.rows, d = inputs.columns, d1 = weights.rows
        if let b = biases { precondition(b.count == d1, "need \(d1) biases, got \(b.count)") }
        let tol = tolerance ?? Self.defaultTolerance(inputDimension: d + (biases == nil ? 0 : 1))
        var pre = Matrix.product(inputs, .none, weights, .transposed)   // N×d1
        let extra: Double = biases == nil ? 0 : 1
        let sampleNorms = (0..<n).map { r -> Double in
            inputs.elements.withUnsafeBufferPointer { p in
                let s = Double(Scalar.nrm2(d, p.baseAddress! + r * d, 1))
                return (s * s + extra).squareRoot()
            }
        }
        let unitNorms = (0..<d1).map { i -> Double in
            let s = weights.elements.withUnsafeBufferPointer { Double(Scalar.nrm2(d, $0.baseAddress! + i * d, 1)) }
            let b = biases.map { Double($0[i]) } ?? 0
            return (s * s + b * b).squareRoot()
        }
        var minAbs = [Double](repeating: .infinity, count: d1)
        var minRel = [Double](repeating: .infinity, count: d1)
        var active = [Int](repeating: 0, count: d1)
        var zeros = 0, near = 0
        let r = Scalar(rho)
        pre.elements.withUnsafeMutableBufferPointer { p in
            for s in 0..<n {
                for i in 0..<d1 {
                    let k = s * d1 + i
                    let u = p[k] + (biases?[i] ?? 0)
                    let a = abs(Double(u))
                    let scale = unitNorms[i] * sampleNorms[s]
                    let rel = scale > 0 ? a / scale : 0
                    if a < minAbs[i] { minAbs[i] = a }
                    if rel < minRel[i] { minRel[i] = rel }
                    if u == 0 { zeros += 1 }
                    if rel <= tol { near += 1 }
                    if u > 0 { active[i] += 1 }
                    p[k] = u > 0 ? 1 : r
                }
            }
        }
        slopes = pre
        unitMinAbs = minAbs
        unitMinRelative = minRel
        unitActiveFraction = active.map { Double($0) / Double(Swift.max(1, n)) }
        exactZeros = zeros
        nearZero = near
        self.tolerance = tol
    }

    /// The hidden activations `φ(P) = A ⊙ P` are not kept; this rebuilds them (N×d1) for the
    /// layer above: `h_{n,i} = a_{n,i}·(w_iᵀ x_n + b_i)`.
    public static func activations(inputs: Matrix<Scalar>, weights: Matrix<Scalar>, biases: [Scalar]?,
                                   slope rho: Double) -> Matrix<Scalar> {
        var h = Matrix.product(inputs, .none, weights, .transposed)
        let d1 = weights.rows
        let r = Scalar(rho)
        h.elements.withUnsafeMutableBufferPointer { p in
            for k in 0..<p.count {
                let u = p[k] + (biases?[k % d1] ?? 0)
                p[k] = u > 0 ? u : r * u
            }
        }
        return h
    }
}

/// A summary of an `ActivationPattern` for reports and JSON (one per hidden layer).
public struct PatternStatistics: Codable, Equatable, Sendable {
    /// Hidden layer (1-based).
    public var layer: Int
    /// `min_{i,n} |w_iᵀ x_n|` (raw margin).
    public var minAbsPreactivation: Double
    /// `min_{i,n} |w_iᵀ x_n| / (‖w_i‖‖x_n‖)` (relative margin).
    public var minRelativePreactivation: Double
    /// Pre-activations exactly 0.
    public var exactZeros: Int
    /// Pre-activations with relative margin ≤ `marginTolerance`.
    public var nearZero: Int
    public var marginTolerance: Double
    /// Fraction of all (unit, sample) pairs that are active.
    public var activeFraction: Double
    /// Units active on no sample (dead) and on every sample (linear).
    public var deadUnits: Int
    public var alwaysActiveUnits: Int

    public init<Scalar>(layer: Int, pattern p: ActivationPattern<Scalar>) {
        self.layer = layer
        minAbsPreactivation = p.minAbs
        minRelativePreactivation = p.minRelative
        exactZeros = p.exactZeros
        nearZero = p.nearZero
        marginTolerance = p.tolerance
        activeFraction = p.unitActiveFraction.reduce(0, +) / Double(Swift.max(1, p.units))
        deadUnits = p.unitActiveFraction.filter { $0 == 0 }.count
        alwaysActiveUnits = p.unitActiveFraction.filter { $0 == 1 }.count
    }
}
