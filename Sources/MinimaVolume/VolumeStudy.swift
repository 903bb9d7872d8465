import Foundation
import Linalg
import MinimaCore
import MinimaData
import MinimaModel
import MinimaLandscape

/// The volume study of `minima reproduce`: how `V(L_ε)` and `V(L_ε)/V(G)` change
/// with N for Gaussian X and random ±1 labels, with d0 and d1 grown in the shape the paper's
/// assumptions ask (A3: d0 ∝ √N; A4 up to logs: d1 ∝ N/d0, so d0·d1 ∝ N).
///
/// **Sizes:** `d0 = max(2, round(c0·√N))`, `d1 = ⌈c1·N/d0⌉`, defaults c0 = 1 and c1 = 2, so
/// that `d0·d1 ≈ 2N`: past the `#params = N` line of Figure 1, where the paper's experiments
/// reach zero training error, and small enough for the region programs to be solved thousands of
/// times. Each N is measured over several data seeds (Theorem 6 bounds `E_X V(L_ε)`); the
/// theorem's exponent `γ_ε N^{3/4}(d0 d1)^{1/4}` is reported beside each point so the measured
/// trend can be drawn against it.
public enum VolumeStudy {
    public struct Configuration: Codable, Sendable, Equatable {
        /// The N values.
        public var sizes: [Int] = [8, 12, 16, 20, 24]
        /// c0 in d0 = max(2, round(c0·√N)).
        public var d0Factor: Double = 1
        /// c1 in d1 = ⌈c1·N/d0⌉.
        public var d1Factor: Double = 2
        /// Draws of W per data seed.
        public var samples: Int = 400
        /// Data seeds per N.
        public var dataSeeds: Int = 3
        /// Seed of the data (seeds seed, seed+1, …) and of the weight draws.
        public var seed: UInt64 = 0
        public var epsilons: [Double] = [0, 0.1, 0.2]
        /// Slope ρ (the paper's experiments use ReLU).
        public var slope: Double = 0
        public var confidence: Double = 0.95
        public var threads: Int = ProcessInfo.processInfo.activeProcessorCount

        public init() {}

        /// (d0, d1) for N.
        public func shape(n: Int) -> (d0: Int, d1: Int) {
            let d0 = max(2, Int((d0Factor * Double(n).squareRoot()).rounded()))
            let d1 = max(1, Int((d1Factor * Double(n) / Double(d0)).rounded(.up)))
            return (d0, d1)
        }

        public func validate() throws {
            guard !sizes.isEmpty, sizes.allSatisfy({ $0 >= 2 }) else {
                throw MinimaError.invalidValue(field: .studySizes, message: "needs one or more sizes N ≥ 2, got \(sizes)")
            }
            guard d0Factor > 0 else { throw MinimaError.invalidValue(field: .d0Factor, message: "must be positive, got \(d0Factor)") }
            guard d1Factor > 0 else { throw MinimaError.invalidValue(field: .d1Factor, message: "must be positive, got \(d1Factor)") }
            guard dataSeeds >= 1 else { throw MinimaError.invalidValue(field: .dataSeeds, message: "must be at least 1, got \(dataSeeds)") }
            guard epsilons.allSatisfy({ $0 >= 0 && $0 < 1 }) else {
                throw MinimaError.invalidValue(field: .epsilons, message: "every ε must be in [0, 1), got \(epsilons)")
            }
        }
    }

    /// `V(L_ε)/V(G)` for one ε: the ratio of the estimates and a conservative interval
    /// `[L.lower/G.upper, L.upper/G.lower]` (each end at the study's confidence; jointly at
    /// least 1 − 2α).
    public struct Ratio: Codable, Sendable, Equatable {
        public var epsilon: Double
        public var estimate: Double
        public var lower: Double
        public var upper: Double
        /// The theorem's exponent `γ_ε N^{3/4}(d0 d1)^{1/4}` (Theorem 10: ratio ≤ exp(−exponent));
        /// nil for ε = 0, outside the theorem's ε ∈ (0, 1).
        public var exponent: Double?
    }

    /// The measurements at one N.
    public struct Point: Codable, Sendable {
        public var n: Int, d0: Int, d1: Int
        /// Pooled over the data seeds, with each seed's run.
        public var volumes: MonteCarloVolume.DataAverage
        public var ratios: [Ratio]
        /// Distinct regions classified per second (GLPK programs dominate) and draws per second.
        public var regionsPerSecond: Double
        public var drawsPerSecond: Double
        public var seconds: Double
    }

