import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import Minima
@testable import MinimaCore
@testable import MinimaData
@testable import MinimaTraining
@testable import MinimaLandscape
@testable import MinimaRuns
@testable import MinimaExperiments
@testable import MinimaReport
import Linalg

/// A fresh temporary folder for one test (the shared `TemporaryFolder`).
private func temporaryFolder() -> String { TemporaryFolder().path }

private func spec(_ json: String) throws -> SweepSpec { try SweepSpec.parse(Data(json.utf8), file: "test.json") }

/// The error message a bad spec produces (empty if it parsed).
private func rejection(_ json: String) -> String {
    do { _ = try spec(json); return "" } catch { return "\(error)" }
}

/// A sweep of tiny runs (N = 20, d0 = 3, 5 epochs): 2 widths × 3 repetitions = 6 runs.
private let tinySweep = """
{ "name": "tiny", "figure": "figure1", "repetitions": 3, "seed": 7,
  "data": { "source": "gaussian" },
  "training": { "optimizer": "adam", "learningRate": 0.01, "epochs": 5 },
  "grid": { "n": [20], "d0": [3], "width": [2, 8] } }
"""

@Suite("Sweep specs")
struct SweepSpecTests {
    @Test("fractions derive d1 = ceil(f·N/d0); repetitions get seeds seed, seed+1, …")
    func fractions() throws {
        let s = try spec("""
            { "name": "f", "repetitions": 2, "seed": 10, "grid": { "n": [100], "d0": [10], "width": { "fractions": [0.5, 1, 2.05] } } }
            """)
        let runs = try s.expand()
        #expect(runs.count == 6)
        #expect(runs.map { $0.point.hidden } == [[5], [5], [10], [10], [21], [21]])
        #expect(runs.map { $0.config.seed } == [10, 11, 10, 11, 10, 11])
        #expect(runs.allSatisfy { $0.config.data.seed == $0.config.seed && $0.config.training.seed == $0.config.seed })
        #expect(runs.allSatisfy { $0.config.data.n == 100 && $0.config.data.d0 == 10 && $0.config.threads == 1 })
        #expect(runs[4].point.parameters == 10 * 21 + 21)
        #expect(runs[4].point.paramsOverN == 2.31)
        #expect(runs[4].point.fraction == 2.05)
        #expect(Set(runs.map(\.key)).count == 6)
        #expect(Set(runs.map(\.pointKey)).count == 3)
        #expect(runs[0].pointKey == runs[1].pointKey && runs[0].key != runs[1].key)
    }

    @Test("N = floor(d0²/k) and d0 from #params/N")
    func derivedSizes() throws {
        let fig2 = try spec("""
            { "name": "g", "grid": { "d0": [10, 23], "n": { "d0SquaredOver": 5 }, "width": "d0" } }
            """).expand()
        #expect(fig2.map { $0.point.n } == [20, 105])
        #expect(fig2.map { $0.point.hidden } == [[10], [23]])
        // One layer: d² + d nearest 0.3·100 = 30 is d = 5 (30). Two layers: 2d² + d nearest 30 is d = 4 (36; d = 3 gives 21).
        let fig1 = try spec("""
            { "name": "h", "grid": { "n": [100], "d0": { "paramsOverN": [0.3, 2] }, "depth": [1, 2], "width": "d0" } }
            """).expand()
        #expect(fig1.map { $0.point.d0 } == [5, 14, 4, 10])
        #expect(fig1.map { $0.point.parameters } == [30, 210, 36, 210])
        #expect(fig1.map { $0.point.hidden } == [[5], [14], [4, 4], [10, 10]])
        #expect(fig1.map { $0.point.targetRatio } == [0.3, 2, 0.3, 2])
    }

    @Test("templates fill only the given fields; grid axes override them")
    func templates() throws {
        let runs = try spec("""
            { "name": "t", "precision": "float32",
              "data": { "source": "teacher", "teacherWidth": 3, "labels": "01" },
              "training": { "optimizer": "sgd", "momentum": 0.9, "batchSize": 16 },
              "grid": { "n": [50], "d0": [4], "width": [6], "slope": [0, 0.1], "learningRate": [0.1, 0.01], "bias": true } }
            """).expand()
        #expect(runs.count == 4)
        let c = runs[0].config
        #expect(c.data.source == .teacher && c.data.teacherWidth == 3 && c.data.labels == .zeroOne)
        #expect(c.training.optimizer == .sgd && c.training.momentum == 0.9 && c.training.batchSize == 16)
        #expect(c.training.epochs == TrainingConfiguration().epochs)
        #expect(c.precision == .float32 && c.network.bias)
        #expect(runs.map { $0.config.network.slope } == [0, 0, 0.1, 0.1])
        #expect(runs.map { $0.config.training.learningRate } == [0.1, 0.01, 0.1, 0.01])
        #expect(runs[0].point.parameters == 4 * 6 + 6 + 6 + 1)
    }

