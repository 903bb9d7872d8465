import Foundation
import Testing
import Minima
@testable import MinimaData
@testable import MinimaRuns

/// Flags mean what they say: `--x/--y` select `.npy` data by themselves, and a flag that does
/// not apply to the chosen source or mode is an error naming both flags (one line, exit 2,
/// nothing written).
@Suite("flag policy")
struct FlagPolicyTests {
    /// A small npy data set (N = 12, d0 = 3) in `dir`.
    static func writeNpy(_ dir: TemporaryFolder) throws {
        let x = (0..<36).map { Double(($0 * 7) % 11) - 5 }
        try Npy.write(x, shape: [12, 3], to: dir.file("X.npy"))
        try Npy.write((0..<12).map { $0 % 2 == 0 ? 1.0 : -1 }, shape: [12], to: dir.file("y.npy"))
    }

    @Test func xAndYAloneSelectNpyData() throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        try FlagPolicyTests.writeNpy(dir)
        let r = try runMinima(["train", "--quiet", "--x", dir.file("X.npy"), "--y", dir.file("y.npy"), "--hidden", "8",
                               "--epochs", "5", "--out", dir.file("run.json")])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let record = try RunRecord.read(dir.file("run.json"))
        #expect(record.config.data.source == .npy && record.config.data.x == dir.file("X.npy"))
        #expect(record.config.network.d0 == 3 && record.config.data.n == nil)
        // The same for data inspect: N = 12 rows from the file, not 400 Gaussian samples.
        let inspect = try runMinima(["data", "inspect", "--x", dir.file("X.npy"), "--y", dir.file("y.npy")])
        #expect(inspect.status == 0 && inspect.stdout.contains("N = 12, d0 = 3"), "\(inspect.stdout)\(inspect.stderr)")
    }

    @Test(arguments: [
        // (arguments after the command, both flags the message must name)
        (["train", "--x", "X.npy", "--y", "y.npy", "--n", "5"], ["--n", "--x/--y"]),
        (["train", "--dataset", "npy", "--x", "X.npy", "--y", "y.npy", "--d0", "5"], ["--d0", "--dataset npy"]),
        (["train", "--dataset", "gaussian", "--x", "X.npy"], ["--x", "--dataset gaussian"]),
        (["train", "--dataset", "teacher", "--y", "y.npy"], ["--y", "--dataset teacher"]),
        (["train", "--data", "/tmp"], ["--data", "--dataset"]),
        (["train", "--teacher-width", "3"], ["--teacher-width", "--dataset gaussian"]),
        (["train", "--dataset", "gaussian", "--teacher-width", "3"], ["--teacher-width", "--dataset gaussian"]),
        (["train", "--pool", "2"], ["--pool", "--dataset gaussian"]),
        (["train", "--classes", "0:1"], ["--classes", "--dataset gaussian"]),
        (["train", "--no-cache"], ["--no-cache", "--dataset gaussian"]),
        (["train", "--zca-eps", "0.1"], ["--zca-eps", "--zca"]),
        (["train", "--x", "X.npy", "--y", "y.npy", "--data-seed", "3"], ["--data-seed", "--x/--y"]),
        (["train", "--decay", "0.9"], ["--decay", "--decay-after"]),
        (["train", "--batch", "10"], ["--batch", "--optimizer gd"]),
        (["train", "--momentum", "0.5"], ["--momentum", "--optimizer sgd"]),
        (["volume", "--study", "--n", "8"], ["--n", "--study"]),
        (["volume", "--study", "--hidden", "4"], ["--hidden", "--study"]),
        (["volume", "--d0-factor", "2"], ["--d0-factor", "--study"]),
        (["construct", "--x", "X.npy", "--y", "y.npy", "--n", "9"], ["--n", "--x/--y"]),
        (["data", "inspect", "--dataset", "teacher", "--x", "X.npy"], ["--x", "--dataset teacher"]),
        (["certify", "--run", "run.json", "--x", "X.npy"], ["--x", "--run"]),
        (["certify", "--run", "run.json", "--dataset", "gaussian"], ["--dataset", "--run"]),
        (["certify", "--run", "run.json", "--slope", "0.1"], ["--slope", "--run"]),
        (["bench", "landscape", "--x", "X.npy", "--n", "100"], ["--n", "--x"]),
        (["bench", "landscape", "--task", "fit", "--svd"], ["--svd", "--task fit"]),
        (["bench", "landscape", "--fit-tol", "1e-3"], ["--fit-tol", "--task rank"]),
        (["bench", "train", "--python", "python3"], ["--python", "--peer"]),
        (["bench", "train", "--cases", "figure1-gd", "--cifar-epochs", "2"], ["--cifar-epochs", "--cases figure1-gd"]),
        (["certify", "--weights", "w", "--no-hessian", "--lanczos-steps", "5"], ["--lanczos-steps", "--no-hessian"]),
        (["certify", "--weights", "w", "--fit-method", "dense", "--max-iterations", "9"], ["--max-iterations", "--fit-method dense"]),
        (["certify", "--weights", "w", "--rank-method", "bound", "--rank-tol", "0.1"], ["--rank-tol", "--rank-method bound"]),
        (["volume", "--study", "--method", "enumerate"], ["--method", "--study"]),
    ])
    func inapplicableFlagsAreErrorsNamingBoth(_ arguments: [String], _ named: [String]) throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        try FlagPolicyTests.writeNpy(dir)
        let r = try runMinima(arguments, in: dir.path)
        #expect(r.status == 2, "\(arguments): status \(r.status), stdout \(r.stdout)")
        for flag in named { #expect(r.stderr.contains(flag), "\(arguments): stderr was \(r.stderr)") }
        #expect(r.stderr.hasPrefix("error: ") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["X.npy", "y.npy"])
    }

    /// A pool block larger than the images leaves no features: an error naming the field and the size.
    @Test func poolLeavingNoFeaturesIsAnError() throws {
        let folder = TemporaryFolder(); defer { folder.cleanup() }
        let train = TestImages.set(count: 20, channels: 1, height: 4, width: 6, classes: 10)
        TestImages.writeMNIST(train, train, into: folder, gzip: false)
        var spec = TestImages.mnistSpec(folder)
        spec.preprocessing.pool = 5
        let message = minimaError { let _: Dataset<Float> = try spec.load() }
        #expect(message?.hasPrefix("data.preprocessing.pool: 5×5 blocks leave 0 features: the images are 6×4 pixels (at most 4)") == true, "\(message ?? "no error")")
        spec.preprocessing.pool = 4
        let pooled: Dataset<Float> = try spec.load()
        #expect(pooled.d0 == 1)
        let r = try runMinima(["data", "inspect", "--dataset", "mnist", "--data", folder.path, "--no-cache", "--pool", "7"])
        #expect(r.status == 2 && r.stderr.contains("--pool: 7×7 blocks leave 0 features"), "\(r.stderr)")
    }
}
