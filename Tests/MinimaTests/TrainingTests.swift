import Kernels
import Foundation
import Testing
import Linalg
import Minima
@testable import MinimaData
@testable import MinimaModel
@testable import MinimaTraining
@testable import MinimaRuns

@Suite("Training")
struct TrainingTests {
    /// Library errors carry the field at fault; the command line words it as the flag.
    @Test func validationErrorsNameTheField() {
        var config = TrainingConfiguration()
        config.learningRate = 0
        #expect(throws: MinimaError.invalidValue(field: .learningRate, message: "must be a positive number, got 0.0")) { try config.validate() }
        config = TrainingConfiguration()
        config.momentum = 0.5
        #expect(throws: MinimaError.invalidValue(field: .momentum, message: "applies to --optimizer sgd only")) { try config.validate() }
        #expect(throws: MinimaError.invalidValue(field: .hidden, message: "one or two hidden widths are supported, got 3")) {
            try NetworkShape(d0: 2, hidden: [1, 1, 1]).validate()
        }
        #expect(MinimaError.invalidValue(field: .learningRate, message: "x").description == "training.learningRate: x")
    }

    @Test func fullBatchGDReachesZeroErrorWhenD0D1IsTwiceN() {
        // N = 100, d0 = 10, d1 = 20: d0·d1 = 2N, the regime where the paper expects zero error.
        let data: Dataset<Double> = SyntheticData.gaussian(n: 100, d0: 10, seed: 11)
        var net = Network<Double>.random(shape: NetworkShape(d0: 10, hidden: [20]), seed: 11)
        var config = TrainingConfiguration()
        config.learningRate = 0.1
        config.epochs = 3000
        config.stopAtZeroError = true
        let before = net.metrics(data)
        let (curve, final) = Trainer<Double>(config).train(&net, on: data)
        #expect(before.mce! > 0.2)
        #expect(final.mce == 0 && final.errors == 0)
        #expect(final.status == .converged)
        #expect(curve.first?.epoch == 0 && curve.last?.epoch == final.epochs)
        #expect(curve.last!.mse < curve.first!.mse)
    }

    @Test func adamMinibatchTrainingIsReproducible() {
        let data: Dataset<Float> = SyntheticData.gaussian(n: 64, d0: 8, seed: 2)
        var config = TrainingConfiguration()
        config.optimizer = .adam
        config.learningRate = 0.01
        config.batchSize = 16
        config.epochs = 20
        config.seed = 3
        var a = Network<Float>.random(shape: NetworkShape(d0: 8, hidden: [8]), seed: 1), b = a
        let ra = Trainer<Float>(config).train(&a, on: data)
        let rb = Trainer<Float>(config).train(&b, on: data)
        #expect(a.parameters == b.parameters)
        #expect(ra.final.mse == rb.final.mse && ra.final.mse < ra.curve[0].mse)
    }

    @Test func divergenceEndsTheRunWithStatusDiverged() {
        let data: Dataset<Double> = SyntheticData.gaussian(n: 50, d0: 5, seed: 1)
        var net = Network<Double>.random(shape: NetworkShape(d0: 5, hidden: [5]), seed: 1)
        var config = TrainingConfiguration()
        config.learningRate = 1e6
        config.epochs = 200
        let (_, final) = Trainer<Double>(config).train(&net, on: data)
        #expect(final.status == .diverged)
        #expect(final.epochs < 200)
        #expect(final.message.contains("--lr"))
    }

    @Test func oneGDStepEqualsParametersMinusLearningRateTimesGradient() {
        let data: Dataset<Double> = SyntheticData.gaussian(n: 40, d0: 6, seed: 4)
        let start = Network<Double>.random(shape: NetworkShape(d0: 6, hidden: [7], slope: 0.1, bias: true), seed: 4)
        var net = start
        var config = TrainingConfiguration()
        config.learningRate = 0.3
        config.epochs = 1
        _ = Trainer<Double>(config).train(&net, on: data)
        let g = start.gradient(data)
        for i in g.indices { #expect(abs(net.parameters[i] - (start.parameters[i] - 0.3 * g[i])) < 1e-15) }
    }

    @Test func runRecordRoundTripsThroughJSON() throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        var config = RunConfiguration()
        config.data.n = 30; config.data.d0 = 4
        config.network = NetworkShape(d0: 4, hidden: [6])
        config.training.epochs = 5
        config.saveWeights = dir.file("w")
        let record = try TrainingRun.execute(config)
        try record.write(to: dir.file("run.json"))
        let back = try RunRecord.read(dir.file("run.json"))
        #expect(back.config == record.config && back.final == record.final && back.curve == record.curve)
        #expect(back.environment.blasCoreName == BLASEnvironment.coreName)
        #expect(back.environment.kernelPath == KernelPath.selected.rawValue)
        #expect(back.environment.blasCoreNote == BLASCoreCheck.note)
        #expect(FileManager.default.fileExists(atPath: dir.file("w/W1.npy")))
        // No temporary file is left beside the record.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["run.json", "w"])
    }
}
