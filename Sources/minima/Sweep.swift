import ArgumentParser
import Foundation
import Minima

/// `minima sweep SPEC --results DIR`: runs every run of a sweep spec that has no record yet.
struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a grid of training runs described by a sweep spec (JSON), resumably and in parallel.",
        discussion: """
            Expands SPEC's grid (schema and examples: docs/experiments.md, examples/*.json) into runs \
            and trains each one whose record RESULTS/runs/<key>.json does not exist yet; key is a hash \
            of the sweep name and the run's full configuration. Records are written atomically, so a \
            killed sweep resumes where it stopped when run again. --workers threads train one network \
            each with one BLAS thread; --shard i/n runs every n-th run so that independent processes or \
            machines can share one results folder. A progress line (done/total, failures, ETA) goes to \
            stderr. Then run `minima report RESULTS`.
            """)

    @Argument(help: ArgumentHelp("The sweep spec (JSON).", valueName: "SPEC"))
    var spec: String

    @Option(help: ArgumentHelp("Results folder (records go to DIR/runs/).", valueName: "DIR"))
    var results: String

    @OptionGroup var workers: WorkerOptions

    @Option(help: ArgumentHelp("Run only part i of n (1 ≤ i ≤ n): the runs whose index is i−1 modulo n.", valueName: "i/n"))
    var shard: String = "1/1"

    @Option(help: ArgumentHelp("Stop after K runs have finished in this invocation (run again to continue).", valueName: "K"))
    var stopAfter: Int?

    @Flag(help: "Run again the runs whose records hold an error.")
    var retryFailed: Bool = false

    @Flag(help: "List the grid points and how many runs are done, without training.")
    var dryRun: Bool = false

    func validate() throws {
        if !dryRun { try OutputPath.checkFolder(results, flag: "--results") }
    }

    func run() throws {
        let sweep = try SweepSpec.load(spec)
        var runner = workers.runner()
        runner.shard = try Shard(parsing: shard)
        runner.retryFailed = retryFailed
        if let k = stopAfter {
            guard k > 0 else { throw MinimaError.invalidOption(flag: "--stop-after", message: "must be positive, got \(k)") }
            runner.stopAfter = k
        }
        if dryRun {
            try Sweep.describe(sweep, results: results, shard: runner.shard)
            return
        }
        let outcome = try runner.run(sweep, results: results, progress: workers.printer(sweep.name).report)
        if outcome.replacedSpec {
            FileHandle.standardError.write(Data(("warning: \(results)/specs/\(sweep.name).json held a different version of this spec; " +
                "records of the earlier runs stay in \(results)/runs and appear in the report (use a new --results folder or a new name to keep them apart)\n").utf8))
        }
        print(SweepProgressPrinter.summary(sweep.name, outcome))
        if outcome.stopped { print("stopped early; run the same command again to continue") }
        print("records in \(results)/runs; next: minima report \(results)")
    }

    static func describe(_ sweep: SweepSpec, results: String, shard: Shard) throws {
        let runs = try sweep.expand(file: "").filter { shard.contains($0) }
        let done = SweepRecord.keys(in: results)
        var seen = Set<String>()
        print("sweep \(sweep.name): \(runs.count) runs (shard \(shard)), \(runs.filter { done.contains($0.key) }.count) already done")
        print("point  N      d0     hidden      #params  #params/N  runs")
        for r in runs where seen.insert(r.pointKey).inserted {
            let count = runs.filter { $0.pointKey == r.pointKey }.count
            let cells: [String] = [String(seen.count), r.point.n.map(String.init) ?? "-", r.point.d0.map(String.init) ?? "-",
                         r.point.hidden.map(String.init).joined(separator: "x"), String(r.point.parameters),
                         r.point.paramsOverN.map { String(format: "%.3g", $0) } ?? "-"]
            let padded: [String] = zip(cells, [7, 7, 7, 12, 9, 11]).map { cell, width in
                cell.padding(toLength: max(width, cell.count + 1), withPad: " ", startingAt: 0)
            }
            print(padded.joined() + String(count))
        }
    }
}

/// Prints sweep progress on stderr at most every two seconds (and for the last run).
struct SweepProgressPrinter: Sendable {
    let label: String
    let quiet: Bool

    var report: @Sendable (SweepProgress) -> Void {
        let label = self.label, quiet = self.quiet
        let last = LastPrint()
        return { p in
            guard !quiet, last.due(p.elapsed, final: p.done == p.total) else { return }
            let eta = p.done == p.total ? "done" : "eta " + ProgressPrinter.duration(p.eta)
            let line = "[\(label)] \(p.done)/\(p.total) runs, \(p.failures) failed, \(ProgressPrinter.duration(p.elapsed)), \(eta) | \(p.last)\n"
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    static func summary(_ name: String, _ o: SweepOutcome) -> String {
        "\(name): \(o.ran) runs in \(String(format: "%.1f", o.seconds)) s (\(o.failures) failed), \(o.skipped) already done, \(o.total) in total"
    }
}

/// The time of the last progress line (progress callbacks are serialised by the runner).
final class LastPrint: @unchecked Sendable {
    private var at = -10.0
    func due(_ t: Double, final: Bool) -> Bool {
        guard final || t - at >= 2 else { return false }
        at = t
        return true
    }
}
