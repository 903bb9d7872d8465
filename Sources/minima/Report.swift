import ArgumentParser
import Foundation
import Minima

/// `minima report DIR`: tables, figures and report.md from a results folder.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write runs.csv, summary.csv, the paper's figures (SVG) and report.md for a results folder.",
        discussion: """
            Reads every run record in DIR/runs/ (written by `minima sweep` or `minima reproduce`) and \
            writes into DIR: runs.csv (one row per run), summary.csv (mean, std, min, max and count per \
            grid point), figure1.svg (sweeps marked "figure": "figure1"), figure2.svg ("figure2"), \
            table1.md (when DIR/table1-<dataset>.json records exist) and report.md showing them with the specs used. \
            PNG copies are made when rsvg-convert is installed.
            """)

    @Argument(help: ArgumentHelp("Results folder.", valueName: "DIR"))
    var results: String

    func run() throws {
        let out = try ReportWriter.write(results: results)
        print("\(out.runs) run records (\(out.failures) failed); wrote \(out.files.joined(separator: ", "))")
        print(out.report)
    }
}
