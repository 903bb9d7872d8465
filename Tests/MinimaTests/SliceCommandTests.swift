import Foundation
import Linalg
import Minima
@testable import MinimaCore
@testable import MinimaData
@testable import MinimaModel
@testable import MinimaLandscape
import Testing

/// `minima slice` end to end: the files it writes agree with the library, and bad input gets
/// one line naming the flag, exit code 2 and no output.
@Suite("minima slice command line")
struct SliceCommandTests {
    /// A weights folder for a 5→6→1 ReLU network; the data is `--n 30 --d0 5` (Gaussian).
    static func weights(_ dir: TemporaryFolder, hidden: [Int] = [6]) throws -> [String] {
        let net = Network<Double>.random(shape: NetworkShape(d0: 5, hidden: hidden), seed: 2)
        try WeightFiles.save(net, to: dir.file("w"))
        return ["slice", "--weights", dir.file("w"), "--n", "30", "--d0", "5", "--quiet"]
    }

    @Test("a line writes slice.csv, crossings.csv, pieces.csv, slice.json and line.svg that agree")
    func lineFiles() throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        let r = try runMinima(try Self.weights(dir) + ["--range", "-2:2", "--points", "21", "--out", dir.file("out")])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let record = try RecordJSON.read(dir.file("out/slice.json"), as: SliceRecord.self, what: "a slice record")
        let crossings = try String(contentsOfFile: dir.file("out/crossings.csv"), encoding: .utf8).split(separator: "\n")
        let pieces = try String(contentsOfFile: dir.file("out/pieces.csv"), encoding: .utf8).split(separator: "\n")
        let samples = try String(contentsOfFile: dir.file("out/slice.csv"), encoding: .utf8).split(separator: "\n")
        #expect(crossings.count == record.line!.crossings + 1 && record.line!.crossings > 0)
        #expect(pieces.count == record.line!.pieces + 1)
        #expect(samples.count == 22 && samples[0] == "alpha,mse,mce,errors,changed,region")
        #expect(record.range == [-2, 2] && record.points == [21] && record.directions[0].kind == "random")
        #expect(record.directions[0].seed == 0 && record.directions[0].norm > 0)
        // The centre row (α = 0) is the network itself: its MSE on the same data.
        let data: Dataset<Double> = SyntheticData.gaussian(n: 30, d0: 5, seed: 0)
        let net: Network<Double> = try WeightFiles.load(NetworkShape(d0: 5, hidden: [6]), from: dir.file("w"))
        let centre = samples[11].split(separator: ",")
        #expect(Double(centre[0]) == 0)
        #expect(abs(Double(centre[1])! - net.mse(data)) <= 1e-13 * net.mse(data))
        #expect(abs(record.centre.mse - net.mse(data)) <= 1e-13 * net.mse(data))
        let svg = try String(contentsOfFile: dir.file("out/line.svg"), encoding: .utf8)
        #expect(svg.contains("<svg") && svg.contains("minimum on the line"))
        #expect(record.files?.contains("line.svg") == true)
    }

    @Test("a plane writes one row per grid point and the figure with its regions")
    func planeFiles() throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        let r = try runMinima(try Self.weights(dir) + ["--direction", "random,random", "--move", "W", "--points", "9x9",
                                                        "--range", "-0.5:0.5", "--out", dir.file("out")])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let rows = try String(contentsOfFile: dir.file("out/slice.csv"), encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 82 && rows[0] == "alpha,beta,mse,mce,errors,changed,region")
        #expect(!FileManager.default.fileExists(atPath: dir.file("out/crossings.csv")))
        let record = try RecordJSON.read(dir.file("out/slice.json"), as: SliceRecord.self, what: "a slice record")
        #expect(record.points == [9, 9] && record.directions.map(\.stream) == [100, 101])
        #expect(record.directions.allSatisfy { $0.normZ == 0 && $0.normW > 0 })
        let svg = try String(contentsOfFile: dir.file("out/plane.svg"), encoding: .utf8)
        #expect(svg.contains("class=\"field\"") && svg.contains("centre's region") && svg.contains("colorbar"))
    }

    @Test(arguments: [
        (["--range", "1:0"], "--range: expected a:b with finite a < b"),
        (["--range", "x"], "--range: expected a:b"),
        (["--points", "5x5"], "--points: a line (one direction) needs a count K"),
        (["--direction", "random,random", "--points", "7"], "--points: a plane (two directions) needs KxK"),
        (["--direction", "random,random", "--points", "7x9"], "--points: the grid must be square"),
        (["--points", "1"], "--points: need 2…"),
        (["--direction", "sideways"], "--direction: unknown direction 'sideways'"),
        (["--direction", "a,b,c"], "--direction: give one direction"),
        (["--direction", "region-fit", "--move", "z"], "--direction: region-fit moves W"),
        (["--direction", "to:/nonexistent/folder"], "/nonexistent/folder/W1.npy: no such file"),
        (["--threads", "0"], "--threads: must be positive"),
        (["--lanczos-steps", "0"], "--lanczos-steps: must be positive"),
    ])
    func badInput(_ arguments: [String], _ expected: String) throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        let r = try runMinima(try Self.weights(dir) + ["--out", dir.file("out")] + arguments)
        #expect(r.status == 2)
        #expect(r.stderr.contains(expected), "stderr was: \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "stderr was: \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("out")))
    }

    @Test("two hidden layers and missing inputs are refused naming the flag")
    func refused() throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        let r = try runMinima(try Self.weights(dir, hidden: [4, 3]) + ["--out", dir.file("out")])
        #expect(r.status == 2 && r.stderr.contains("--weights: slices need one hidden layer"), "stderr: \(r.stderr)")
        let none = try runMinima(["slice", "--out", dir.file("out")])
        #expect(none.status == 2 && none.stderr.contains("--run: give --run RUN.json"), "stderr: \(none.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("out")))
    }
}
