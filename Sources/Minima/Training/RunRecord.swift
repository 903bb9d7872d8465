import Foundation
import Kernels
import Linalg

/// Float32 or Float64 throughout a run.
public enum Precision: String, Codable, Sendable, CaseIterable {
    case float32, float64
}

/// Every value that decides a run: what `minima train`'s flags said, with defaults filled in.
public struct RunConfiguration: Codable, Equatable, Sendable {
    public var data = DataSpec()
    public var network = NetworkShape(d0: 0, hidden: [1])
    public var training = TrainingConfiguration()
    public var precision: Precision = .float64
    /// Seed of the initial weights (and, unless the data has its own, of the data).
    public var seed: UInt64 = 0
    /// BLAS threads.
    public var threads: Int = 1
    /// Folder of initial weights (`W1.npy`, `z.npy`, …) instead of the random initialisation.
    public var initWeights: String? = nil
    /// Folder the final weights were saved to.
    public var saveWeights: String? = nil

    public init() {}
}

/// Where and with what a run was computed.
public struct RunEnvironment: Codable, Equatable, Sendable {
    public var minimaVersion: String
    public var gitCommit: String?
    /// `openblas_get_corename()`.
    public var blasCoreName: String
    /// A warning when OpenBLAS runs kernels older than the CPU (`BLASCoreCheck`), else nil.
    public var blasCoreNote: String? = nil
    /// The path of Minima's own kernels (`KernelPath.selected`: avx512, avx2, generic or blas).
    public var kernelPath: String? = nil
    public var blasThreads: Int
    public var precision: Precision
    public var cores: Int
    public var date: String

    public static func current(precision: Precision) -> RunEnvironment {
        RunEnvironment(minimaVersion: MinimaVersion.string, gitCommit: MinimaVersion.gitCommit,
                       blasCoreName: BLASEnvironment.coreName, blasCoreNote: BLASCoreCheck.note,
                       kernelPath: KernelPath.selected.rawValue, blasThreads: BLASEnvironment.threads,
                       precision: precision, cores: ProcessInfo.processInfo.activeProcessorCount,
                       date: ISO8601DateFormatter().string(from: Date()))
    }
}

/// The JSON record of one training run (`minima train --out RUN.json`).
public struct RunRecord: Codable, Sendable {
    public var config: RunConfiguration
    public var environment: RunEnvironment
    public var curve: [CurvePoint]
    public var final: FinalState
    /// The landscape certificate of the final weights (`minima train --certify`), if asked for.
    public var certificate: Certificate? = nil
    /// `WeightFiles.checksum` of the weights saved to `config.saveWeights` (nil: none saved).
    public var weightsChecksum: String? = nil

    /// Pretty JSON; non-finite numbers (a diverged run) are written as the strings
    /// "nan", "inf" and "-inf" (`RecordJSON`).
    public func jsonData() throws -> Data { try RecordJSON.encode(self) }

    /// Writes the record atomically.
    public func write(to path: String) throws { try RecordJSON.write(self, to: path) }

    /// Reads a record written by `write(to:)`.
    public static func read(_ path: String) throws -> RunRecord {
        try RecordJSON.read(path, what: "a Minima run record")
    }
}

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
    /// the configuration (all but `saveWeights`) must match the checkpoint's.
    public static func execute(_ config: RunConfiguration,
                               checkpoint: CheckpointPolicy? = nil,
                               progress: ((TrainingProgress) -> Void)? = nil,
                               certify: CertificateOptions? = nil) throws -> RunRecord {
        switch config.precision {
        case .float32: return try execute(config, as: Float.self, checkpoint: checkpoint, progress: progress, certify: certify)
        case .float64: return try execute(config, as: Double.self, checkpoint: checkpoint, progress: progress, certify: certify)
        }
    }

    public static func execute<Scalar: LinalgScalar>(_ config: RunConfiguration, as: Scalar.Type,
                                                     checkpoint: CheckpointPolicy? = nil,
                                                     progress: ((TrainingProgress) -> Void)? = nil,
                                                     certify: CertificateOptions? = nil) throws -> RunRecord {
        try config.training.validate()
        let data: Dataset<Scalar> = try config.data.load()
        var shape = config.network
        shape.d0 = data.d0
        try shape.validate()
        try checkMemory(n: data.n, d0: data.d0, hidden: shape.hidden, bias: shape.bias, batch: config.training.batchSize,
                        threads: config.threads, precision: config.precision, what: ["the data", "--hidden", "--threads"])
        if config.training.marginStep != nil && shape.depth != 1 {
            throw MinimaError.invalidOption(flag: "--margin-step", message: "needs one hidden layer (the step is linear in W1 inside a region); the network has \(shape.depth)")
        }
        var network: Network<Scalar>
        if let folder = config.initWeights {
            network = try WeightFiles.load(shape, from: folder)
        } else {
            network = Network.random(shape: shape, seed: config.seed)
        }
        var resolved = config
        resolved.network = shape
        BLASEnvironment.setThreads(config.threads)
        var policy = checkpoint
        if policy != nil {
            var identity = config
            identity.saveWeights = nil
            for (k, v) in CheckpointFingerprint.of(identity) { policy!.fingerprint["run." + k] = v }
        }
        let (curve, final) = try Trainer<Scalar>(config.training, threads: config.threads)
            .train(&network, on: data, checkpoint: policy, progress: progress)
        var checksum: String? = nil
        if let folder = config.saveWeights { checksum = try WeightFiles.save(network, to: folder) }
        var record = RunRecord(config: resolved, environment: .current(precision: config.precision), curve: curve, final: final)
        record.weightsChecksum = checksum
        if let options = certify, final.status != .diverged {
            record.certificate = try Certificate.make(network: network, data: data, options: options)
        }
        return record
    }
}
