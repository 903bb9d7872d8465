import Testing
import Linalg
import Minima
@testable import MinimaCore
@testable import MinimaData
@testable import MinimaModel
@testable import MinimaTraining
@testable import MinimaLandscape
@testable import MinimaRuns
import Foundation

@Suite("Region margin step")
struct RegionMarginStepTests {
    /// A one-hidden-layer network trained briefly on random labels: some samples still wrong.
    static func partlyTrained(slope: Double, bias: Bool) -> (Network<Double>, Dataset<Double>) {
        let data: Dataset<Double> = SyntheticData.gaussian(n: 120, d0: 10, seed: 21)
        var net = Network<Double>.random(shape: NetworkShape(d0: 10, hidden: [24], slope: slope, bias: bias), seed: 22)
        var config = TrainingConfiguration()
        config.optimizer = .adam
        config.learningRate = 0.01
        config.epochs = 60
        _ = Trainer<Double>(config).train(&net, on: data)
        return (net, data)
    }

    /// Random labels on Gaussian data (N = 120, d0 = 10), 24 fresh units, and Adam for up to
    /// 2000 epochs: enough for the step to finish what training leaves.
    static func untrained() -> (Network<Double>, Dataset<Double>, TrainingConfiguration) {
        let data: Dataset<Double> = SyntheticData.gaussian(n: 120, d0: 10, seed: 21)
        let net = Network<Double>.random(shape: NetworkShape(d0: 10, hidden: [24]), seed: 22)
        var config = TrainingConfiguration()
        config.optimizer = .adam
        config.learningRate = 0.01
        config.epochs = 2000
        return (net, data, config)
    }

    /// Inside the region the outputs are linear in W1, so a small multiple ε of the step moves
    /// each selected sample's output by ε·(target − f): the Jacobian and the minimum-norm solve.
    @Test(arguments: [(0.0, false), (0.2, true)])
    func stepMovesSelectedOutputsToTheirTargets(_ slope: Double, _ bias: Bool) throws {
        let (net, data) = RegionMarginStepTests.partlyTrained(slope: slope, bias: bias)
        let f = net.outputs(data)
        let step = RegionMarginStep()
        // Only samples that already have an active unit on their label's side (no unit joins).
        let pre = Matrix.product(data.x, .none, net.weight(0), .transposed)
        let z = net.outputWeights
        let rows = step.selection(f, data).filter { n in
            (0..<24).contains { i in pre[n, i] + (bias ? net.parameters[net.layout.biases![0].lowerBound + i] : 0) > 0 && z[i] * data.y[n] > 0 }
        }
        #expect(rows.count >= 5)
        let direction = try step.step(net, data, rows: rows, outputs: f)
        let eps = 1e-7
        var moved = net
        for k in moved.parameters.indices { moved.parameters[k] += eps * direction[k] }
        let g = moved.outputs(data)
        for n in rows {
            let target = 0.5 * data.y[n]
            #expect(abs((g[n] - f[n]) / eps - (target - f[n])) < 1e-5 * max(1, abs(target - f[n])), "sample \(n)")
        }
    }

