import Foundation
import Testing
import Minima
@testable import MinimaData
@testable import MinimaModel
@testable import MinimaRuns

/// Sizes from flags are checked against memory before any work, and output paths are checked
/// before the work: one line naming the flag, exit 2, nothing written, at once.
@Suite("sizes and output paths")
struct SizeAndOutputTests {
    @Test(arguments: [
        (["train", "--n", "100000000000", "--d0", "100000"], "--n 100000000000 --d0 100000 (X in Float64): needs "),
        (["train", "--n", "4611686018427387904", "--d0", "4"], "needs more bytes than a 64-bit size can count"),
        (["train", "--hidden", "100000000000"], "--hidden 100000000000"),
        (["train", "--hidden", "3037000500,3037000500"], "--hidden 3037000500,3037000500"),
        (["train", "--n", "2000000", "--d0", "20", "--hidden", "100000"], "training N = 2000000, d0 = 20, hidden 100000"),
        (["train", "--n", "1000", "--d0", "100", "--memory-limit", "100K"], "available (the memory limit)"),
        (["train", "--memory-limit", "lots"], "--memory-limit: expected a positive size"),
        (["train", "--threads", "10000"], "--threads: 10000 is more than 4 per core"),
        (["train", "--threads", "0"], "--threads: must be positive"),
        (["train", "--log-points", "1000000000"], "--log-points: at most 100000"),
        (["volume", "--samples", "9223372036854775807", "--data-seeds", "2"], "--samples: 9223372036854775807 draws × --data-seeds 2"),
        (["volume", "--samples", "100000000000", "--n", "1000", "--d0", "4", "--hidden", "100"], "--samples 100000000000 × --data-seeds 1 draws"),
        (["volume", "--threads", "100000"], "--threads: 100000 is more than 4 per core"),
        (["data", "inspect", "--n", "3000000000", "--d0", "3000"], "--n 3000000000 --d0 3000"),
        (["construct", "--n", "3000000000", "--d0", "3000"], "--n 3000000000 --d0 3000"),
        (["certify", "--weights", "w", "--n", "3000000000", "--d0", "3000"], "--n 3000000000 --d0 3000"),
        (["bench", "landscape", "--d0", "100000", "--d1", "1000"], "--d0 100000 --d1 1000 (the p×p Gram matrix"),
        (["bench", "train", "--threads", "9999"], "--threads: 9999 is more than"),
        (["sweep", "spec.json", "--results", "r", "--workers", "5000"], "--workers: 5000 is more than 4 per core"),
    ])
    func sizesThatCannotFitAreRefusedAtOnce(_ arguments: [String], _ expected: String) throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        let start = Date()
        let r = try runMinima(arguments, in: dir.path)
        #expect(Date().timeIntervalSince(start) < 20)
        #expect(r.status == 2, "\(arguments): status \(r.status)")
        #expect(r.stderr.contains(expected) && r.stderr.split(separator: "\n").count == 1, "\(arguments): stderr was \(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func memoryLimitAlsoAllows() throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        let r = try runMinima(["train", "--quiet", "--n", "20", "--d0", "3", "--hidden", "4", "--epochs", "2", "--memory-limit", "64M",
                               "--out", dir.file("run.json")])
        #expect(r.status == 0, "\(r.stderr)")
        for (limit, shown) in [("1G", "1.0 GiB (1073741824 bytes)"), ("512MiB", "512.0 MiB (536870912 bytes)"), ("1000", "1000 bytes"), ("1.5k", "1.5 KiB (1536 bytes)")] {
            let refused = try runMinima(["train", "--n", "10000000", "--d0", "20", "--memory-limit", limit, "--out", dir.file("big.json")])
            #expect(refused.status == 2 && refused.stderr.contains("more than the \(shown) available (the memory limit)"), "\(refused.stderr)")
        }
    }

    /// Every output path that cannot be written fails before the work (the runs below would
    /// train for a long time): a trailing slash, a folder, a path under a file, a place where
    /// nothing can be created (/proc stands in for a read-only file system, even for root).
    @Test func unwritableOutputPathsFailBeforeTheWork() throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        _ = dir.write([1, 2, 3], "file")
        let long = ["--epochs", "100000000", "--quiet"]
        let cases: [([String], String)] = [
            (["train", "--out", dir.file("sub/")] + long, "--out: \(dir.file("sub/")) ends in '/'"),
            (["train", "--out", dir.path] + long, "--out: \(dir.path) is a folder"),
            (["train", "--out", dir.file("file/run.json")] + long, "--out: cannot write \(dir.file("file/run.json")): \(dir.file("file")) is a file"),
            (["train", "--out", dir.file("file/deeper/run.json")] + long, "is a file, not a folder"),
            (["train", "--out", "/proc/minima/run.json"] + long, "--out: cannot write /proc/minima/run.json: cannot create files in /proc"),
            (["train", "--out", dir.file("run.json"), "--save-weights", dir.file("file")] + long, "--save-weights: \(dir.file("file")) is a file"),
            (["train", "--out", dir.file("run.json"), "--save-weights", dir.file("file/w")] + long, "--save-weights: cannot write"),
            (["train", "--out", dir.file("run.json"), "--save-weights", "/proc/w"] + long, "--save-weights: cannot write /proc/w"),
            (["train", "--out", dir.file("run.json"), "--save-weights", dir.path] + long, "--save-weights: \(dir.path): holds file, which is not a weight file"),
            (["construct", "--save-weights", dir.file("file/w")], "--save-weights: cannot write"),
            (["certify", "--weights", dir.file("w"), "--out", dir.file("c/")], "--out: \(dir.file("c/")) ends in '/'"),
            (["certify", "--weights", dir.file("w"), "--save-region-weights", dir.file("file")], "--save-region-weights: \(dir.file("file")) is a file"),
            (["volume", "--samples", "100000", "--out", dir.file("file/v.json")], "--out: cannot write"),
            (["bounds", "--n", "10", "--d0", "3", "--d1", "2", "--out", "/proc/b.json"], "--out: cannot write /proc/b.json"),
            (["sweep", dir.file("spec.json"), "--results", dir.file("file/r")], "--results: cannot write"),
            (["sweep", dir.file("spec.json"), "--results", dir.file("file")], "--results: \(dir.file("file")) is a file"),
            (["reproduce", "--results", "/proc/r"], "--results: cannot write /proc/r"),
            (["reproduce", "table1", "--mnist", dir.path, "--results", dir.file("file")], "--results: \(dir.file("file")) is a file"),
        ]
        for (arguments, expected) in cases {
            let start = Date()
            let r = try runMinima(arguments)
            #expect(Date().timeIntervalSince(start) < 20, "\(arguments) took long")
            #expect(r.status == 2, "\(arguments): status \(r.status)")
            #expect(r.stderr.contains(expected) && r.stderr.split(separator: "\n").count == 1, "\(arguments): stderr was \(r.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["file"])
    }

    /// Relative paths are checked the same way (a bare name's folder is the working folder).
    @Test func relativeOutputPaths() throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        _ = dir.write([1], "file")
        let long = ["--epochs", "100000000", "--quiet"]
        let weights = try runMinima(["train", "--out", "o.json", "--save-weights", "."] + long, in: dir.path)
        #expect(weights.status == 2 && weights.stderr.hasPrefix("error: --save-weights: .: holds file, which is not a weight file"), "\(weights.stderr)")
        let under = try runMinima(["train", "--out", "file/o.json"] + long, in: dir.path)
        #expect(under.status == 2 && under.stderr.contains("--out: cannot write file/o.json: file is a file"), "\(under.stderr)")
        let short = try runMinima(["train", "--out", "o.json", "--save-weights", "w", "--n", "20", "--d0", "3", "--hidden", "4", "--epochs", "2", "--quiet"], in: dir.path)
        #expect(short.status == 0, "\(short.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["file", "o.json", "w"])
    }

    /// Weights replace their folder as a whole (a two-layer folder saved over with one layer
    /// loses W2.npy), leave no temporary folders, and certify --run checks their checksum.
    @Test func weightsFoldersAreReplacedAtomicallyAndChecksummed() throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        let two = Network<Double>.random(shape: NetworkShape(d0: 3, hidden: [4, 2]), seed: 1)
        let first = try WeightFiles.save(two, to: dir.file("w"))
        #expect(FileManager.default.fileExists(atPath: dir.file("w/W2.npy")))
        #expect(try WeightFiles.checksum(of: two.shape, in: dir.file("w")) == first)
        let one = Network<Double>.random(shape: NetworkShape(d0: 3, hidden: [4]), seed: 2)
        let second = try WeightFiles.save(one, to: dir.file("w"))
        #expect(second != first)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("w")).sorted() == ["W1.npy", "z.npy"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["w"])
        let loaded: Network<Double> = try WeightFiles.load(one.shape, from: dir.file("w"))
        #expect(loaded.parameters == one.parameters)
        // A folder with other files is not replaced (its other files would be lost).
        _ = dir.write([0], "w/notes.txt")
        #expect(minimaError { try WeightFiles.save(one, to: dir.file("w")) }?.contains("holds notes.txt, which is not a weight file") == true)
        #expect(FileManager.default.fileExists(atPath: dir.file("w/notes.txt")))

        // train --save-weights records the checksum; certify --run refuses changed weights.
        let r = try runMinima(["train", "--quiet", "--n", "30", "--d0", "4", "--hidden", "6", "--epochs", "50",
                               "--save-weights", dir.file("trained"), "--out", dir.file("run.json")])
        #expect(r.status == 0, "\(r.stderr)")
        let record = try RunRecord.read(dir.file("run.json"))
        let recorded = try #require(record.weightsChecksum)
        #expect(try WeightFiles.checksum(of: record.config.network, in: dir.file("trained")) == recorded)
        let good = try runMinima(["certify", "--run", dir.file("run.json"), "--no-hessian"])
        #expect(good.status == 0, "\(good.stderr)")
        var z: Npy.Array<Double> = try Npy.read(dir.file("trained/z.npy"))
        z.values[0] += 1e-9
        try Npy.write(z.values, shape: z.shape, to: dir.file("trained/z.npy"))
        let bad = try runMinima(["certify", "--run", dir.file("run.json"), "--no-hessian"])
        #expect(bad.status == 2 && bad.stderr.contains("the weights do not match the checksum in \(dir.file("run.json"))"), "\(bad.stderr)")
    }
}


