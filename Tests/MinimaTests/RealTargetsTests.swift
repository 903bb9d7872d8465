import Foundation
import Linalg
import Testing
import Minima
@testable import MinimaCore
@testable import MinimaExperiments

/// Real-valued targets (`--labels real`): the MSE, training, certificates, slices and Theorem 8's
/// construction take any y; what needs a threshold is nil (null in JSON, — in text) or refused.
@Suite struct RealTargetsTests {
    /// Gaussian X (N×d0) and the smooth target y = sin(x₁) + 0.3·x₂, written as X.npy and y.npy.
    static func regression(_ dir: TemporaryFolder, n: Int = 40, d0: Int = 4) throws -> (x: [Double], y: [Double]) {
        var rng = SeededGenerator(seed: 11, stream: .gaussianInputs)
        let x: [Double] = rng.normals(n * d0)
        let y = (0..<n).map { sin(x[$0 * d0]) + 0.3 * x[$0 * d0 + 1] }
        try Npy.write(x, shape: [n, d0], to: dir.file("X.npy"))
        try Npy.write(y, shape: [n], to: dir.file("y.npy"))
        return (x, y)
    }

    /// `(1/N)·Σ (y_n − zᵀ relu(W1 x_n))²` in plain loops, from the saved weight files.
    static func independentMSE(weights folder: String, x: [Double], y: [Double], d0: Int) throws -> Double {
        let w: Matrix<Double> = try Npy.readMatrix(folder + "/W1.npy", what: "W1")
        let z: [Double] = try Npy.readVector(folder + "/z.npy", what: "z")
        var sse = 0.0
        for n in 0..<y.count {
            var f = 0.0
            for i in 0..<w.rows {
                var u = 0.0
                for j in 0..<d0 { u += w[i, j] * x[n * d0 + j] }
                f += z[i] * max(u, 0)
            }
            sse += (y[n] - f) * (y[n] - f)
        }
        return sse / Double(y.count)
    }

    static func json(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    }

    @Test("train on npy data with real y: the MSE falls, matches a plain recomputation, and the MCE is null and —")
    func trainAndCertify() throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        let (x, y) = try Self.regression(dir)
        let r = try runMinima(["train", "--x", dir.file("X.npy"), "--y", dir.file("y.npy"), "--labels", "real", "--hidden", "8",
                               "--epochs", "300", "--lr", "0.05", "--save-weights", dir.file("w"), "--out", dir.file("run.json"), "--quiet"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("MCE —,"), "stdout: \(r.stdout)")
        #expect(!r.stdout.contains("wrong"), "stdout: \(r.stdout)")
        let record = try Self.json(String(contentsOfFile: dir.file("run.json"), encoding: .utf8))
        let final = record["final"] as! [String: Any]
        #expect(final["mce"] is NSNull && final["errors"] is NSNull, "final: \(final)")
        let curve = record["curve"] as! [[String: Any]]
        #expect(curve.allSatisfy { $0["mce"] is NSNull })
        let first = curve.first!["mse"] as! Double, last = final["mse"] as! Double
        // y has variance ≈ 0.5; 300 GD epochs on 8 units take the MSE well below it.
        #expect(last < 0.5 * first, "MSE \(first) → \(last)")
        // The record's MSE is the MSE of the saved weights (Float64 both ways: ~1e-15 relative).
        let direct = try Self.independentMSE(weights: dir.file("w"), x: x, y: y, d0: 4)
        #expect(abs(direct - last) <= 1e-12 * last, "record \(last), recomputed \(direct)")
        // The stored record reads back, nulls included.
        let stored = try RunRecord.read(dir.file("run.json"))
        #expect(stored.final.mce == nil && stored.final.errors == nil && stored.config.data.labels == .real)

        let c = try runMinima(["certify", "--weights", dir.file("w"), "--x", dir.file("X.npy"), "--y", dir.file("y.npy"),
                               "--labels", "real", "--json"])
        #expect(c.status == 0, "stderr: \(c.stderr)")
        let cert = try Self.json(c.stdout)
        #expect(cert["mceNetwork"] is NSNull && cert["mceRegion"] is NSNull)
        #expect(abs((cert["mseNetwork"] as! Double) - direct) <= 1e-12 * direct)
        let fit = cert["regionFit"] as! [String: Any]
        #expect(fit["mce"] is NSNull && fit["errors"] is NSNull && (fit["mse"] as! Double) <= direct)
        let text = try runMinima(["certify", "--weights", dir.file("w"), "--x", dir.file("X.npy"), "--y", dir.file("y.npy"), "--labels", "real"])
        #expect(text.stdout.contains("MCE —") && text.stdout.contains("MCE_A —"), "stdout: \(text.stdout)")
        // Without --labels real the same y is refused, pointing at the flag.
        let refused = try runMinima(["certify", "--weights", dir.file("w"), "--x", dir.file("X.npy"), "--y", dir.file("y.npy")])
        #expect(refused.status == 2 && refused.stderr.contains("is not -1.0 or 1.0") && refused.stderr.contains("real"), "stderr: \(refused.stderr)")
    }