    @Test("bad specs are rejected with the field at fault")
    func rejections() {
        #expect(rejection("not json").contains("not valid JSON"))
        #expect(rejection(#"{ "grid": {} }"#).contains("field name: is required"))
        #expect(rejection(#"{ "name": "a/b" }"#).contains("field name"))
        #expect(rejection(#"{ "name": "x", "grid": { "dO": [3] } }"#).contains("unknown field grid.dO"))
        #expect(rejection(#"{ "name": "x", "grid": { "n": [10], "d0": [3, -2] } }"#).contains("field grid.d0[1]: expected a positive integer, got -2"))
        #expect(rejection(#"{ "name": "x", "data": { "source": "mnst" } }"#).contains("field data.source"))
        #expect(rejection(#"{ "name": "x", "data": { "sauce": "gaussian" } }"#).contains("unknown field data.sauce"))
        #expect(rejection(#"{ "name": "x", "training": { "learningRate": -1 }, "grid": { "n": [10], "d0": [3] } }"#)
            .contains("field grid.learningRate or training.learningRate: must be a positive number"))
        // Errors of the library name fields; the spec words them as its JSON paths.
        #expect(rejection(#"{ "name": "x", "training": { "momentum": 2 }, "grid": { "n": [10], "d0": [3] } }"#)
            .contains("field training.momentum: must be in [0, 1), got 2.0"))
        #expect(rejection(#"{ "name": "x", "data": { "source": "gaussian", "preprocessing": { "pool": 0 } }, "grid": { "n": [10], "d0": [3] } }"#)
            .contains("field data.preprocessing.pool: applies to image data sets"))
        #expect(rejection(#"{ "name": "x", "grid": { "n": [10], "d0": [3], "slope": [1] } }"#).contains("field grid.slope: "))
        #expect(rejection(#"{ "name": "x", "grid": { "n": { "d0SquaredOver": 5 } } }"#).contains("needs grid.d0 as a list"))
        #expect(rejection(#"{ "name": "x", "grid": { "d0": { "paramsOverN": [1] } } }"#).contains("needs grid.n"))
        #expect(rejection(#"{ "name": "x", "grid": { "n": [10], "d0": [3], "depth": [3] } }"#).contains("field grid.depth"))
        #expect(rejection(#"{ "name": "x", "grid": { "n": [10], "d0": [3], "width": { "fractions": [] } } }"#).contains("grid.width.fractions"))
        #expect(rejection(#"{ "name": "x", "repetitions": 0 }"#).contains("field repetitions"))
        #expect(rejection(#"{ "name": "x", "grid": { "n": [10] } }"#).contains("d0"))
        #expect(rejection(#"{ "name": "x", "grid": { "n": [10], "d0": [3], "bias": 1 } }"#).contains("field grid.bias: expected true or false"))
        #expect(rejection(tinySweep) == "")
    }

    @Test("shards are disjoint and cover every run exactly once")
    func sharding() throws {
        let runs = try spec(tinySweep).expand()
        for count in 1...4 {
            var seen: [Int] = []
            for i in 1...count { seen += runs.filter { Shard(index: i, count: count).contains($0) }.map(\.index) }
            #expect(seen.sorted() == Array(0..<runs.count))
        }
        #expect(throws: MinimaError.self) { try Shard(parsing: "0/2") }
        #expect(throws: MinimaError.self) { try Shard(parsing: "3/2") }
        #expect(try Shard(parsing: "2/3") == Shard(index: 2, count: 3))
    }

    @Test("run keys are stable and change with any field")
    func keys() {
        var c = RunConfiguration()
        let a = RunKey.hash("s", c)
        #expect(a == RunKey.hash("s", c) && a.count == 16)
        c.training.epochs += 1
        #expect(RunKey.hash("s", c) != a)
        #expect(RunKey.hash("t", RunConfiguration()) != a)
    }
}

