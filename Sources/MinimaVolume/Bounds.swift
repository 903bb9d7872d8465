import Foundation
import MinimaCore
import MinimaData
import MinimaModel
import MinimaLandscape

/// The paper's bounds evaluated at finite sizes (docs/theory.md §3): Theorems 6/10 (upper bounds on
/// `V(L_ε)` and `V(L_ε)/V(G)`), Theorem 8's width `d1*`, Theorem 9's lower bound on `V(G)` and
/// its failure probability δ, and whether assumptions A3/A4 hold. The theorems are asymptotic
/// (first order in the exponent); the numbers say what they give *if* taken at face value, and
/// `notes` say plainly when a bound says nothing.
public struct TheoremBounds: Codable, Sendable, Equatable {
    /// Samples N, input dimension d0, hidden width d1, error level ε, slope ρ.
    public var n: Int, d0: Int, d1: Int
    public var epsilon: Double
    public var slope: Double

    /// `γ_ε = 0.23·max(d0/N, ε)^{3/4}` for ρ ∉ {0, 1}; `0.23·ε^{3/4}` for ReLU (ρ = 0).
    /// (The paper's `lim d0/N` is taken at the given sizes.)
    public var gamma: Double
    /// `γ_ε N^{3/4} (d0·d1)^{1/4}`: the exponent of Theorems 6 and 10.
    public var exponent: Double
    /// Theorem 6: `E_X V(L_ε) ≤ exp(−exponent)`; Theorem 10: `V(L_ε)/V(G) ≤ exp(−exponent)`.
    public var theorem6Bound: Double
    /// `log10` of the same (readable when it underflows).
    public var theorem6Log10: Double
    /// Theorem 8: `d1* = 4⌈N/(2d0 − 2)⌉` (nil for d0 = 1, where the theorem says nothing).
    public var d1Star: Int?
    /// Theorem 9: `V(G) ≥ exp(−d1*·d0·log N)`, as its natural log and log10.
    public var theorem9LogLowerBound: Double?
    public var theorem9Log10LowerBound: Double?
    /// Theorem 9's weaker form `exp(−2N log N)`, log10.
    public var theorem9CoarseLog10: Double
    /// Theorem 9's failure probability `δ ≈ √(8/π)·d0^{−1/2} + 2·d0^{1/2}·√(log d0)/N`.
    public var theorem9Delta: Double
    /// A3: `√N ≪ d0 ≤ N`; reported as the ratio d0/√N and whether d0 > √N and d0 ≤ N.
    public var a3Holds: Bool
    public var a3Ratio: Double
    /// A4: `N·log⁴N/d0 ≪ d1 ≪ N`; the ratio d1/(N log⁴N/d0) and whether it exceeds 1 with d1 < N.
    public var a4Holds: Bool
    public var a4Ratio: Double
    /// Plain statements about what the bounds say at these sizes.
    public var notes: [String]

    public init(n: Int, d0: Int, d1: Int, epsilon: Double, slope: Double) throws {
        guard n >= 2 else { throw MinimaError.invalidValue(field: .boundN, message: "must be at least 2, got \(n)") }
        guard d0 >= 1 else { throw MinimaError.invalidValue(field: .boundD0, message: "must be positive, got \(d0)") }
        guard d1 >= 1 else { throw MinimaError.invalidValue(field: .boundD1, message: "must be positive, got \(d1)") }
        guard epsilon > 0, epsilon < 1 else {
            throw MinimaError.invalidValue(field: .boundEpsilon, message: "ε must be in (0, 1) (assumption A2), got \(epsilon)")
        }
        guard slope.isFinite, slope != 1 else {
            throw MinimaError.invalidValue(field: .boundSlope, message: "ρ must be finite and ≠ 1, got \(slope)")
        }
        self.n = n; self.d0 = d0; self.d1 = d1; self.epsilon = epsilon; self.slope = slope
        let N = Double(n), D0 = Double(d0), D1 = Double(d1)
        gamma = slope == 0 ? 0.23 * pow(epsilon, 0.75) : 0.23 * pow(max(D0 / N, epsilon), 0.75)
        exponent = gamma * pow(N, 0.75) * pow(D0 * D1, 0.25)
        theorem6Bound = exp(-exponent)
        theorem6Log10 = -exponent / log(10)
        if d0 >= 2 {
            guard let star = TheoremBounds.d1Star(n: n, d0: d0) else {
                throw MinimaError.invalidValue(field: .boundN, message: "Theorem 8's d1* = 4⌈N/(2d0−2)⌉ = \(String(format: "%.3g", 4 * (N / (2 * D0 - 2)).rounded(.up))) does not fit in a 64-bit integer at N = \(n), d0 = \(d0)")
            }
            d1Star = star
            theorem9LogLowerBound = -Double(star) * D0 * log(N)
            theorem9Log10LowerBound = theorem9LogLowerBound! / log(10)
        }
        theorem9CoarseLog10 = -2 * N * log(N) / log(10)
        theorem9Delta = (8 / Double.pi).squareRoot() / D0.squareRoot() + 2 * D0.squareRoot() * log(D0).squareRoot() / N
        a3Ratio = D0 / N.squareRoot()
        a3Holds = D0 > N.squareRoot() && d0 <= n
        let log4 = pow(log(N), 4)
        a4Ratio = D1 / (N * log4 / D0)
        a4Holds = a4Ratio > 1 && d1 < n

        var notes: [String] = []
        if !a3Holds { notes.append(String(format: "A3 fails: d0 = %d is not between √N = %.1f and N = %d.", d0, N.squareRoot(), n)) }
        if !a4Holds {
            notes.append(String(format: "A4 fails: d1 = %d, but A4 asks N·log⁴N/d0 = %.3g ≪ d1 ≪ N = %d; Theorems 6 and 10 are not guaranteed at these sizes.",
                                d1, N * log4 / D0, n))
        }
        if let star = d1Star {
            if d1 < star {
                notes.append("d1 = \(d1) < d1* = \(star): Theorem 8 does not promise a global minimum at this width, so Theorem 9's lower bound on V(G) does not apply.")
            }
        } else {
            notes.append("d0 = 1: Theorem 8 (d1* = 4⌈N/(2d0−2)⌉) is undefined; Theorem 9 says nothing.")
        }
        if theorem9Delta >= 1 {
            notes.append(String(format: "Theorem 9 holds with probability 1 − δ, δ = %.3g ≥ 1: vacuous at these sizes.", theorem9Delta))
        }
        if exponent < 1 {
            notes.append(String(format: "The exponent γ_ε N^{3/4}(d0 d1)^{1/4} = %.3g < 1: the bound exp(−%.3g) = %.3g is close to the trivial bound 1.",
                                exponent, exponent, theorem6Bound))
        }
        notes.append("All three theorems are asymptotic (first order in the exponent): at finite N they are statements of trend, not guarantees.")
        self.notes = notes
    }

    /// Theorem 8's width `d1* = 4⌈N/(2d0 − 2)⌉` (d0 ≥ 2) in arithmetic that cannot wrap; nil
    /// when it does not fit in an `Int`.
    static func d1Star(n: Int, d0: Int) -> Int? {
        // 2d0 − 2 = 2(d0 − 1) overflows only when it exceeds every N, and then ⌈N/(2d0 − 2)⌉ = 1.
        let (groupSize, overflow) = (d0 - 1).multipliedReportingOverflow(by: 2)
        let groups = overflow ? 1 : n / groupSize + (n % groupSize == 0 ? 0 : 1)
        let (star, tooMany) = groups.multipliedReportingOverflow(by: 4)
        return tooMany ? nil : star
    }
}