    @Test("a slice along real targets has MSE, no MCE: empty CSV cells, null in JSON, — in text")
    func slice() throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        _ = try Self.regression(dir)
        let t = try runMinima(["train", "--x", dir.file("X.npy"), "--y", dir.file("y.npy"), "--labels", "real", "--hidden", "6",
                               "--epochs", "50", "--save-weights", dir.file("w"), "--out", dir.file("run.json"), "--quiet"])
        #expect(t.status == 0, "stderr: \(t.stderr)")
        let r = try runMinima(["slice", "--run", dir.file("run.json"), "--points", "11", "--out", dir.file("out")])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("centre: MSE") && r.stdout.contains("MCE —"), "stdout: \(r.stdout)")
        let rows = try String(contentsOfFile: dir.file("out/slice.csv"), encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 12)
        for row in rows.dropFirst() {
            let cells = row.split(separator: ",", omittingEmptySubsequences: false)
            #expect(cells[2].isEmpty && cells[3].isEmpty && Double(cells[1])! >= 0, "row: \(row)")
        }
        let svg = try String(contentsOfFile: dir.file("out/line.svg"), encoding: .utf8)
        #expect(!svg.contains("MCE along"))
        let record = try String(contentsOfFile: dir.file("out/slice.json"), encoding: .utf8)
        #expect(record.contains(#""mce" : null"#) && !record.contains(#""mce" : 0"#), "slice.json: \(record.prefix(2000))")
    }

    @Test("a sweep of real targets: runs.csv and summary.csv leave the MCE and error cells empty")
    func sweepTables() throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        try #"{ "name": "reg", "data": { "source": "gaussian", "labels": "real" }, "training": { "epochs": 20 }, "grid": { "n": [20], "d0": [3], "width": [4] }, "repetitions": 2 }"#
            .write(toFile: dir.file("spec.json"), atomically: true, encoding: .utf8)
        let run = try runMinima(["sweep", "run", dir.file("spec.json"), "--results", dir.file("res")])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let report = try runMinima(["report", dir.file("res")])
        #expect(report.status == 0, "stderr: \(report.stderr)")
        func table(_ name: String) throws -> [[String: String]] {
            let lines = try String(contentsOfFile: dir.file("res/" + name), encoding: .utf8).split(separator: "\n").map {
                $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            }
            return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
        }
        let runs = try table("runs.csv")
        #expect(runs.count == 2)
        for r in runs { #expect(r["mce"] == "" && r["errors"] == "" && Double(r["mse"]!)! > 0, "\(r)") }
        let summary = try table("summary.csv")
        #expect(summary.count == 1 && summary[0]["count"] == "2")
        #expect(["mce_mean", "mce_std", "mce_min", "mce_max"].allSatisfy { summary[0][$0] == "" } && Double(summary[0]["mse_mean"]!)! > 0, "\(summary)")
    }

    @Test("what needs a threshold is refused with real targets, in one line naming the flags, before any output")
    func refusals() throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        let out = ["--out", dir.file("out.json")]
        let cases: [([String], [String])] = [
            (["train", "--labels", "real", "--n", "20", "--d0", "3", "--stop-at-zero-error"], ["--stop-at-zero-error:", "--labels real"]),
            (["train", "--labels", "real", "--n", "20", "--d0", "3", "--margin-step"], ["--margin-step:", "--labels real"]),
            (["volume", "--labels", "real", "--n", "8", "--d0", "3", "--hidden", "4"], ["--labels: real does not apply to minima volume"]),
            (["train", "--labels", "real", "--dataset", "mnist", "--data", dir.path], ["--labels: real does not apply to --dataset mnist"]),
        ]
        for (arguments, expected) in cases {
            let r = try runMinima(arguments + out)
            #expect(r.status == 2, "\(arguments): \(r.stderr)")
            for e in expected { #expect(r.stderr.contains(e), "\(arguments): \(r.stderr)") }
            #expect(r.stderr.split(separator: "\n").count == 1, "\(arguments): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.file("out.json")))
        }
        // A non-finite target is refused naming the file.
        try Npy.write([Double](repeating: 0.5, count: 8), shape: [4, 2], to: dir.file("X.npy"))
        try Npy.write([0.5, .nan, 1, 2], shape: [4], to: dir.file("y.npy"))
        let nan = try runMinima(["data", "inspect", "--x", dir.file("X.npy"), "--y", dir.file("y.npy"), "--labels", "real"])
        #expect(nan.status == 2 && nan.stderr.contains("y.npy: target nan at index 1 is not a finite number"), "stderr: \(nan.stderr)")
        // Sweep specs: the same rules, worded as the spec's fields.
        func rejection(_ json: String) -> String? { minimaError { _ = try SweepSpec.parse(Data(json.utf8), file: "s.json") } }
        let stop = rejection(#"{ "name": "x", "data": { "labels": "real" }, "training": { "stopAtZeroError": true }, "grid": { "n": [10], "d0": [3] } }"#)
        #expect(stop?.contains("field training.stopAtZeroError: needs class labels") == true, "\(stop ?? "accepted")")
        let random = rejection(#"{ "name": "x", "data": { "labels": "real", "randomLabels": true }, "grid": { "n": [10], "d0": [3] } }"#)
        #expect(random?.contains("field data.labels: real targets cannot also be random") == true, "\(random ?? "accepted")")
        let fine = try SweepSpec.parse(Data(#"{ "name": "x", "data": { "labels": "real" }, "grid": { "n": [10], "d0": [3] } }"#.utf8), file: "s.json")
        #expect(fine.data.labels == .real)
    }

    @Test("synthetic real targets: y ~ N(0, 1) for gaussian, the teacher's own output for teacher")
    func syntheticTargets() throws {
        var spec = DataSpec()
        spec.n = 4000; spec.d0 = 3; spec.labels = .real; spec.seed = 5
        let gaussian: Dataset<Double> = try spec.load()
        let mean = gaussian.y.reduce(0, +) / 4000
        let variance = gaussian.y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 3999
        // Standard errors at N = 4000: 0.016 for the mean, 0.022 for the variance; 4σ bounds.
        #expect(abs(mean) < 0.064 && abs(variance - 1) < 0.09, "mean \(mean), variance \(variance)")
        #expect(gaussian.classCounts == nil && Metrics(outputs: gaussian.y, on: gaussian) == Metrics(mse: 0, mce: nil, errors: nil))
        // The inputs are those of the ±1 data set of the same seed: only the labels differ.
        spec.labels = .plusMinusOne
        let classes: Dataset<Double> = try spec.load()
        #expect(classes.x == gaussian.x)
        // Teacher: the sign of the real teacher output is the ±1 teacher label.
        spec.source = .teacher; spec.teacherWidth = 4
        let teacherClasses: Dataset<Double> = try spec.load()
        spec.labels = .real
        let teacher: Dataset<Double> = try spec.load()
        #expect(zip(teacher.y, teacherClasses.y).allSatisfy { ($0 > 0 ? 1.0 : -1.0) == $1 })
        #expect(Set(teacher.y).count > 3000)
    }

    @Test("records: null MCE is written and read; older records with numbers still read")
    func recordNulls() throws {
        let m = Metrics(mse: 0.25, mce: nil, errors: nil)
        let text = String(decoding: try RecordJSON.encode(m), as: UTF8.self)
        #expect(text.contains(#""mce" : null"#) && text.contains(#""errors" : null"#), "\(text)")
        let decoder = JSONDecoder()
        #expect(try decoder.decode(Metrics.self, from: Data(text.utf8)) == m)
        // A key left out (never written by this version) also reads as nil; a number as itself.
        #expect(try decoder.decode(Metrics.self, from: Data(#"{ "mse": 0.25 }"#.utf8)) == m)
        let old = try decoder.decode(Metrics.self, from: Data(#"{ "mse": 0.25, "mce": 0.5, "errors": 3 }"#.utf8))
        #expect(old.mce == 0.5 && old.errors == 3)
    }

    @Test("Theorem 8's construction fits real y exactly with d1* units", arguments: [(40, 5), (120, 3), (250, 10), (500, 4), (500, 20)])
    func constructionFitsRealTargets(_ n: Int, _ d0: Int) throws {
        var spec = DataSpec()
        spec.n = n; spec.d0 = d0; spec.labels = .real; spec.seed = UInt64(n + d0)
        var data: Dataset<Double> = try spec.load()
        // Targets of a larger scale than N(0, 1): the test is relative to max |y|.
        data.y = data.y.map { 3 * $0 + 0.5 }
        let (net, report) = try Theorem8Construction.build(data: data, slope: 0.2, seed: 1)
        #expect(report.units == Theorem8Construction.d1Star(n: n, d0: d0) && report.units == 4 * ((n + 2 * d0 - 3) / (2 * d0 - 2)))
        #expect(report.mce == nil && report.zeroPreactivations == 0)
        // Measured 1e-12 … 1.2e-9 on these sizes (the largest |z| = 1/δ costs digits); 1e-8 required.
        let f = net.outputs(data)
        let maxY = data.y.map(abs).max()!
        let relative = zip(f, data.y).map { abs($0 - $1) }.max()! / maxY
        #expect(relative <= 1e-8 && abs(relative - report.relativeMaxResidual) <= 1e-12, "relative residual \(relative)")
    }

    @Test("minima construct fits a real y.npy exactly, checked from the saved weights")
    func constructCommand() throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        let (x, y) = try Self.regression(dir, n: 90, d0: 6)
        let r = try runMinima(["construct", "--x", dir.file("X.npy"), "--y", dir.file("y.npy"), "--labels", "real", "--save-weights", dir.file("w")])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        // d1* = 4⌈90/10⌉ = 36.
        #expect(r.stdout.contains("hidden units 36 (Theorem 8: d1* = 36)") && r.stdout.contains("MCE —"), "stdout: \(r.stdout)")
        let mse = try Self.independentMSE(weights: dir.file("w"), x: x, y: y, d0: 6)
        // max |f − y| ≤ 1e-8·max |y| bounds the MSE by (1e-8·max |y|)².
        let maxY = y.map(abs).max()!
        #expect(mse <= 1e-16 * maxY * maxY, "MSE \(mse)")
    }
}
