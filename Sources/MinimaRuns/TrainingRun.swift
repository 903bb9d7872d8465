import Foundation
import Linalg
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining
import MinimaLandscape

/// Carries out a whole run: data, initial weights, training, saved weights; returns the record.
public enum TrainingRun {
    /// Bytes a run needs at most, in overflow-checked arithmetic (nil: not even countable):
    /// X in Float64 and in the run's precision; weights, gradient and two optimizer moments plus
    /// one gradient per worker; each worker's activations (three per unit) and gathered rows.
    public static func memoryNeeded(n: Int, d0: Int, hidden: [Int], bias: Bool, batch: Int, threads: Int,
                                    precision: Precision) -> Int? {
        let s = precision == .float32 ? 4 : 8
        guard let p = NetworkShape(d0: d0, hidden: hidden, bias: bias).checkedParameterCount else { return nil }
        let rows = batch > 0 ? min(batch, n) : n
        let units = hidden.reduce(1 as Int?) { MemoryBudget.sum($0, $1) }
        return MemoryBudget.sum(MemoryBudget.product(n, d0, s + 8),
                                MemoryBudget.product(p, s, MemoryBudget.sum(threads, 4) ?? -1),
                                MemoryBudget.product(rows, MemoryBudget.sum(units.flatMap { MemoryBudget.product($0, 3) }, d0) ?? -1, s))
    }

    /// Refuses a run that cannot fit in memory before anything is allocated; `what` names the
    /// sizes' sources. A nil size is not known yet (it comes from a file) and is not checked.
    public static func checkMemory(n: Int?, d0: Int?, hidden: [Int], bias: Bool, batch: Int, threads: Int,
                                   precision: Precision, what: [String]) throws {
        guard let n, let d0 else { return }
        let bytes = memoryNeeded(n: n, d0: d0, hidden: hidden, bias: bias, batch: batch, threads: threads, precision: precision)
        try MemoryBudget.check(bytes: bytes, what: "training N = \(n), d0 = \(d0), hidden \(hidden.map(String.init).joined(separator: ",")), \(threads) thread(s) (\(what.joined(separator: ", ")))")
    }

    /// `certify`: when given, the final weights are certified (see `Certificate`) and the
    /// certificate is attached to the record. `checkpoint`: where and how often the training
    /// saves checkpoints, and whether it continues from one (`Trainer.train(_:on:checkpoint:progress:)`);
    /// the configuration (all but `saveWeights`) must match the checkpoint's. `recheck`: the
    /// final weights are also evaluated in Float64 on the data prepared again in Float64 from
    /// its sources (`PrecisionRecheck`).
    public static func execute(_ config: RunConfiguration,
                               checkpoint: CheckpointPolicy? = nil,
                               progress: ProgressHandler? = nil,
                               certify: CertificateOptions? = nil, recheck: Bool = false) throws -> RunRecord {
        switch config.precision {
        case .float32: return try execute(config, as: Float.self, checkpoint: checkpoint, progress: progress, certify: certify, recheck: recheck)
        case .float64: return try execute(config, as: Double.self, checkpoint: checkpoint, progress: progress, certify: certify, recheck: recheck)
        }
    }

    public static func execute<Scalar: LinalgScalar>(_ config: RunConfiguration, as: Scalar.Type,
                                                     checkpoint: CheckpointPolicy? = nil,
                                                     progress: ProgressHandler? = nil,
                                                     certify: CertificateOptions? = nil, recheck: Bool = false) throws -> RunRecord {
        try config.training.validate()
        let data: Dataset<Scalar> = try config.data.load()
        var shape = config.network
        shape.d0 = data.d0
        try shape.validate()
        try checkMemory(n: data.n, d0: data.d0, hidden: shape.hidden, bias: shape.bias, batch: config.training.batchSize,
                        threads: config.threads, precision: config.precision, what: ["the data", MinimaError.fieldWording(.hidden), MinimaError.fieldWording(.threads)])
        try config.checkTargets()
        if config.marginStep != nil && shape.depth != 1 {
            throw MinimaError.invalidValue(field: .marginStep, message: "needs one hidden layer (the step is linear in W1 inside a region); the network has \(shape.depth)")
        }
        var network: Network<Scalar>
        if let folder = config.initWeights {
            network = try WeightFiles.load(shape, from: folder)
        } else {
            network = Network.random(shape: shape, seed: config.seed)
        }
        var resolved = config
        resolved.network = shape
        // Training and the certificate run on the run's thread count; the caller's comes back after.
        return try BLASEnvironment.withThreads(config.threads) {
            var policy = checkpoint
            if policy != nil {
                var identity = config
                identity.saveWeights = nil
                for (k, v) in CheckpointFingerprint.of(identity) { policy!.fingerprint["run." + k] = v }
            }
            let (curve, final) = try Trainer<Scalar>(config.training, threads: config.threads, finisher: config.marginStep)
                .train(&network, on: data, checkpoint: policy, progress: progress)
            var checksum: String? = nil
            if let folder = config.saveWeights { checksum = try WeightFiles.save(network, to: folder) }
            var record = RunRecord(config: resolved, environment: .current(precision: config.precision), curve: curve, final: final)
            record.weightsChecksum = checksum
            record.samples = data.n
            if let options = certify, final.status != .diverged {
                record.certificate = try Certificate.make(network: network, data: data, options: options)
            }
            if recheck { record.recheck = try PrecisionRecheck.measure(network, data: config.data) }
            return record
        }
    }
}

/// The final weights evaluated again, independently of the training's arithmetic: in Float64,
/// on the data prepared afresh in Float64 from its source files (the cache bypassed), so that a
/// count that lives in the rounding of the training precision shows as a difference.
public struct PrecisionRecheck: Codable, Equatable, Sendable {
    /// The precision of the re-evaluation ("float64").
    public var precision: String
    /// Wrong samples, MCE and `min_n y_n·f(x_n)` (`Metrics.smallestSignedOutput`) in the
    /// re-evaluation; null for real-valued targets.
    @NullWhenAbsent public var errors: Int?
    @NullWhenAbsent public var mce: Double?
    public var mse: Double
    @NullWhenAbsent public var smallestSignedOutput: Double?
    /// Seconds spent preparing the data and evaluating.
    public var seconds: Double

    /// Evaluates `network` (converted to Float64) on `spec` prepared in Float64 without the cache.
    public static func measure<Scalar: LinalgScalar>(_ network: Network<Scalar>, data spec: DataSpec) throws -> PrecisionRecheck {
        let start = Date()
        var fresh = spec
        fresh.cache = false
        let data: Dataset<Double> = try fresh.load()
        let m = network.converted(to: Double.self).metrics(data)
        return PrecisionRecheck(precision: Precision.float64.rawValue, errors: m.errors, mce: m.mce, mse: m.mse,
                                smallestSignedOutput: m.smallestSignedOutput, seconds: Date().timeIntervalSince(start))
    }
}
