import Foundation
import MinimaCore
import MinimaData
import MinimaModel
import MinimaLandscape

/// A proportion estimated from `k` successes in `n` independent trials, with its exact
/// (Clopper–Pearson) two-sided confidence interval.
public struct ProportionEstimate: Codable, Sendable, Equatable {
    public var successes: Int
    public var trials: Int
    /// `k / n`.
    public var estimate: Double
    public var lower: Double
    public var upper: Double
    /// The confidence level of [lower, upper], e.g. 0.95.
    public var confidence: Double

    public init(successes k: Int, trials n: Int, confidence: Double = 0.95) {
        precondition(n >= 0 && k >= 0 && k <= n, "need 0 ≤ k ≤ n, got k = \(k), n = \(n)")
        successes = k
        trials = n
        self.confidence = confidence
        estimate = n > 0 ? Double(k) / Double(n) : .nan
        (lower, upper) = ClopperPearson.interval(successes: k, trials: n, confidence: confidence)
    }
}

/// The Clopper–Pearson interval: the set of p for which neither tail of Binomial(n, p) at k
/// has probability below α/2. Its ends are beta quantiles,
/// `lower = B⁻¹(α/2; k, n−k+1)` and `upper = B⁻¹(1−α/2; k+1, n−k)`, computed here by bisection
/// on the regularised incomplete beta function `I_x(a, b)` (continued fraction, Lentz's method).
public enum ClopperPearson {
    public static func interval(successes k: Int, trials n: Int, confidence: Double) -> (Double, Double) {
        guard n > 0 else { return (0, 1) }
        let alpha = 1 - confidence
        let lower = k == 0 ? 0 : betaQuantile(alpha / 2, a: Double(k), b: Double(n - k + 1))
        let upper = k == n ? 1 : betaQuantile(1 - alpha / 2, a: Double(k + 1), b: Double(n - k))
        return (lower, upper)
    }

    /// The smallest volume a sample of n draws resolves: the upper end of the interval at
    /// k = 0 (`1 − (α/2)^{1/n}`, about 3.7/n at 95%). A volume below it is indistinguishable
    /// from 0 with this sample.
    public static func resolution(trials n: Int, confidence: Double) -> Double {
        interval(successes: 0, trials: n, confidence: confidence).1
    }

    /// The quantile `x` with `I_x(a, b) = p` (bisection to 1e-15; I_x is increasing in x).
    public static func betaQuantile(_ p: Double, a: Double, b: Double) -> Double {
        var lo = 0.0, hi = 1.0
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if regularizedIncompleteBeta(mid, a: a, b: b) < p { lo = mid } else { hi = mid }
            if hi - lo < 1e-15 { break }
        }
        return 0.5 * (lo + hi)
    }

    /// `I_x(a, b) = B(x; a, b) / B(a, b)` for a, b > 0 (Numerical Recipes §6.4: the continued
    /// fraction converges fast for x < (a+1)/(a+b+2); otherwise use `1 − I_{1−x}(b, a)`).
    public static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * continuedFraction(x, a, b) / a
        }
        return 1 - exp(logFront) * continuedFraction(1 - x, b, a) / b
    }

    private static func continuedFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let tiny = 1e-300
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let del = d * c
            h *= del
            if abs(del - 1) < 1e-15 { break }
        }
        return h
    }
}
