import Foundation
import Linalg
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining
import MinimaLandscape

/// Where `minima certify` gets its weights and data: a run record, or a weights folder and a data set.
public enum CertificateInputs {
    /// The network shape stored in a weights folder: d1×d0 from `W1.npy`, depth 2 when `W2.npy`
    /// exists, biases when `b1.npy` exists; ρ is not stored in the files and comes from `slope`.
    public static func shape(weights folder: String, slope: Double) throws -> NetworkShape {
        let fm = FileManager.default
        let w1Path = folder + "/W1.npy"
        guard fm.fileExists(atPath: w1Path) else {
            throw MinimaError.invalidFile(path: w1Path, message: "no such file (--weights must be a folder holding W1.npy, z.npy and, for two layers, W2.npy)")
        }
        let w1: Npy.Array<Double> = try Npy.read(w1Path)
        guard w1.shape.count == 2, w1.shape[0] > 0, w1.shape[1] > 0 else {
            throw MinimaError.invalidFile(path: w1Path, message: "W1 must be a d1×d0 matrix, found shape \(w1.shape)")
        }
        var hidden = [w1.shape[0]]
        if fm.fileExists(atPath: folder + "/W2.npy") {
            let w2: Npy.Array<Double> = try Npy.read(folder + "/W2.npy")
            guard w2.shape.count == 2, w2.shape[1] == w1.shape[0], w2.shape[0] > 0 else {
                throw MinimaError.invalidFile(path: folder + "/W2.npy", message: "W2 must be d2×d1 with d1 = \(w1.shape[0]), found shape \(w2.shape)")
            }
            hidden.append(w2.shape[0])
        }
        let shape = NetworkShape(d0: w1.shape[1], hidden: hidden, slope: slope,
                                 bias: fm.fileExists(atPath: folder + "/b1.npy"))
        try shape.validate()
        return shape
    }

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
