import Foundation
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining
import MinimaLandscape
import MinimaRuns
import MinimaVolume
import MinimaExperiments

/// Writes a results folder's report: `runs.csv`, `summary.csv`, `figure1.svg`, `figure2.svg`
/// (PNG copies when `rsvg-convert` is installed), `table1.md` when Table 1 run records (`table1-<dataset>.json`) are present, and
/// `report.md` showing them all with the sweep specs that produced them.
public enum ReportWriter {
    /// What a report consists of (paths are inside the results folder).
    public struct Output: Sendable {
        public var report: String
        public var files: [String]
        public var runs: Int
        public var failures: Int
    }

    /// Thresholds of the Figure 2 statement (docs/theory.md §4: MSE down to 1e-31 with margins between
    /// 1e-3 and 1): a run "reaches a DLM" when its MSE is below 1e-20 and its margin above 1e-4.
    public static let figure2MSE = 1e-20, figure2Margin = 1e-4

    /// Builds every report file from `results`; `notes` are added under "Timing" (wall times
    /// measured by the caller).
    @discardableResult
    public static func write(results: String, notes: [String] = []) throws -> Output {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: results, isDirectory: &isDir), isDir.boolValue else {
            throw MinimaError.invalidFile(path: results, message: "no such results folder (run `minima sweep SPEC --results \(results)` first)")
        }
        let records = try SweepRecord.readAll(results)
        let table1 = try Table1.readResults(results)
        guard !records.isEmpty || !table1.isEmpty else {
            throw MinimaError.invalidFile(path: results, message: "holds no run records (expected runs/*.json written by `minima sweep`)")
        }
        let rows = SummaryRow.rows(records)
        var files: [String] = []
        func put(_ name: String, _ text: String) throws {
            try AtomicFile.write(text, to: results + "/" + name)
            files.append(name)
        }
        try put("runs.csv", RunsTable.csv(records + table1.map(\.sweepRecord)))
        try put("summary.csv", Summary.csv(rows))

        var md = "# Minima report\n\n"
        md += "Results folder `\(results)`, written \(ISO8601DateFormatter().string(from: Date())) by Minima \(MinimaVersion.string)"
        if let commit = MinimaVersion.gitCommit { md += " (commit \(commit.prefix(10)))" }
        md += ".\n"
        if let env = records.compactMap({ $0.record?.environment }).first {
            md += "Runs computed with OpenBLAS core \(env.blasCoreName), \(env.blasThreads) BLAS thread(s) per run, \(env.cores) cores.\n"
        }
        md += "\n## Runs\n\n| sweep | figure | grid points | runs | failed | diverged | sum of run times |\n|---|---|---|---|---|---|---|\n"
        for sweep in Array(Set(records.map(\.sweep))).sorted() {
            let rs = records.filter { $0.sweep == sweep }
            let finals = rs.compactMap { $0.record?.final }
            md += "| \(sweep) | \(rs[0].figure?.rawValue ?? "–") | \(Set(rs.map(\.pointKey)).count) | \(rs.count) | \(rs.count - finals.count) | "
            md += "\(finals.filter { $0.status == .diverged }.count) | \(String(format: "%.1f s", finals.reduce(0) { $0 + $1.seconds })) |\n"
        }
        md += "\nEvery run is one row of [runs.csv](runs.csv); [summary.csv](summary.csv) has mean, std (sample, n−1), min, max and count per grid point.\n"
        if !notes.isEmpty {
            md += "\n## Timing\n\n" + notes.map { "- \($0)\n" }.joined()
        }

        if let plot = Figures.figure1(rows) {
            if try plot.write(to: results + "/figure1.svg") != nil { files.append("figure1.png") }
            files.append("figure1.svg")
            md += "\n## Figure 1: training error against #params/N\n\n![Figure 1](figure1.svg)\n\n"
            md += "Gaussian inputs with random ±1 labels; mean ± std over repetitions. #params counts every trainable weight "
            md += "(d0·d1 + d1 for one hidden layer without biases, d0·d1 + d1·d2 + d2 for two); the dashed line marks #params = N.\n\n"
            md += "| sweep | hidden | N | d0 | #params/N | runs | MCE mean ± std (%) | MSE mean ± std | epochs (mean) |\n|---|---|---|---|---|---|---|---|---|\n"
            for r in rows where r.figure == .figure1 && r.runs > 0 {
                md += "| \(r.sweep) | \(r.point.hidden.map(String.init).joined(separator: "×")) | \(r.point.n.map(String.init) ?? "–") | "
                md += "\(r.point.d0.map(String.init) ?? "–") | \(String(format: "%.3g", r.point.paramsOverN ?? .nan)) | \(r.runs) | "
                md += r.mce.count == 0 ? NotApplicable.mark : String(format: "%.2f ± %.2f", 100 * r.mce.mean, 100 * r.mce.std)
                md += String(format: " | %.2e ± %.1e | %.0f |\n", r.mse.mean, r.mse.std, r.epochs.mean)
            }
        }
        if let plot = Figures.figure2(records) {
            if try plot.write(to: results + "/figure2.svg") != nil { files.append("figure2.png") }
            files.append("figure2.svg")
            let finals = records.filter { $0.figure == .figure2 }.compactMap { $0.record?.final }
            let low = finals.filter { $0.mse < figure2MSE }.count
            let wide = finals.filter { $0.minAbsPreactivation > figure2Margin }.count
            let both = finals.filter { $0.mse < figure2MSE && $0.minAbsPreactivation > figure2Margin }.count
            md += "\n## Figure 2: convergence to differentiable local minima\n\n![Figure 2](figure2.svg)\n\n"
            md += "One point per run: the final margin min over units i and samples n of |wᵢᵀxₙ| against the final MSE. "
            md += "Of \(finals.count) runs, \(low) end with MSE < \(figure2MSE), \(wide) with margin > \(figure2Margin), and \(both) with both.\n"
            if let m = finals.map(\.minAbsPreactivation).min(), let e = finals.map(\.mse).max() {
                md += String(format: "Smallest margin %.2e; largest MSE %.2e; exact-zero pre-activations in total: %d.\n",
                             m, e, finals.reduce(0) { $0 + $1.zeroPreactivations })
            }
        }
        if !table1.isEmpty {
            try put("table1.md", Table1.markdown(table1))
            md += "\n## Table 1: real data with #params ≈ N\n\n" + Table1.markdown(table1)
        }
        let specs = ((try? FileManager.default.contentsOfDirectory(atPath: results + "/specs")) ?? [])
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted()
        if !specs.isEmpty {
            md += "\n## Configuration\n\nThe sweep specs (schema: docs/experiments.md); each run's full configuration is in its record `runs/<key>.json`.\n"
            for s in specs {
                let text = (try? String(contentsOfFile: results + "/specs/" + s, encoding: .utf8)) ?? ""
                md += "\n`specs/\(s)`:\n\n```json\n\(text.trimmingCharacters(in: .whitespacesAndNewlines))\n```\n"
            }
        }
        try put("report.md", md)
        return Output(report: results + "/report.md", files: files, runs: records.count,
                      failures: records.filter(\.failed).count)
    }
}