    @Test(arguments: [(0.0, false), (0.1, true)])
    func removesTheRemainingErrors(_ slope: Double, _ bias: Bool) throws {
        var (net, data) = RegionMarginStepTests.partlyTrained(slope: slope, bias: bias)
        let before = net.metrics(data).errors!
        #expect(before > 0)
        let history = try RegionMarginStep().run(&net, on: data)
        #expect(net.metrics(data).errors == 0)
        #expect(history.first?.errorsBefore == before)
        #expect(history.last?.errorsAfter == 0)
        for it in history { #expect(it.errorsAfter <= it.errorsBefore) }
    }

    @Test func trainerTriesTheStepBelowItsThreshold() {
        let (start, data, config) = RegionMarginStepTests.untrained()
        var net = start
        var step = RegionMarginStep()
        step.triesBelow = 30
        step.tryEvery = 10
        let (_, final) = Trainer<Double>(config, finisher: step).train(&net, on: data)
        #expect(final.errors == 0)
        #expect(final.status == .converged)
        #expect(final.epochs < 2000)
        #expect(final.message.contains("region margin step"))
        #expect(final.marginStep?.last?.errorsAfter == 0)
    }

    /// With a safety margin the step goes on after the last error is gone, until every signed
    /// output y·f(x) is at least the margin; without one it stops at 0 wrong with some samples
    /// closer to the threshold than that.
    @Test func safetyMarginLeavesEverySampleClearOfTheThreshold() throws {
        var (plain, data) = RegionMarginStepTests.partlyTrained(slope: 0, bias: false)
        var safe = plain
        _ = try RegionMarginStep().run(&plain, on: data)
        let plainMetrics = plain.metrics(data)
        #expect(plainMetrics.errors == 0 && plainMetrics.smallestSignedOutput! > 0 && plainMetrics.smallestSignedOutput! < 0.2)
        var step = RegionMarginStep()
        step.safety = 0.2
        let history = try step.run(&safe, on: data)
        let m = safe.metrics(data)
        #expect(m.errors == 0 && m.smallestSignedOutput! >= 0.2)
        #expect(history.last?.belowSafetyAfter == 0 && (history.first?.belowSafetyBefore ?? 0) > 0)
        // The smallest signed output is the minimum of y·f over the samples.
        let f = safe.outputs(data)
        #expect(m.smallestSignedOutput == zip(f, data.y).map { $0 * $1 }.min())
        // Records without the field read as no safety margin.
        let old = try JSONDecoder().decode(RegionMarginStep.self, from: Data(#"{"margin": 0.5, "triesBelow": 3}"#.utf8))
        #expect(old.safety == 0 && old.triesBelow == 3 && old.maximumIterations == RegionMarginStep().maximumIterations)
    }

    /// Under a finisher with a safety margin, 0 wrong is not the end of training: the finisher
    /// is tried until every sample clears the margin, and the record keeps min y·f.
    @Test func trainerStopsOnlyWhenEverySampleClearsTheSafetyMargin() {
        let (start, data, base) = RegionMarginStepTests.untrained()
        var net = start, config = base
        config.stopAtZeroError = true
        var step = RegionMarginStep()
        step.triesBelow = 30
        step.tryEvery = 10
        step.safety = 0.3
        let (_, final) = Trainer<Double>(config, finisher: step).train(&net, on: data)
        #expect(final.status == .converged && final.errors == 0)
        #expect((final.smallestSignedOutput ?? 0) >= 0.3)
        #expect(final.smallestSignedOutput == net.metrics(data).smallestSignedOutput)
    }

    @Test func needsOneHiddenLayer() {
        var net = Network<Double>.random(shape: NetworkShape(d0: 3, hidden: [4, 4]), seed: 1)
        let data: Dataset<Double> = SyntheticData.gaussian(n: 10, d0: 3, seed: 1)
        #expect(throws: MinimaError.self) { try RegionMarginStep().run(&net, on: data) }
    }

    /// A finisher that always fails, to see its error reach the run's message.
    struct FailingFinisher: TrainingFinisher {
        struct Failure: Error, CustomStringConvertible { var description: String { "no region today" } }
        var name: String { "the failing finisher" }
        var triesBelow: Int { Int.max }
        var tryEvery: Int { 2 }
        func finish<Scalar: LinalgScalar>(_ network: inout Network<Scalar>, on data: Dataset<Scalar>) throws -> [FinisherIteration] {
            throw Failure()
        }
    }

    @Test func aFinishersErrorsReachTheRecordedMessage() {
        let data: Dataset<Double> = SyntheticData.gaussian(n: 60, d0: 5, seed: 3)
        var net = Network<Double>.random(shape: NetworkShape(d0: 5, hidden: [4]), seed: 4)
        var config = TrainingConfiguration()
        config.epochs = 5
        let (_, final) = Trainer<Double>(config, finisher: FailingFinisher()).train(&net, on: data)
        #expect(final.errors! > 0)
        // Tried after epoch 1, then no more tries during training; then once after the last epoch.
        #expect(final.message == "ran all 5 epochs; the failing finisher failed after epoch 1: no region today; the failing finisher failed: no region today")
        #expect(final.marginStep == nil)
    }

    @Test func theRunRecordKeepsTheStepUnderTraining() throws {
        var config = RunConfiguration()
        config.training.epochs = 7
        config.marginStep = .duringTraining(below: 13)
        let json = try JSONSerialization.jsonObject(with: RecordJSON.encode(config)) as? [String: Any]
        let training = json?["training"] as? [String: Any]
        #expect(training?["epochs"] as? Int == 7)
        #expect((training?["marginStep"] as? [String: Any])?["triesBelow"] as? Int == 13)
        #expect(json?["marginStep"] == nil)
        let decoded = try JSONDecoder().decode(RunConfiguration.self, from: RecordJSON.encode(config))
        #expect(decoded == config)
        config.marginStep = nil
        let plain = try JSONSerialization.jsonObject(with: RecordJSON.encode(config)) as? [String: Any]
        #expect((plain?["training"] as? [String: Any])?["marginStep"] == nil)
        #expect(try JSONDecoder().decode(RunConfiguration.self, from: RecordJSON.encode(config)) == config)
    }
}
