import Foundation
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining
import MinimaLandscape
import MinimaRuns
import MinimaVolume
import MinimaExperiments

/// The paper's figures (docs/theory.md §4) drawn from a results folder's records.
public enum Figures {
    /// Figure 1: final training MCE (%) and MSE against #params/N, mean ± std over repetitions,
    /// one curve per depth (and per sweep when several are present), log x axis, dashed line at
    /// #params = N. Nil when no record belongs to a `figure1` sweep.
    public static func figure1(_ rows: [SummaryRow]) -> SVGPlot? {
        let rows = rows.filter { $0.figure == .figure1 && $0.runs > 0 && $0.point.paramsOverN != nil }
        guard !rows.isEmpty else { return nil }
        var mce = SVGPlot.Panel(title: "Training error", xLabel: "#params / N", yLabel: "final training MCE (%)")
        var mse = SVGPlot.Panel(title: "Training loss", xLabel: "#params / N", yLabel: "final training MSE")
        mce.xScale = .log; mse.xScale = .log; mse.yScale = .log
        mce.legend = .topRight; mse.legend = .bottomLeft
        let labels = rows.map(seriesLabel)
        let varying = (0..<labels[0].count).filter { i in Set(labels.map { $0[i].value }).count > 1 }
        let rowNames: [String] = labels.map { label in varying.map { label[$0].text }.joined(separator: ", ") }
        var names: [String] = []
        for name in rowNames where !names.contains(name) { names.append(name) }
        for (i, name) in names.enumerated() {
            let group: [SummaryRow] = rows.indices.filter { rowNames[$0] == name }.map { rows[$0] }
            let color = SVGPlot.palette[i % SVGPlot.palette.count]
            let mark = SVGPlot.Mark.allCases[i % SVGPlot.Mark.allCases.count]
            let title = name.isEmpty ? "mean ± std" : name
            let errorPoints: [SVGPlot.Point] = group.map { r in
                let m = 100 * r.mce.mean, s = 100 * r.mce.std
                return SVGPlot.Point(x: r.point.paramsOverN!, y: m, low: m - s, high: m + s)
            }
            let lossPoints: [SVGPlot.Point] = group.map { r in
                SVGPlot.Point(x: r.point.paramsOverN!, y: r.mse.mean, low: r.mse.mean - r.mse.std, high: r.mse.mean + r.mse.std)
            }
            mce.series.append(SVGPlot.Series(name: title, points: errorPoints, color: color, mark: mark))
            mse.series.append(SVGPlot.Series(name: title, points: lossPoints, color: color, mark: mark))
        }
        let xs = rows.compactMap(\.point.paramsOverN)
        let xRange = SVGPlot.range(xs + [1], scale: .log)
        mce.xRange = xRange; mse.xRange = xRange
        let top = rows.map { 100 * ($0.mce.mean + $0.mce.std) }.max() ?? 50
        mce.yRange = 0...max(5, (top / 5).rounded(.up) * 5)
        mce.vertical = [.init(1, label: "#params = N")]
        mse.vertical = [.init(1, label: "#params = N")]
        // Runs that stop at a target MSE sit on it: draw it so the floor is not read as a limit.
        let targets = Set(rows.compactMap { $0.config?.training.targetMSE })
        if targets.count == 1, let t = targets.first, t > 0 {
            mse.horizontal = [.init(t, label: "training stops at MSE ≤ \(String(format: "%g", t))")]
        }
        return SVGPlot(panels: [mce, mse])
    }

    /// What tells Figure 1's curves apart: depth first, then any setting other than the size
    /// (only the fields that differ between grid points end up in the legend).
    static func seriesLabel(_ r: SummaryRow) -> [(value: String, text: String)] {
        let depth = r.point.hidden.count
        var out: [(value: String, text: String)] = [("\(depth)", depth == 1 ? "1 hidden layer" : "\(depth) hidden layers")]
        out.append((r.sweep, r.sweep))
        out.append((r.point.n.map(String.init) ?? "", "N = \(r.point.n.map(String.init) ?? "?")"))
        if let c = r.config {
            out.append(("\(c.network.slope)", "ρ = \(String(format: "%g", c.network.slope))"))
            out.append(("\(c.network.bias)", c.network.bias ? "biases" : "no biases"))
            out.append((c.training.optimizer.rawValue, c.training.optimizer.rawValue))
            out.append(("\(c.training.learningRate)", "lr \(String(format: "%g", c.training.learningRate))"))
            out.append(("\(c.training.epochs)", "\(c.training.epochs) epochs"))
            out.append(("\(c.training.batchSize)", c.training.batchSize == 0 ? "full batch" : "batch \(c.training.batchSize)"))
            out.append((c.precision.rawValue, c.precision.rawValue))
            out.append((c.data.source.rawValue, c.data.source.rawValue))
        }
        return out
    }

    /// Figure 2: final margin `min_{i,n} |w_iᵀ x_n|` against final MSE, one point per run,
    /// log-log, one colour per width d. Nil when no record belongs to a `figure2` sweep.
    public static func figure2(_ records: [SweepRecord]) -> SVGPlot? {
        let runs = records.filter { $0.figure == .figure2 && $0.record != nil }
        guard !runs.isEmpty else { return nil }
        var panel = SVGPlot.Panel(title: "Minima found are differentiable", xLabel: "final training MSE",
                                  yLabel: "final min |wᵢᵀxₙ|")
        panel.xScale = .log; panel.yScale = .log
        panel.legend = .bottomRight
        let groups = Dictionary(grouping: runs) { $0.point.hidden }
        for (i, hidden) in groups.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }).enumerated() {
            let group = groups[hidden]!
            let n = group[0].point.n.map { ", N = \($0)" } ?? ""
            panel.series.append(.init(name: "d = \(hidden.map(String.init).joined(separator: "×"))\(n)",
                                      points: group.map { .init(x: $0.record!.final.mse, y: $0.record!.final.minAbsPreactivation) },
                                      color: SVGPlot.palette[i % SVGPlot.palette.count],
                                      mark: SVGPlot.Mark.allCases[i % SVGPlot.Mark.allCases.count], line: false))
        }
        // The thresholds the report counts against (ReportWriter.figure2MSE, figure2Margin).
        panel.vertical = [.init(ReportWriter.figure2MSE, label: "MSE 1e-20")]
        panel.horizontal = [.init(ReportWriter.figure2Margin, label: "margin 1e-4")]
        // Keep the MSE threshold inside the frame, with room to its right.
        panel.xRange = SVGPlot.range(runs.map { $0.record!.final.mse } + [ReportWriter.figure2MSE * 1e4], scale: .log)
        var plot = SVGPlot(panels: [panel])
        plot.panelWidth = 480
        plot.panelHeight = 340
        return plot
    }
}