@Suite("Sweep runner")
struct SweepRunnerTests {
    static func jsonFiles(_ results: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: results + "/runs")) ?? []).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
    }

    @Test("a stopped sweep resumes: every run once, no duplicates, no partial files")
    func resume() throws {
        let results = temporaryFolder()
        let s = try spec(tinySweep)
        var runner = SweepRunner()
        runner.workers = 2
        runner.stopAfter = 2
        let first = try runner.run(s, results: results)
        #expect(first.ran == 2 && first.stopped && first.total == 6)
        #expect(Self.jsonFiles(results).count == 2)
        // What a kill during a write leaves behind: a temporary file, never a record.
        try Data("{ half".utf8).write(to: URL(fileURLWithPath: results + "/runs/.0123456789abcdef.json.tmp-99999"))
        runner.stopAfter = nil
        let second = try runner.run(s, results: results)
        #expect(second.ran == 4 && second.skipped == 2 && !second.stopped && second.failures == 0)
        let third = try runner.run(s, results: results)
        #expect(third.ran == 0 && third.skipped == 6)
        let files = Self.jsonFiles(results)
        #expect(files.count == 6)
        #expect(Set(files.map { String($0.dropLast(5)) }) == Set(try s.expand().map(\.key)))
        let records = try SweepRecord.readAll(results)
        #expect(records.count == 6 && records.allSatisfy { $0.record?.final.epochs == 5 && $0.sweep == "tiny" })
        #expect(Set(records.map { "\($0.pointKey)/\($0.repetition)" }).count == 6)
        #expect(FileManager.default.fileExists(atPath: results + "/specs/tiny.json"))
        #expect(!third.replacedSpec)
        // An edited spec of the same name is flagged, and only its new runs are run.
        let edited = try spec(tinySweep.replacingOccurrences(of: "\"repetitions\": 3", with: "\"repetitions\": 4"))
        let fourth = try runner.run(edited, results: results)
        #expect(fourth.replacedSpec && fourth.ran == 2 && fourth.skipped == 6)
    }

    @Test("one worker and two write the same records, but for their wall times")
    func workersDoNotChangeRecords() throws {
        // Full-batch Adam to a target MSE, one and two hidden layers: some runs stop early, some run every epoch.
        let s = try spec("""
            { "name": "same", "figure": "figure1", "repetitions": 2, "seed": 3, "precision": "float64",
              "data": { "source": "gaussian", "labels": "pm1" },
              "training": { "optimizer": "adam", "learningRate": 0.01, "epochs": 300, "targetMSE": 0.01 },
              "grid": { "n": [40], "d0": [3, 8], "depth": [1, 2], "width": "d0" } }
            """)
        func records(workers: Int) throws -> (texts: [String: String], epochs: [Int]) {
            let results = temporaryFolder()
            var runner = SweepRunner()
            runner.workers = workers
            #expect(try runner.run(s, results: results).ran == 8)
            var texts: [String: String] = [:]
            for file in Self.jsonFiles(results) {
                let text = try String(contentsOfFile: results + "/runs/" + file, encoding: .utf8)
                texts[file] = text.split(separator: "\n")
                    .filter { !["\"seconds\"", "\"medianEpochSeconds\"", "\"date\""].contains(where: $0.contains) }
                    .joined(separator: "\n")
            }
            return (texts, try SweepRecord.readAll(results).compactMap { $0.record?.final.epochs })
        }
        let one = try records(workers: 1), two = try records(workers: 2)
        #expect(one.texts.count == 8 && one.texts == two.texts)
        #expect(one.epochs.count == 8 && one.epochs.contains(300) && one.epochs.contains { $0 < 300 }, "\(one.epochs)")
    }

    @Test("shards write into one folder and together hold every run")
    func shardsShareAFolder() throws {
        let results = temporaryFolder()
        let s = try spec(tinySweep)
        for i in 1...3 {
            var runner = SweepRunner()
            runner.shard = Shard(index: i, count: 3)
            runner.workers = 1
            #expect(try runner.run(s, results: results).ran == 2)
        }
        #expect(Set(Self.jsonFiles(results).map { String($0.dropLast(5)) }) == Set(try s.expand().map(\.key)))
    }

    @Test("a failing run is recorded with its error and retried on request")
    func failures() throws {
        let results = temporaryFolder()
        let s = try spec(tinySweep)
        var runner = SweepRunner()
        runner.execute = { config, _ in
            if config.network.hidden == [8] { throw MinimaError.numerical("boom") }
            return try TrainingRun.execute(config)
        }
        let outcome = try runner.run(s, results: results)
        #expect(outcome.ran == 6 && outcome.failures == 3 && outcome.failedRecords == 3)
        #expect(outcome.firstError?.hasSuffix(": boom") == true)
        let failed = try SweepRecord.readAll(results).filter(\.failed)
        #expect(failed.count == 3 && failed.allSatisfy { $0.error == "boom" && $0.config?.network.hidden == [8] })
        runner.execute = { try TrainingRun.execute($0, checkpoint: $1) }
        let again = try runner.run(s, results: results)
        #expect(again.ran == 0 && again.failures == 0 && again.failedRecords == 3)
        runner.retryFailed = true
        let retried = try runner.run(s, results: results)
        #expect(retried.ran == 3 && retried.failures == 0)
        #expect(try SweepRecord.readAll(results).filter(\.failed).isEmpty)
    }
}