/// A sweep's grid × repetitions and its derived sizes are counted without wrapping and
/// checked before any run is listed.
@Suite("sweep sizes")
struct SweepSizeTests {
    @Test(arguments: [
        (#""repetitions": 1000000000000, "grid": {"n": [10, 20], "d0": [3]}"#, "the grid × repetitions (2000000000000 runs): needs "),
        (#""repetitions": 4503599627370496, "grid": {"n": [10, 20, 30], "d0": [3]}"#, "(13510798882111488 runs): needs more bytes than a 64-bit size can count"),
        (#""grid": {"n": {"d0SquaredOver": 5}, "d0": [4000000000000]}"#, "field grid.d0: d0 = 4000000000000 is too large"),
        (#""grid": {"n": [10], "d0": [3], "hidden": [[4000000000, 4000000000]]}"#, "has more parameters than 64 bits count"),
    ])
    func hugeGridsAreRefusedAtOnce(_ body: String, _ expected: String) throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        let spec = #"{"name": "big", "data": {"source": "gaussian"}, "training": {"epochs": 1}, "# + body + "}"
        try spec.write(toFile: dir.file("spec.json"), atomically: true, encoding: .utf8)
        let start = Date()
        let r = try runMinima(["sweep", dir.file("spec.json"), "--results", dir.file("results"), "--quiet"])
        #expect(Date().timeIntervalSince(start) < 20)
        #expect(r.status == 2 && r.stderr.contains(expected) && r.stderr.split(separator: "\n").count == 1, "stderr was \(r.stderr)")
    }
}
