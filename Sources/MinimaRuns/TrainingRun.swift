import Foundation
import Linalg
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining
import MinimaLandscape

/// Carries out a whole run: data, initial weights, training, saved weights; returns the record.
public enum TrainingRun {
    /// `certify`: when given, the final weights are certified (see `Certificate`) and the
    /// certificate is attached to the record.
    public static func execute(_ config: RunConfiguration,
                               progress: ((TrainingProgress) -> Void)? = nil,
                               certify: CertificateOptions? = nil) throws -> RunRecord {
        switch config.precision {
        case .float32: return try execute(config, as: Float.self, progress: progress, certify: certify)
        case .float64: return try execute(config, as: Double.self, progress: progress, certify: certify)
        }
    }

    public static func execute<Scalar: LinalgScalar>(_ config: RunConfiguration, as: Scalar.Type,
                                                     progress: ((TrainingProgress) -> Void)? = nil,
                                                     certify: CertificateOptions? = nil) throws -> RunRecord {
        try config.training.validate()
        let data: Dataset<Scalar> = try config.data.load()
        var shape = config.network
        shape.d0 = data.d0
        try shape.validate()
        if config.marginStep != nil && shape.depth != 1 {
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
        let (curve, final) = Trainer<Scalar>(config.training, threads: config.threads, finisher: config.marginStep).train(&network, on: data, progress: progress)
        if let folder = config.saveWeights { try WeightFiles.save(network, to: folder) }
        var record = RunRecord(config: resolved, environment: .current(precision: config.precision), curve: curve, final: final)
        if let options = certify, final.status != .diverged {
            record.certificate = try Certificate.make(network: network, data: data, options: options)
        }
        return record
    }
}
