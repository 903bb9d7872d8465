import Foundation
import Testing
import Minima
@testable import MinimaData
@testable import MinimaModel
@testable import MinimaRuns

/// The `minima` executable end to end: bad input gets one clear line and exit code 2, and no
/// output file.
@Suite("minima train command line")
struct CommandLineTests {
    @Test(arguments: [
        (["--n", "0"], "--n: must be positive"),
        (["--d0=-3"], "--d0: must be positive"),
        (["--optimizer", "lbfgs"], "--optimizer"),
        (["--precision", "float16"], "--precision"),
        (["--lr", "0"], "--lr: must be a positive number"),
        (["--lr=-1"], "--lr: must be a positive number"),
        (["--hidden", "20,x"], "--hidden: expected one or two comma-separated positive integers"),
        (["--hidden", "1,2,3"], "--hidden: one or two hidden widths"),
        (["--hidden", "0"], "--hidden: widths must be positive"),
        (["--epochs", "0"], "--epochs: must be positive"),
        (["--batch=-1"], "--batch: must be ≥ 0"),
        (["--dataset", "npy"], "--x: is required"),
        (["--slope", "1"], "--slope: ρ must be finite and ≠ 1"),
        (["--momentum", "0.5"], "--momentum: applies to --optimizer sgd only"),
        (["--hidden", "4,4", "--margin-step"], "--margin-step: needs one hidden layer"),
        (["--margin-step-below", "0"], "--margin-step-below: must be at least 1"),
        (["--lr", "-1"], "Missing value for '--lr <lr>' (-1 reads as a flag: write --lr=-1). See 'minima train --help'."),
        (["--optimizer", "foo"], "Please provide one of 'gd', 'sgd' or 'adam'. See 'minima train --help'."),
        (["--bogus"], "Unknown option '--bogus'"),
    ])
    func badFlagsAreRejected(_ arguments: [String], _ expected: String) throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        let r = try runMinima(["train", "--quiet", "--out", dir.file("run.json")] + arguments)
        #expect(r.status == 2)
        #expect(r.stderr.contains(expected), "stderr was: \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stdout.isEmpty, "one line, no output: \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("run.json")))
    }

    @Test func badNpyFilesAreRejectedNamingTheFile() throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        try Npy.write([Double](repeating: 0.5, count: 20), shape: [5, 4], to: dir.file("X.npy"))
        try Npy.write([1.0, -1, 1, -1], shape: [4], to: dir.file("y4.npy"))
        try Npy.write([Float](repeating: 1, count: 5), shape: [5], to: dir.file("y.npy"))
        let truncated = Npy.encode([Double](repeating: 1, count: 20), shape: [5, 4]).dropLast(8)
        try truncated.write(to: URL(fileURLWithPath: dir.file("Xtrunc.npy")))
        var wrongType = Npy.encode([Double](repeating: 1, count: 20), shape: [5, 4])
        wrongType.replaceSubrange(wrongType.range(of: Data("<f8".utf8))!, with: Data("<i8".utf8))
        try wrongType.write(to: URL(fileURLWithPath: dir.file("Xint.npy")))
        try Npy.write([Double](repeating: 1, count: 5), shape: [5], to: dir.file("X1d.npy"))
        let cases: [(String, String, String)] = [
            ("X.npy", "y4.npy", "has N = 5 samples (rows) but"),
            ("Xtrunc.npy", "y.npy", "Xtrunc.npy: truncated"),
            ("Xint.npy", "y.npy", "Xint.npy: dtype <i8 is not supported"),
            ("X1d.npy", "y.npy", "X1d.npy: X (N×d0) must be a 2-D array"),
            ("missing.npy", "y.npy", "missing.npy: no such file"),
        ]
        for (x, y, expected) in cases {
            let r = try runMinima(["train", "--quiet", "--dataset", "npy", "--x", dir.file(x), "--y", dir.file(y),
                                   "--out", dir.file("run.json")])
            #expect(r.status == 2, "\(x): status \(r.status)")
            #expect(r.stderr.contains(expected), "stderr was: \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1)
            #expect(!FileManager.default.fileExists(atPath: dir.file("run.json")))
        }
        // Initial weights of the wrong shape.
        let shape = NetworkShape(d0: 3, hidden: [2])
        try WeightFiles.save(Network<Double>.random(shape: shape, seed: 1), to: dir.file("w"))
        let r = try runMinima(["train", "--quiet", "--dataset", "npy", "--x", dir.file("X.npy"), "--y", dir.file("y.npy"),
                               "--hidden", "2", "--init-weights", dir.file("w"), "--out", dir.file("run.json")])
        #expect(r.status == 2 && r.stderr.contains("W1.npy: expected shape [2, 4]"), "stderr was: \(r.stderr)")
    }

    @Test func aGoodRunWritesRecordAndWeights() throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        let r = try runMinima(["train", "--quiet", "--n", "60", "--d0", "6", "--hidden", "20", "--lr", "0.1",
                               "--stop-at-zero-error", "--epochs", "3000",
                               "--save-weights", dir.file("w"), "--out", dir.file("run.json")])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("run record written to \(dir.file("run.json"))"))
        let record = try RunRecord.read(dir.file("run.json"))
        #expect(record.final.mce == 0 && record.final.status == .converged)
        #expect(record.config.training.learningRate == 0.1 && record.config.network.hidden == [20])
        let w: Npy.Array<Double> = try Npy.read(dir.file("w/W1.npy"))
        #expect(w.shape == [20, 6])
        // Training again from the saved weights starts where the first run ended.
        let again = try runMinima(["train", "--quiet", "--n", "60", "--d0", "6", "--hidden", "20", "--epochs", "1",
                                   "--lr", "1e-12", "--init-weights", dir.file("w"), "--out", dir.file("run2.json")])
        #expect(again.status == 0)
        let second = try RunRecord.read(dir.file("run2.json"))
        #expect(abs(second.curve[0].mse - record.final.mse) < 1e-12)
    }

    @Test func marginStepFinishesAShortRunAndIsRecorded() throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        // 20 epochs of Adam leave samples wrong (d0·d1 = 240 > N = 100); the step removes them.
        let r = try runMinima(["train", "--quiet", "--n", "100", "--d0", "8", "--hidden", "30", "--optimizer", "adam",
                               "--lr", "0.01", "--epochs", "20", "--margin-step", "--out", dir.file("run.json")])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let record = try RunRecord.read(dir.file("run.json"))
        let steps = try #require(record.final.marginStep)
        #expect(steps.first!.errorsBefore > 0)
        #expect(record.final.errors == 0 && record.final.status == .converged)
        #expect(record.final.message.contains("region margin step"))
        #expect(r.stdout.contains("margin step 1:"))
    }
}
