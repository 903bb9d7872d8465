import Foundation
import Linalg
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining
import MinimaLandscape

/// Where `minima certify` gets its weights and data: a run record, or weights (a folder or a
/// `.safetensors` file) and a data set.
public enum CertificateInputs {
    /// The final weights and the training data of a run record (`minima train --save-weights`).
    /// The data is rebuilt in the run's precision (so it is the data the run saw) and widened.
    public static func fromRun(_ path: String) throws -> (network: Network<Double>, data: Dataset<Double>) {
        let record = try RunRecord.read(path)
        guard let folder = record.config.saveWeights else {
            throw MinimaError.invalidFile(path: path, message:
                "the run saved no weights (config.saveWeights is empty): train with --save-weights DIR, or certify with --weights DIR and the data flags")
        }
        if let recorded = record.weightsChecksum {
            let found = try WeightFiles.checksum(of: record.config.network, in: folder)
            guard found == recorded else {
                throw MinimaError.invalidFile(path: folder, message: "the weights do not match the checksum in \(path) (\(found), recorded \(recorded)): they changed after the run")
            }
        }
        let network: Network<Double> = try WeightFiles.load(record.config.network, from: folder)
        let data: Dataset<Double>
        switch record.config.precision {
        case .float32: data = (try record.config.data.load(as: Float.self) as Dataset<Float>).converted()
        case .float64: data = try record.config.data.load(as: Double.self)
        }
        guard data.d0 == network.shape.d0 else {
            throw MinimaError.mismatch("\(path): the data has d0 = \(data.d0) but the weights in \(folder) expect \(network.shape.d0)")
        }
        return (network, data)
    }
}
