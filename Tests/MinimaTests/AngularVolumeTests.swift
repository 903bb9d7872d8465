import Foundation
import Testing
import Linalg
import Minima
@testable import MinimaCore
@testable import MinimaData
@testable import MinimaVolume

@Suite("ClopperPearson")
struct ClopperPearsonTests {
    @Test func knownIntervals() {
        // R's binom.test(5, 10) and binom.test(1, 20).
        let a = ProportionEstimate(successes: 5, trials: 10)
        #expect(abs(a.lower - 0.1870860) < 1e-6 && abs(a.upper - 0.8129140) < 1e-6)
        let b = ProportionEstimate(successes: 1, trials: 20)
        #expect(abs(b.lower - 0.001265) < 1e-6 && abs(b.upper - 0.248733) < 1e-6)
        // k = 0: the upper end is 1 − (α/2)^{1/n}; k = n: the lower end is (α/2)^{1/n}.
        let z = ProportionEstimate(successes: 0, trials: 10)
        #expect(z.lower == 0 && abs(z.upper - (1 - pow(0.025, 0.1))) < 1e-12)
        let f = ProportionEstimate(successes: 10, trials: 10)
        #expect(f.upper == 1 && abs(f.lower - pow(0.025, 0.1)) < 1e-12)
        #expect(abs(ClopperPearson.resolution(trials: 1000, confidence: 0.95) - (1 - pow(0.025, 0.001))) < 1e-12)
    }

    @Test func incompleteBetaIsABinomialTail() {
        // I_p(k, n − k + 1) = P(Binomial(n, p) ≥ k).
        let n = 17, p = 0.31
        for k in 1...n {
            var tail = 0.0
            for j in k...n {
                let logC: Double = lgamma(Double(n + 1)) - lgamma(Double(j + 1)) - lgamma(Double(n - j + 1))
                let logP: Double = Double(j) * log(p) + Double(n - j) * log(1 - p)
                tail += exp(logC + logP)
            }
            #expect(abs(ClopperPearson.regularizedIncompleteBeta(p, a: Double(k), b: Double(n - k + 1)) - tail) < 1e-12)
        }
    }
}

@Suite("ExactVolume2D")
struct ExactVolume2DTests {
    @Test func oneSampleByHand() throws {
        // x = (1, 0), y = 1, one unit: two half-circles. ReLU: on w1 > 0, u = (1, 0) ∈ C fits
        // exactly (global); on w1 < 0 the unit is off, ŷ = 0 (suboptimal, MSE 1, MCE 1,
        // rank 0). Slope ½: on w1 < 0, ½·u1 = 1 needs u1 = 2 ∈ −C (z < 0): global.
        let data = Dataset(x: Matrix<Double>([[1, 0]]), y: [1.0])
        let relu = try ExactVolume2D.volumes(data: data, units: 1, slope: 0, epsilons: [0, 0.5])
        #expect(abs(relu.volume.global - 0.5) < 1e-12 && abs(relu.volume.suboptimal - 0.5) < 1e-12)
        #expect(abs(relu.volume.lossAbove[1] - 0.5) < 1e-12)
        #expect(abs(relu.volume.rankDeficient - 0.5) < 1e-12)
        let leaky = try ExactVolume2D.volumes(data: data, units: 1, slope: 0.5, epsilons: [0])
        #expect(abs(leaky.volume.global - 1) < 1e-12 && leaky.volume.rankDeficient == 0)
    }

    @Test func volumesSumToOne() throws {
        for (n, d1) in [(4, 2), (5, 3), (3, 4)] {
            let data: Dataset<Double> = SyntheticData.gaussian(n: n, d0: 2, seed: UInt64(n))
            let arcs = try ExactVolume2D.arcs(data.x)
            #expect(arcs.count == 2 * n)
            #expect(abs(arcs.reduce(0) { $0 + $1.volume } - 1) < 1e-12)
            let (v, regions) = try ExactVolume2D.volumes(data: data, units: d1, slope: 0, epsilons: [0])
            #expect(abs(v.total - 1) < 1e-12)
            #expect(abs(v.global + v.suboptimal + v.none + v.undecided - 1) < 1e-12)
            // multisets of d1 arcs out of 2N
            let expected = (0..<d1).reduce(1) { $0 * (2 * n + $1) } / (1...d1).reduce(1, *)
            #expect(regions == expected)
        }
    }

    @Test func refusesHugeEnumerations() {
        let data: Dataset<Double> = SyntheticData.gaussian(n: 50, d0: 2, seed: 1)
        #expect(throws: MinimaError.self) { try ExactVolume2D.volumes(data: data, units: 5, slope: 0, epsilons: [0]) }
    }

    /// On three tiny d0 = 2 configurations every Monte Carlo interval covers the exact volume.
    /// The check uses 99.9% Clopper–Pearson intervals of the same counts: with about a dozen
    /// intervals, 95% ones would all cover only about half the time for a given draw of the data.
    @Test(arguments: [(4, 2, 0.0, UInt64(1)), (5, 3, 0.3, UInt64(2)), (6, 2, 0.0, UInt64(3))])
    func monteCarloCoversExact(n: Int, d1: Int, slope: Double, seed: UInt64) throws {
        let data: Dataset<Double> = SyntheticData.gaussian(n: n, d0: 2, seed: seed)
        let eps = [0.0, 0.2]
        let (exact, _) = try ExactVolume2D.volumes(data: data, units: d1, slope: slope, epsilons: eps)
        var mc = MonteCarloVolume(units: d1, samples: 3000, seed: 100 + seed, epsilons: eps)
        mc.threads = 2
        let r = try mc.run(data: data, slope: slope)
        #expect(r.tally.total == 3000)
        for (e, (name, value)) in zip(r.estimates, exact.quantities) {
            #expect(e.quantity == name)
            let (lower, upper) = ClopperPearson.interval(successes: e.value.successes, trials: e.value.trials, confidence: 0.999)
            #expect(lower <= value && value <= upper, "\(name): exact \(value), MC \(e.value), 99.9% [\(lower), \(upper)]")
        }
        // the case is not trivial: at least two classes hold a real share of the volume
        #expect([exact.global, exact.suboptimal, exact.none].filter { $0 > 0.01 }.count >= 2, "\(exact)")
    }

    @Test func monteCarloDoesNotDependOnThreads() throws {
        let data: Dataset<Double> = SyntheticData.gaussian(n: 5, d0: 2, seed: 9)
        var mc = MonteCarloVolume(units: 2, samples: 500, seed: 4, epsilons: [0])
        mc.threads = 1
        let one = try mc.run(data: data, slope: 0).tally
        mc.threads = 3
        let three = try mc.run(data: data, slope: 0).tally
        #expect(one == three)
    }
}
