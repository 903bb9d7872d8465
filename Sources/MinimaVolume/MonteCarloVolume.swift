import Foundation
import Linalg
import MinimaCore
import MinimaData
import MinimaModel
import MinimaLandscape

/// One volume estimate with its Clopper–Pearson interval (for tables and records).
public struct VolumeEstimate: Codable, Sendable, Equatable {
    public var quantity: VolumeQuantity
    public var value: ProportionEstimate
}

extension Array where Element == VolumeEstimate {
    /// The estimate of `quantity` (nil when the tally does not hold it, e.g. an ε off its grid).
    public func estimate(of quantity: VolumeQuantity) -> ProportionEstimate? {
        first { $0.quantity == quantity }?.value
    }
}

/// Monte Carlo estimates of angular volumes for any size (docs/theory.md §2–3): draw `W ∼ N(0, I)`
/// (d1×d0), find its region `D_A` (the signs of `W X`), classify the region, count.
///
/// Reproducible and independent of the thread count: the draws are cut into blocks of
/// `blockSize`, block b always uses `SeededGenerator(seed:, stream: .volumeBlocks, index: b)`, workers take blocks
/// round-robin, and the per-block counts are summed (integers, so the order does not matter).
/// Workers run with OpenBLAS set to one thread (restored afterwards).
public struct MonteCarloVolume: Sendable {
    /// Hidden units d1.
    public var units: Int
    /// Number of draws of W.
    public var samples: Int
    /// Seed of the weight draws.
    public var seed: UInt64
    /// The ε grid of `L_ε`.
    public var epsilons: [Double]
    public var confidence: Double = 0.95
    /// Worker threads.
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    public var method: RegionClassifier.Method = .automatic
    /// Called about once a second from a worker, counting draws.
    public var progress: ProgressHandler? = nil

    static let blockSize = 32

    public init(units: Int, samples: Int, seed: UInt64, epsilons: [Double]) {
        self.units = units
        self.samples = samples
        self.seed = seed
        self.epsilons = epsilons
    }

    /// What one run measured.
    public struct Result: Codable, Sendable {
        /// Counts per class (weights = number of draws).
        public var tally: AngularVolume
        /// Each volume as a proportion of the draws, with its interval.
        public var estimates: [VolumeEstimate]
        /// The smallest volume this many draws resolves (upper end of the interval at 0 hits).
        public var resolution: Double
        /// Distinct regions (up to relabelling units) classified by LP/MIP in this run.
        public var regionsClassified: Int
        public var seconds: Double
        public var drawsPerSecond: Double
        public var regionsPerSecond: Double
    }

    public func validate() throws {
        guard units >= 1 else { throw MinimaError.invalidValue(field: .units, message: "d1 must be positive, got \(units)") }
        guard samples >= 1 else { throw MinimaError.invalidValue(field: .samples, message: "must be positive, got \(samples)") }
        let blockLimit = UInt64(MonteCarloVolume.blockSize) * RandomStream.volumeBlocks.count
        guard UInt64(samples) <= blockLimit else {
            throw MinimaError.invalidValue(field: .samples, message: "at most \(blockLimit) draws (2³² blocks of \(MonteCarloVolume.blockSize), one random stream each), got \(samples)")
        }
        guard confidence > 0, confidence < 1 else {
            throw MinimaError.invalidValue(field: .confidence, message: "must be in (0, 1), got \(confidence)")
        }
        guard threads >= 1 else { throw MinimaError.invalidValue(field: .threads, message: "must be positive, got \(threads)") }
    }