@Suite("Reports")
struct ReportTests {
    @Test("statistics: mean, sample std, min, max")
    func statistics() {
        let s = Statistics([1, 2, 3, 4])
        #expect(s.count == 4 && s.mean == 2.5 && s.min == 1 && s.max == 4)
        #expect(abs(s.std - (5.0 / 3).squareRoot()) < 1e-15)
        #expect(Statistics([7]).std == 0)
    }

    @Test("runs.csv and summary.csv have the documented columns and the right numbers")
    func csv() throws {
        let results = temporaryFolder()
        let s = try spec(tinySweep)
        try SweepRunner().run(s, results: results)
        let out = try ReportWriter.write(results: results)
        #expect(out.runs == 6 && out.failures == 0)
        let runs = try String(contentsOfFile: results + "/runs.csv", encoding: .utf8).split(separator: "\n")
        #expect(runs.count == 7)
        #expect(runs[0] == "sweep,figure,key,repetition,seed,dataset,n,d0,hidden,depth,parameters,params_over_n,slope,bias,optimizer,lr,batch,max_epochs,precision,status,epochs,seconds,mse,mce,errors,margin,zero_preactivations,gradient_norm,error")
        #expect(runs[1].hasPrefix("tiny,figure1,"))
        let summary = try String(contentsOfFile: results + "/summary.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(summary.count == 3)
        let header = summary[0]
        #expect(header.prefix(3) == ["sweep", "figure", "dataset"] && header.contains("mce_mean") && header.contains("mse_std") && header.contains("count"))
        // The mean MSE of the width-8 grid point, recomputed from the records.
        let records = try SweepRecord.readAll(results).filter { $0.point.hidden == [8] }
        let mean = records.map { $0.record!.final.mse }.reduce(0, +) / 3
        let row = summary.first { $0[header.firstIndex(of: "hidden")!] == "8" }!
        #expect(row[header.firstIndex(of: "count")!] == "3")
        #expect(abs(Double(row[header.firstIndex(of: "mse_mean")!])! - mean) <= 1e-15 * mean)
        #expect(row[header.firstIndex(of: "params_over_n")!] == "1.6000000000000001")  // (3·8 + 8)/20
        let report = try String(contentsOfFile: out.report, encoding: .utf8)
        #expect(report.contains("![Figure 1](figure1.svg)") && report.contains("specs/tiny.json"))
    }

    @Test("Figure 1's SVG parses as XML and holds one series per depth, error bars and the dashed line")
    func figure1SVG() throws {
        let results = temporaryFolder()
        let s = try spec("""
            { "name": "fig", "figure": "figure1", "repetitions": 2,
              "training": { "optimizer": "adam", "learningRate": 0.01, "epochs": 3 },
              "grid": { "n": [30], "d0": { "paramsOverN": [0.5, 2] }, "depth": [1, 2], "width": "d0" } }
            """)
        try SweepRunner().run(s, results: results)
        try ReportWriter.write(results: results)
        let svg = try Data(contentsOf: URL(fileURLWithPath: results + "/figure1.svg"))
        let collector = SVGCollector()
        let parser = XMLParser(data: svg)
        parser.delegate = collector
        #expect(parser.parse(), "figure1.svg is not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "")")
        #expect(collector.root == "svg")
        // Two panels (MCE, MSE) × two depths.
        #expect(collector.series == ["1 hidden layer", "2 hidden layers", "1 hidden layer", "2 hidden layers"])
        #expect(collector.references == 2)
        #expect(collector.polylines.count == 4 && collector.polylines.allSatisfy { $0 == 2 })
        #expect(collector.texts.contains("#params / N") && collector.texts.contains("#params = N"))
    }

    @Test("SVGPlot maps log axes by decades and escapes text")
    func plot() throws {
        var panel = SVGPlot.Panel(title: "a < b & c", xLabel: "x", yLabel: "y")
        panel.xScale = .log
        panel.series = [.init(name: "s", points: [.init(x: 0.1, y: 0), .init(x: 10, y: 1)], color: "#000000")]
        let svg = SVGPlot(panels: [panel]).svg()
        #expect(svg.contains("a &lt; b &amp; c"))
        #expect(SVGPlot.range([0.15, 7], scale: .log) == 0.1...10)
        #expect(SVGPlot.range([0.112, 10.1], scale: .log) == 0.1...(10.1 * 1.1))   // not up to 100 for 1% past 10
        #expect(SVGPlot.range([0.3, 0.9], scale: .linear) == 0.2...1.0)   // steps of 0.2
        let ticks = SVGPlot.ticks(1e-3...1, scale: .log).map(\.0)
        #expect(ticks.count == 4 && zip(ticks, [1e-3, 1e-2, 1e-1, 1]).allSatisfy { abs($0 / $1 - 1) < 1e-15 })
        // The points sit at the frame's left and right edges (x from 66 to 400 − 22).
        #expect(svg.contains("<polyline points=\"66.00,"))
        #expect(svg.contains("378.00,"))
    }

    @Test("Table 1: the paper's sizes, the data specs of its rows, and a missing folder named")
    func table1() throws {
        #expect(Table1Dataset.mnist.row.d1 == 89 && Table1Dataset.cifar10.row.d0 == 3072 && Table1Dataset.cifar10.row.n == 50_000)
        do {
            _ = try Table1.dataSpec(for: .cifar10, folder: "/nowhere")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "table1.cifar10: /nowhere does not exist")
        }
        let folder = temporaryFolder()
        let cifar = try Table1.dataSpec(for: .cifar10, folder: folder)
        #expect(cifar.source == .cifar10 && cifar.classes == "0-4:5-9" && cifar.preprocessing.zca && cifar.preprocessing.zcaEpsilon == 1e-5)
        let mnist = try Table1.dataSpec(for: .mnist, folder: folder)
        #expect(mnist.source == .mnist && mnist.mergeTest && mnist.preprocessing.standardize && mnist.classes == "0-4:5-9")
        // A folder with X.npy and y.npy prepared elsewhere is read as it is.
        let prepared = temporaryFolder()
        try Dataset<Double>(x: Matrix(rows: 2, columns: 3, elements: [1, 2, 3, 4, 5, 6]), y: [1, -1]).save(toFolder: prepared)
        let npy = try Table1.dataSpec(for: .mnist, folder: prepared)
        #expect(npy.source == .npy && npy.x == prepared + "/X.npy")
        #expect(try npy.load(as: Double.self).n == 2)
        let row = Table1Row(dataset: .cifar10, title: "CIFAR", n: 50_000, d0: 3072, d1: 16, paperMCE: 0)
        var config = Table1.configuration(row, data: cifar)
        config.network.d0 = 3072
        let final = FinalState(mse: 0.01, mce: 7.0 / 50_000, errors: 7, minAbsPreactivation: 1e-3, zeroPreactivations: 0, gradientNorm: 1e-3,
                               epochs: 1234, seconds: 468, medianEpochSeconds: 0.3, status: .completed, message: "ran all 1500 epochs")
        var record = RunRecord(config: config, environment: .current(precision: .float32),
                               curve: [CurvePoint(epoch: 0, mse: 1, mce: 0.5, lr: 5e-4, seconds: 0)], final: final)
        record.samples = 50_000
        let result = Table1Result(row: row, record: record)
        var md = Table1.markdown([result])
        #expect(md.contains("| CIFAR | 50000 | 3072 | 16 | 0.98 | 0% | 0.014% (7) | 0.014% | 0.0100 | — | — | — | 1234 | 7.8 min |"))
        #expect(md.contains("did not reach 0%"))
        var finished = result
        finished.record.final.errors = 0
        finished.record.final.mce = 0
        finished.record.final.message = "the region margin step removed the last 40 errors after epoch 300"
        finished.record.final.marginStep = [MarginStepIteration(selected: 900, errorsBefore: 40, errorsAfter: 6, stepLength: 1, mseAfter: 0.05),
                                            MarginStepIteration(selected: 800, errorsBefore: 6, errorsAfter: 0, stepLength: 0.5, mseAfter: 0.06)]
        md = Table1.markdown([finished])
        #expect(md.contains("| 0% | 0% (0) |"))
        #expect(md.contains("iterations: 40 → 6 → 0."))
        #expect(!md.contains("did not reach 0%"))
        // Robust only when both the training data and the Float64 check have every y·f > 0.
        finished.record.final.smallestSignedOutput = 0.06
        finished.record.recheck = PrecisionRecheck(precision: "float64", errors: 1, mce: 1.0 / 50_000, mse: 0.06,
                                                   smallestSignedOutput: -0.009, seconds: 3)
        #expect(!finished.isRobustZero && Table1.markdown([finished]).contains("| 0.0600 | 1, -0.0090 | no |"))
        finished.record.recheck!.errors = 0
        finished.record.recheck!.smallestSignedOutput = 0.0599
        #expect(finished.isRobustZero && Table1.markdown([finished]).contains("| 0.0600 | 0, 0.0599 | yes |"))
        let results = temporaryFolder()
        try Table1.store(result, in: results)
        try ReportWriter.write(results: results)
        #expect(try String(contentsOfFile: results + "/report.md", encoding: .utf8).contains("0.014% (7)"))
        // The row is a run record: what `certify --run` and `train --out` read and write.
        let stored = try RunRecord.read(Table1.path(results, .cifar10))
        #expect(stored.final.errors == 7 && stored.samples == 50_000 && stored.config.marginStep == Table1Recipe.marginStep)
        #expect(try String(contentsOfFile: results + "/runs.csv", encoding: .utf8).contains("table1"))
    }

