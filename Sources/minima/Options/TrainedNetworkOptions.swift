import ArgumentParser
import Foundation
import Minima

/// Trained weights and the data they were trained on: `--run RUN.json` (a run saved with
/// `--save-weights`), or `--weights PATH` (a folder or a `.safetensors` file) with `--slope` and the data flags. Shared by the
/// commands that study a trained network (`certify`, `slice`).
struct TrainedNetworkOptions: ParsableArguments {
    @Option(name: .customLong("run"), help: ArgumentHelp("Run record of `minima train --save-weights DIR`.", valueName: "RUN.json"))
    var runRecord: String?

    @Option(help: ArgumentHelp("Weights: a folder (W1.npy, z.npy, W2.npy, b1.npy, …) or a .safetensors file (nn.Sequential's 0.weight, 0.bias, 2.weight, … or Minima's W1, z, …; see README's Weights).", valueName: "PATH"))
    var weights: String?

    @Option(help: "Leaky-ReLU slope ρ of the weights in --weights (not stored in the files; default 0).")
    var slope: Double?

    @OptionGroup(title: "Data (with --weights; --x and --y alone select npy data)") var data: DataOptions

    func validate() throws {
        switch (runRecord, weights) {
        case (.some, .some):
            throw MinimaError.invalidOption(flag: "--run", message: "give either --run RUN.json or --weights PATH, not both")
        case (nil, nil):
            throw MinimaError.invalidOption(flag: "--run", message: "give --run RUN.json (a run saved with --save-weights) or --weights PATH with the data flags")
        case (.some, nil):
            if let flag = (data.given + (slope != nil ? ["--slope"] : [])).first {
                throw MinimaError.invalidOption(flag: flag, message: "does not apply with --run RUN.json, whose record names the data and the slope (use --weights PATH for other data)")
            }
        case (nil, .some): break
        }
    }

    /// The network's shape, read from the record or the weights folder (no data is loaded).
    func shape() throws -> NetworkShape {
        if let path = runRecord { return try RunRecord.read(path).config.network }
        return try WeightFiles.shape(at: weights!, slope: slope ?? 0)
    }

    /// The network, its data (in Float64), the data's spec, and where the weights came from.
    func load(seed: UInt64) throws -> (network: Network<Double>, data: Dataset<Double>, spec: DataSpec, source: String) {
        if let path = runRecord {
            let (network, data) = try CertificateInputs.fromRun(path)
            return (network, data, try RunRecord.read(path).config.data, path)
        }
        let folder = weights!
        let spec = data.spec(seed: seed)
        let dataset = try spec.load(as: Double.self)
        let shape = try self.shape()
        guard shape.d0 == dataset.d0 else {
            let first = WeightFiles.isSafeTensors(folder) ? folder : folder + "/W1.npy"
            throw MinimaError.mismatch("\(first) expects d0 = \(shape.d0) inputs but the data has d0 = \(dataset.d0)")
        }
        return (try WeightFiles.load(shape, from: folder), dataset, spec, folder)
    }
}
