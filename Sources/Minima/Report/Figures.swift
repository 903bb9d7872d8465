import Foundation

/// The paper's figures (PAPER.md §4) drawn from a results folder's records.
public enum Figures {
    /// Figure 1: final training MCE (%) and MSE against #params/N, mean ± std over repetitions,
    /// one curve per depth (and per sweep when several are present), log x axis, dashed line at
    /// #params = N. Nil when no record belongs to a `figure1` sweep.
    public static func figure1(_ rows: [SummaryRow]) -> SVGPlot? {
        let rows = rows.filter { $0.figure == .figure1 && $0.runs > 0 && $0.point.paramsOverN != nil }
        guard !rows.isEmpty else { return nil }
        let sweeps = Array(Set(rows.map(\.sweep))).sorted()
        var keys: [(sweep: String, depth: Int)] = []
        for s in sweeps {
            for d in Set(rows.filter { $0.sweep == s }.map { $0.point.hidden.count }).sorted() { keys.append((s, d)) }
        }
        var mce = SVGPlot.Panel(title: "Training error", xLabel: "#params / N", yLabel: "final training MCE (%)")
        var mse = SVGPlot.Panel(title: "Training loss", xLabel: "#params / N", yLabel: "final training MSE")
        mce.xScale = .log; mse.xScale = .log; mse.yScale = .log
        mce.legend = .topRight; mse.legend = .bottomLeft
        for (i, key) in keys.enumerated() {
            let group = rows.filter { $0.sweep == key.sweep && $0.point.hidden.count == key.depth }
            var name = key.depth == 1 ? "1 hidden layer" : "\(key.depth) hidden layers"
            if sweeps.count > 1 { name += " (\(key.sweep))" }
            let color = SVGPlot.palette[i % SVGPlot.palette.count]
            let mark = SVGPlot.Mark.allCases[i % SVGPlot.Mark.allCases.count]
            mce.series.append(.init(name: name, points: group.map {
                .init(x: $0.point.paramsOverN!, y: 100 * $0.mce.mean,
                      low: 100 * ($0.mce.mean - $0.mce.std), high: 100 * ($0.mce.mean + $0.mce.std))
            }, color: color, mark: mark))
            mse.series.append(.init(name: name, points: group.map {
                .init(x: $0.point.paramsOverN!, y: $0.mse.mean, low: $0.mse.mean - $0.mse.std, high: $0.mse.mean + $0.mse.std)
            }, color: color, mark: mark))
        }
        let xs = rows.compactMap(\.point.paramsOverN)
        let xRange = SVGPlot.range(xs + [1], scale: .log)
        mce.xRange = xRange; mse.xRange = xRange
        let top = rows.map { 100 * ($0.mce.mean + $0.mce.std) }.max() ?? 50
        mce.yRange = 0...max(5, (top / 5).rounded(.up) * 5)
        mce.vertical = [.init(1, label: "#params = N")]
        mse.vertical = [.init(1, label: "#params = N")]
        return SVGPlot(panels: [mce, mse])
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
        var plot = SVGPlot(panels: [panel])
        plot.panelWidth = 480
        plot.panelHeight = 340
        return plot
    }
}