    /// A tiny Table 1 row: d0·d1 = 5 ≪ N = 30 random labels, so MCE cannot reach 0 and
    /// training runs its epochs.
    static let tinyRow = Table1Row(dataset: .mnist, title: "tiny", n: 30, d0: 5, d1: 1, paperMCE: 0)
    static let tinyData: DataSpec = {
        var data = DataSpec()
        data.n = 30; data.d0 = 5; data.seed = 3
        return data
    }()

    @Test("a Table 1 row is a TrainingRun of its configuration: the same record, N and d0 from the data")
    func table1IsATrainingRun() throws {
        let data = Self.tinyData, row = Self.tinyRow
        let reports = ProgressCount()
        let result = try Table1.run(row, data: data, seed: 4, threads: 1) { reports.add($0) }
        #expect(result.errors > 0 && result.n == 30 && result.d0 == 5 && reports.events.count > 0)
        #expect(reports.events.last?.step == .epoch && reports.events.last?.done == result.epochs)
        #expect(result.bestMCE <= result.mce && result.mse.isFinite)
        let direct = try TrainingRun.execute(Table1.configuration(row, data: data, seed: 4, threads: 1))
        #expect(result.record.final.epochs == direct.final.epochs && result.record.final.mse == direct.final.mse)
        #expect(result.record.curve.map(\.mse) == direct.curve.map(\.mse))
        #expect(result.record.config == direct.config && result.record.config.network.hidden == [1])
        // The row re-evaluates its Float32 weights in Float64 on data drawn again in Float64:
        // the same count, outputs within Float32 rounding.
        let recheck = try #require(result.recheck)
        let train = try #require(result.smallestSignedOutput)
        #expect(recheck.precision == "float64" && recheck.errors == result.errors && direct.recheck == nil)
        #expect(abs(recheck.mse - result.mse) < 1e-5 && abs(recheck.smallestSignedOutput! - train) < 1e-5)
        #expect(train < 0 && !result.isRobustZero)
        #expect(Table1.markdown([result]).contains("| no |"))
    }