    /// Estimates the volumes for `data` with slope ρ. `cache` may be shared between runs on the
    /// same data.
    public func run<Scalar: LinalgScalar>(data: Dataset<Scalar>, slope: Double, cache: RegionCache = RegionCache()) throws -> Result {
        try validate()
        let classifier = RegionClassifier(data: data, slope: slope, method: method)
        let x = classifier.x
        let d0 = x.columns, d1 = units, n = data.n
        for s in 0..<n where (0..<d0).allSatisfy({ x[s, $0] == 0 }) {
            throw MinimaError.mismatch("sample \(s) is the zero vector: every pre-activation on it is 0, so no region is differentiable")
        }
        let blocks = (samples + MonteCarloVolume.blockSize - 1) / MonteCarloVolume.blockSize
        let workers = min(threads, blocks)
        let before = cache.classified
        let start = Date()
        let results = WorkerResults(count: workers, epsilons: epsilons, progress: progress, total: samples, start: start)
        let seed = self.seed
        let total = samples
        BLASEnvironment.withThreads(1) { DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var tally = AngularVolume(epsilons: epsilons)
            do {
                for b in stride(from: worker, to: blocks, by: workers) {
                    var rng = SeededGenerator(seed: seed, stream: .volumeBlocks, index: b)
                    let first = b * MonteCarloVolume.blockSize
                    for _ in first..<min(total, first + MonteCarloVolume.blockSize) {
                        let w = Matrix<Double>(rows: d1, columns: d0, elements: rng.normals(d1 * d0))
                        let (pattern, _) = RegionPattern.of(weights: w, inputs: x)
                        let (c, _) = try cache.classification(of: pattern, by: classifier)
                        tally.add(c, weight: 1, samples: n)
                    }
                    results.advance(min(total, first + MonteCarloVolume.blockSize) - first)
                }
                results.set(worker, tally)
            } catch {
                results.fail(error)
            }
        } }
        if let e = results.error { throw e }
        let tally = results.tallies.reduce(AngularVolume(epsilons: epsilons), +)
        let seconds = Date().timeIntervalSince(start)
        let fresh = cache.classified - before
        return Result(tally: tally, estimates: MonteCarloVolume.estimates(tally, confidence: confidence),
                      resolution: ClopperPearson.resolution(trials: samples, confidence: confidence),
                      regionsClassified: fresh, seconds: seconds,
                      drawsPerSecond: Double(samples) / max(seconds, 1e-9),
                      regionsPerSecond: Double(fresh) / max(seconds, 1e-9))
    }

    /// Clopper–Pearson estimates of every quantity of a count tally.
    public static func estimates(_ tally: AngularVolume, confidence: Double) -> [VolumeEstimate] {
        let n = Int(tally.total)
        return tally.quantities.map {
            VolumeEstimate(quantity: $0.0, value: ProportionEstimate(successes: Int($0.1), trials: n, confidence: confidence))
        }
    }

    /// The expectation over data draws (Theorem 6 bounds `E_X V(L_ε)`): one run per data seed,
    /// and the pooled counts. Conditional on the drawn data sets the pooled count is a sum of
    /// binomials, so its Clopper–Pearson interval is a valid (conservative) interval for the
    /// average volume over these data sets; it does not include the spread of E_X over new data.
    public struct DataAverage: Codable, Sendable {
        public var dataSeeds: [UInt64]
        public var perSeed: [Result]
        /// Counts summed over the data seeds.
        public var pooled: AngularVolume
        public var estimates: [VolumeEstimate]
        public var resolution: Double
        public var regionsClassified: Int
        public var seconds: Double
        public var regionsPerSecond: Double
    }

    public func average<Scalar: LinalgScalar>(dataSeeds: [UInt64], slope: Double,
                                             data: (UInt64) throws -> Dataset<Scalar>) throws -> DataAverage {
        guard !dataSeeds.isEmpty else { throw MinimaError.invalidValue(field: .dataSeeds, message: "needs at least one seed") }
        var runs: [Result] = []
        for (k, s) in dataSeeds.enumerated() {
            var one = self
            one.seed = seed &+ UInt64(k) &* 0x9E37_79B9
            runs.append(try one.run(data: try data(s), slope: slope))
        }
        let pooled = runs.map(\.tally).reduce(AngularVolume(epsilons: epsilons), +)
        let seconds = runs.reduce(0) { $0 + $1.seconds }
        let regions = runs.reduce(0) { $0 + $1.regionsClassified }
        return DataAverage(dataSeeds: dataSeeds, perSeed: runs, pooled: pooled,
                           estimates: MonteCarloVolume.estimates(pooled, confidence: confidence),
                           resolution: ClopperPearson.resolution(trials: Int(pooled.total), confidence: confidence),
                           regionsClassified: regions, seconds: seconds,
                           regionsPerSecond: Double(regions) / max(seconds, 1e-9))
    }
}

/// Per-worker tallies, the first error and the progress count, written from
/// `concurrentPerform` workers.
private final class WorkerResults: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var tallies: [AngularVolume]
    private(set) var error: Error?
    private let progress: ProgressHandler?
    private let total: Int
    private let start: Date
    private var done = 0
    private var lastReport: Date

    package init(count: Int, epsilons: [Double], progress: ProgressHandler?, total: Int, start: Date) {
        tallies = Array(repeating: AngularVolume(epsilons: epsilons), count: count)
        self.progress = progress
        self.total = total
        self.start = start
        lastReport = start
    }

    /// Counts `k` more draws; reports at most once a second.
    func advance(_ k: Int) {
        guard let progress else { return }
        lock.lock()
        done += k
        let now = Date()
        let due = now.timeIntervalSince(lastReport) >= 1
        if due { lastReport = now }
        let d = done
        lock.unlock()
        if due { progress(ProgressEvent(.draw, done: d, of: total, elapsed: now.timeIntervalSince(start))) }
    }

    package func set(_ k: Int, _ t: AngularVolume) { lock.lock(); tallies[k] = t; lock.unlock() }
    package func fail(_ e: Error) { lock.lock(); if error == nil { error = e }; lock.unlock() }
}