    /// The measured trend beside the theorem's: the least-squares slope of `ln V(L_ε)` against
    /// the exponent `γ_ε N^{3/4}(d0 d1)^{1/4}` over the sizes where `V(L_ε)` was seen (hits > 0).
    /// Theorem 6 reads `ln E V(L_ε) ≤ −exponent`, i.e. a slope of −1 or steeper asymptotically.
    public struct Trend: Codable, Sendable, Equatable {
        public var epsilon: Double
        /// nil when fewer than two sizes had hits.
        public var slope: Double?
        /// The sizes N used in the fit.
        public var sizes: [Int]
    }

    /// The whole study's result.
    public struct Result: Codable, Sendable {
        public var configuration: Configuration
        public var points: [Point]
        /// One per ε > 0.
        public var trends: [Trend]
        public var blasCoreName: String
        public var seconds: Double
    }

    /// Least-squares slopes of ln V(L_ε) against the theorem's exponent.
    package static func trends(_ points: [Point], epsilons: [Double]) -> [Trend] {
        epsilons.enumerated().compactMap { k, eps -> Trend? in
            guard eps > 0 else { return nil }
            var xs: [Double] = [], ys: [Double] = [], sizes: [Int] = []
            for p in points {
                guard let e = p.volumes.estimates.estimate(of: .lossAbove(epsilon: eps)),
                      e.successes > 0, let x = p.ratios[k].exponent else { continue }
                xs.append(x); ys.append(log(e.estimate)); sizes.append(p.n)
            }
            guard xs.count >= 2 else { return Trend(epsilon: eps, slope: nil, sizes: sizes) }
            let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
            let sxy = zip(xs, ys).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
            let sxx = xs.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
            return Trend(epsilon: eps, slope: sxx > 0 ? sxy / sxx : nil, sizes: sizes)
        }
    }

    /// Runs the study; `measured` receives each N's point as soon as it is measured, `progress`
    /// (if given) the draws of each data set's Monte Carlo run, about once a second.
    public static func run(_ config: Configuration, progress: ProgressHandler? = nil,
                           measured: (Point) -> Void = { _ in }) throws -> Result {
        try config.validate()
        let start = Date()
        var points: [Point] = []
        for (index, n) in config.sizes.enumerated() {
            let (d0, d1) = config.shape(n: n)
            var mc = MonteCarloVolume(units: d1, samples: config.samples,
                                      seed: config.seed &+ 0x5EED &* UInt64(index + 1), epsilons: config.epsilons)
            mc.confidence = config.confidence
            mc.threads = config.threads
            mc.progress = progress
            let seeds = (0..<config.dataSeeds).map { config.seed &+ UInt64($0) }
            let avg: MonteCarloVolume.DataAverage = try mc.average(dataSeeds: seeds, slope: config.slope) { s in
                SyntheticData.gaussian(n: n, d0: d0, seed: s) as Dataset<Double>
            }
            let g = avg.estimates.estimate(of: .global)!
            var ratios: [Ratio] = []
            for eps in config.epsilons {
                let l = avg.estimates.estimate(of: .lossAbove(epsilon: eps))!
                let exponent = eps > 0 ? (try? TheoremBounds(n: n, d0: d0, d1: d1, epsilon: eps, slope: config.slope))?.exponent : nil
                ratios.append(Ratio(epsilon: eps,
                                    estimate: g.estimate > 0 ? l.estimate / g.estimate : .nan,
                                    lower: g.upper > 0 ? l.lower / g.upper : .nan,
                                    upper: g.lower > 0 ? l.upper / g.lower : .infinity,
                                    exponent: exponent))
            }
            let draws = Double(config.samples * config.dataSeeds)
            let point = Point(n: n, d0: d0, d1: d1, volumes: avg, ratios: ratios,
                              regionsPerSecond: avg.regionsPerSecond,
                              drawsPerSecond: draws / max(avg.seconds, 1e-9), seconds: avg.seconds)
            points.append(point)
            measured(point)
        }
        return Result(configuration: config, points: points, trends: trends(points, epsilons: config.epsilons),
                      blasCoreName: BLASEnvironment.coreName,
                      seconds: Date().timeIntervalSince(start))
    }
}
