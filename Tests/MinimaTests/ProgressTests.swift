import Foundation
import Testing
import Minima
@testable import MinimaVolume

/// One progress value for every long computation, and the one printer of the command line.
@Suite("progress")
struct ProgressTests {
    @Test func timeLeftIsTheElapsedTimePerStepTimesTheStepsToDo() {
        let e = ProgressEvent(.draw, done: 4, of: 10, elapsed: 2)
        #expect(e.eta == 3 && !e.isFinished)
        #expect(ProgressEvent(.draw, done: 0, of: 10, elapsed: 2).eta!.isNaN)
        let last = ProgressEvent(.run, done: 10, of: 10, elapsed: 7, measures: [.failures(1)], note: "x")
        #expect(last.eta == 0 && last.isFinished && last.measures == [.failures(1)])
    }

    /// `minima train` prints the last epoch's line with the record's final MSE, MCE and rate;
    /// `--quiet` prints nothing.
    @Test func trainingPrintsTheFinalEpochOnStderr() throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        let args = ["train", "--n", "20", "--d0", "3", "--hidden", "4", "--epochs", "30", "--lr", "0.01", "--threads", "1"]
        let r = try runMinima(args + ["--out", dir.file("run.json")])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let record = try RunRecord.read(dir.file("run.json"))
        let f = record.final, lr = try #require(record.curve.last?.lr)
        let line = try #require(r.stderr.split(separator: "\n").last.map(String.init))
        let expected = "epoch \(String(f.epochs).count == 1 ? " " : "")\(f.epochs)/30  mse " + String(format: "%.4e", f.mse)
            + "  mce " + String(format: "%7.3f%%", 100 * f.mce!) + "  lr " + String(format: "%.3e", lr) + "  "
        #expect(line.hasPrefix(expected), "\(line) is not \(expected)…")
        #expect(f.epochs == 30 ? line.hasSuffix("s  done") : line.contains("s  eta "), "\(line)")
        let quiet = try runMinima(args + ["--out", dir.file("quiet.json"), "--quiet"])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
    }
}

@Suite("volume quantities")
struct VolumeQuantityTests {
    @Test func namesAreThoseOfTablesAndRecords() throws {
        let tally = AngularVolume(epsilons: [0, 0.1, 1e-5])
        #expect(tally.quantities.map(\.0.name) == ["V(G)", "V(suboptimal)", "V(L_0)", "V(L_0.1)", "V(L_1e-05)", "V(none)", "P(rank<N)", "undecided"])
        for (q, _) in tally.quantities { #expect(VolumeQuantity(name: q.name) == q) }
        #expect(VolumeQuantity(name: "V(L_x)") == nil && VolumeQuantity(name: "V(g)") == nil)
        let e = VolumeEstimate(quantity: .lossAbove(epsilon: 0.1), value: ProportionEstimate(successes: 1, trials: 4))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(e), as: UTF8.self)
        #expect(json.hasPrefix("{\"quantity\":\"V(L_0.1)\",\"value\":{"), "\(json)")
        #expect(try JSONDecoder().decode(VolumeEstimate.self, from: Data(json.utf8)) == e)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(VolumeQuantity.self, from: Data("\"V(Q)\"".utf8)) }
        #expect([e].estimate(of: .lossAbove(epsilon: 0.1))?.successes == 1 && [e].estimate(of: .global) == nil)
    }
}