    @Test("an interrupted Table 1 row continues from its checkpoint to the uninterrupted row's weights, and the checkpoint goes")
    func table1RowResumes() throws {
        let data = Self.tinyData, row = Self.tinyRow
        let folder = temporaryFolder()
        let direct = try Table1.run(row, data: data, seed: 4, threads: 1, saveWeights: folder + "/direct")
        let checkpoint = folder + "/table1-mnist.checkpoint"
        // First try: stopped after its first batch (one batch is one epoch here).
        let stopNow = StopRequest()
        stopNow.request()
        var interrupted: TrainingInterrupted? = nil
        do {
            _ = try Table1.run(row, data: data, seed: 4, threads: 1, saveWeights: folder + "/resumed",
                               checkpoint: CheckpointPolicy(path: checkpoint, interval: 1e9, stop: stopNow))
        } catch let stopped as TrainingInterrupted { interrupted = stopped }
        #expect(interrupted?.epoch == 2 && FileManager.default.fileExists(atPath: checkpoint))
        // Later tries are stopped by a timer, wherever it lands, until one finishes.
        var resumed: Table1Result? = nil
        for delay in [0.002, 0.01, 1000] where resumed == nil {
            let stop = StopRequest()
            DispatchQueue.global().asyncAfter(deadline: .now() + delay) { stop.request() }
            do {
                resumed = try Table1.run(row, data: data, seed: 4, threads: 1, saveWeights: folder + "/resumed",
                                         checkpoint: CheckpointPolicy(path: checkpoint, interval: 1e9, stop: stop))
            } catch is TrainingInterrupted { #expect(FileManager.default.fileExists(atPath: checkpoint)) }
        }
        let r = try #require(resumed)
        #expect(!FileManager.default.fileExists(atPath: checkpoint))
        #expect(r.epochs == direct.epochs && r.record.final.mse == direct.record.final.mse && r.errors == direct.errors)
        #expect(r.record.weightsChecksum != nil && r.record.weightsChecksum == direct.record.weightsChecksum)
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/resumed/W1.npy")) == Data(contentsOf: URL(fileURLWithPath: folder + "/direct/W1.npy")))
    }

    @Test("the built-in reproduction specs parse and have the documented sizes")
    func reproductionSpecs() throws {
        let full1 = try Reproduction.figure1(.full).expand()
        // 16 ratios per depth; with two layers 0.7 and 0.8 both give d = 12 (2·12² + 12 = 300 = 0.75·N), kept once.
        #expect(full1.count == 31 * 30)
        #expect(full1.allSatisfy { $0.point.n == 400 })
        let ratios = full1.compactMap(\.point.paramsOverN)
        #expect(ratios.min()! < 0.15 && ratios.max()! > 9.5)
        let full2 = try Reproduction.figure2(.full).expand()
        #expect(Set(full2.map { $0.point.n! }) == [80, 180, 320, 500, 720] && full2.count == 150)
        #expect(full2[0].config.training.schedule == .geometric(after: 1000, factor: 0.995))
        #expect(try Reproduction.figure1(.quick).expand().count == 9 * 2 * 5)
    }
}

/// Collects what the SVG tests look for.
private final class SVGCollector: NSObject, XMLParserDelegate {
    var root: String?
    var series: [String] = []
    var references = 0
    var polylines: [Int] = []
    var texts: [String] = []
    private var text = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if root == nil { root = name }
        if name == "g", attributes["class"] == "series", let n = attributes["data-name"] { series.append(n) }
        if attributes["class"] == "reference" { references += 1 }
        if name == "polyline" { polylines.append(attributes["points"]?.split(separator: " ").count ?? 0) }
        if name == "text" { text = "" }
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { texts.append(text) }
    }
}

@Suite("FNV-1a")
struct FNV1aTests {
    /// The published FNV-1a 64-bit test vectors, and the word-wise mix equal to the byte-wise
    /// one only where it should be (it is a different, faster hash of the same bytes).
    @Test func knownAnswers() {
        var h = FNV1a()
        #expect(h.hex == "cbf29ce484222325")
        h.combine("a".utf8)
        #expect(h.hex == "af63dc4c8601ec8c")
        var foobar = FNV1a()
        foobar.combine("foobar".utf8)
        #expect(foobar.hex == "85944171f73967e8")
        var words = FNV1a()
        [UInt8](repeating: 7, count: 3).withUnsafeBytes { words.combineWords($0) }
        var bytes = FNV1a()
        bytes.combine([7, 7, 7] as [UInt8])
        #expect(words.value == bytes.value)   // fewer than 8 bytes: byte by byte
    }
}
