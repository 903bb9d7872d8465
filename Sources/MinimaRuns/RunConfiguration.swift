import Kernels
import Foundation
import Linalg
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining
import MinimaLandscape

/// Float32 or Float64 throughout a run.
public enum Precision: String, Codable, Sendable, CaseIterable {
    case float32, float64
}

/// Every value that decides a run: what `minima train`'s flags said, with defaults filled in.
public struct RunConfiguration: Codable, Equatable, Sendable {
    public var data = DataSpec()
    public var network = NetworkShape(d0: 0, hidden: [1])
    public var training = TrainingConfiguration()
    /// The region margin step run as the trainer's finisher (one hidden layer only): tried
    /// after the last epoch when samples are still wrong, and during training as its
    /// `triesBelow` says. Stored in the record as `training.marginStep`.
    public var marginStep: RegionMarginStep? = nil
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

extension RunConfiguration {
    enum CodingKeys: String, CodingKey { case data, network, training, precision, seed, threads, initWeights, saveWeights }
    enum TrainingKeys: String, CodingKey { case marginStep }

    // The margin step is a field of the configuration's training object in the JSON, as the
    // region margin step belongs to how a run trains; in Swift it is apart from
    // `TrainingConfiguration`, which the training layer owns without knowing the landscape.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        data = try c.decode(DataSpec.self, forKey: .data)
        network = try c.decode(NetworkShape.self, forKey: .network)
        training = try c.decode(TrainingConfiguration.self, forKey: .training)
        marginStep = try c.nestedContainer(keyedBy: TrainingKeys.self, forKey: .training)
            .decodeIfPresent(RegionMarginStep.self, forKey: .marginStep)
        precision = try c.decode(Precision.self, forKey: .precision)
        seed = try c.decode(UInt64.self, forKey: .seed)
        threads = try c.decode(Int.self, forKey: .threads)
        initWeights = try c.decodeIfPresent(String.self, forKey: .initWeights)
        saveWeights = try c.decodeIfPresent(String.self, forKey: .saveWeights)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(data, forKey: .data)
        try c.encode(network, forKey: .network)
        let t = c.superEncoder(forKey: .training)
        try training.encode(to: t)
        var tc = t.container(keyedBy: TrainingKeys.self)
        try tc.encodeIfPresent(marginStep, forKey: .marginStep)
        try c.encode(precision, forKey: .precision)
        try c.encode(seed, forKey: .seed)
        try c.encode(threads, forKey: .threads)
        try c.encodeIfPresent(initWeights, forKey: .initWeights)
        try c.encodeIfPresent(saveWeights, forKey: .saveWeights)
    }
}

extension RunConfiguration {
    /// Refuses what needs a classification threshold when the targets are real numbers: stopping
    /// at zero training error and the region margin step (which pushes samples across it).
    public func checkTargets() throws {
        guard !data.labels.isClassification else { return }
        let labels = MinimaError.fieldWording(.labels) + " " + LabelCoding.real.rawValue
        if training.stopAtZeroError {
            throw MinimaError.invalidValue(field: .stopAtZeroError, message: "needs class labels: real-valued targets (\(labels)) have no threshold, so no training error to reach 0 (\(MinimaError.fieldWording(.targetMSE)) stops at an MSE)")
        }
        if marginStep != nil {
            throw MinimaError.invalidValue(field: .marginStep, message: "needs class labels: it moves samples across the classification threshold, which real-valued targets (\(labels)) do not have")
        }
    }
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
