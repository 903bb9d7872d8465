import ArgumentParser
import Foundation
import Minima

/// `minima bounds`: the paper's bounds evaluated at given sizes.
struct Bounds: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate Theorems 6–10 at finite sizes: γ_ε, the exponent γ_ε N^{3/4}(d0·d1)^{1/4}, d1*, Theorem 9's lower bound on V(G) and its δ, assumptions A3/A4.",
        discussion: """
            Prints the numbers the theorems give when taken at face value at these sizes, and says \
            plainly which assumption fails and which bound is vacuous. The theorems are asymptotic; \
            compare with `minima volume` for measured volumes.
            """)

    @Option(help: "Samples N.") var n: Int
    @Option(help: "Input dimension d0.") var d0: Int
    @Option(help: "Hidden width d1.") var d1: Int
    @Option(help: "Error level ε ∈ (0, 1) of L_ε (MCE > ε).") var eps: Double = 0.1
    @Option(help: "Leaky-ReLU slope ρ (0 = ReLU: γ_ε uses ε alone).") var slope: Double = 0
    @OptionGroup(title: "Run") var outOption: OutOption
    var out: String? { outOption.out }
    @OptionGroup(title: "Run") var json: JSONOption

    func validate() throws {
        _ = try TheoremBounds(n: n, d0: d0, d1: d1, epsilon: eps, slope: slope)
    }

    func run() throws {
        let b = try TheoremBounds(n: n, d0: d0, d1: d1, epsilon: eps, slope: slope)
        if json.json {
            if let out { try RecordJSON.write(b, to: out) }
            print(String(decoding: try RecordJSON.encode(b), as: UTF8.self))
            return
        }
        print("N = \(n), d0 = \(d0), d1 = \(d1), ε = \(eps), ρ = \(slope)")
        print(String(format: "γ_ε = %.6g", b.gamma))
        print(String(format: "exponent γ_ε N^{3/4}(d0·d1)^{1/4} = %.6g", b.exponent))
        print(String(format: "Theorem 6:  E_X V(L_ε) ≤ exp(−%.6g) = %.3e (log10 %.4g)", b.exponent, b.theorem6Bound, b.theorem6Log10))
        print(String(format: "Theorem 10: V(L_ε)/V(G) ≤ %.3e with probability 1 − δ", b.theorem6Bound))
        if let star = b.d1Star, let lb = b.theorem9Log10LowerBound {
            print("Theorem 8:  d1* = 4⌈N/(2d0−2)⌉ = \(star)")
            print(String(format: "Theorem 9:  V(G) ≥ exp(−d1*·d0·log N) = 10^%.6g  (coarser: 10^%.6g), δ = %.4g", lb, b.theorem9CoarseLog10, b.theorem9Delta))
        }
        print(String(format: "A3 (√N ≪ d0 ≤ N): d0/√N = %.3g: ", b.a3Ratio) + (b.a3Holds ? "holds (d0 > √N)" : "fails"))
        print(String(format: "A4 (N log⁴N/d0 ≪ d1 ≪ N): d1/(N log⁴N/d0) = %.3g: ", b.a4Ratio) + (b.a4Holds ? "holds (ratio > 1, d1 < N)" : "fails"))
        for note in b.notes { print("note: " + note) }
        if let out { try RecordJSON.write(b, to: out); print("written to \(out)") }
    }
}
