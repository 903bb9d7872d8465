import Foundation
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining
import MinimaLandscape
import MinimaRuns
import MinimaVolume
import MinimaExperiments

/// The files of `minima slice --out DIR`, each written atomically: `slice.csv` (one row per grid
/// point), on a line `crossings.csv` and `pieces.csv`, `slice.json` (the record), and the figure
/// (`line.svg` or `plane.svg`, with a PNG beside it when `rsvg-convert` is installed).
public enum SliceFiles {
    /// Writes every file into `folder`; returns the paths written.
    @discardableResult
    public static func write(_ result: SliceResult, to folder: String) throws -> [String] {
        var written: [String] = []
        func put(_ name: String, _ text: String) throws {
            try AtomicFile.write(text, to: folder + "/" + name)
            written.append(folder + "/" + name)
        }
        let plane = result.regions != nil
        var csv = plane ? "alpha,beta,mse,mce,errors,changed,region\n" : "alpha,mse,mce,errors,changed,region\n"
        for p in result.grid.points {
            csv += plane ? "\(p.alpha),\(p.beta)," : "\(p.alpha),"
            csv += "\(p.mse),\(RunsTable.number(p.mce)),\(p.errors.map(String.init) ?? ""),\(p.changed),\(p.regionID)\n"
        }
        try put("slice.csv", csv)
        if let line = result.line {
            var crossings = "alpha,unit,sample,new_sign\n"
            crossings.reserveCapacity(line.crossings.count * 40)
            for x in line.crossings { crossings += "\(x.alpha),\(x.unit),\(x.sample),\(x.newSign)\n" }
            try put("crossings.csv", crossings)
            var pieces = "start,end,min_alpha,min_mse,min_mce,c0,c1,c2,c3,c4\n"
            for p in line.pieces {
                pieces += "\(p.start),\(p.end),\(p.minimumAlpha),\(p.minimumMSE),\(RunsTable.number(p.minimumMCE)),"
                pieces += p.coefficients.map { "\($0)" }.joined(separator: ",") + "\n"
            }
            try put("pieces.csv", pieces)
        }
        let figure = plane ? "plane.svg" : "line.svg"
        let plot = plane ? SliceFigures.plane(result) : SliceFigures.line(result)
        if let png = try plot.write(to: folder + "/" + figure) { written.append(png) }
        written.append(folder + "/" + figure)
        var record = result.record
        record.files = (written + [folder + "/slice.json"]).map { ($0 as NSString).lastPathComponent }
        try AtomicFile.write(RecordJSON.encode(record), to: folder + "/slice.json")
        written.append(folder + "/slice.json")
        return written
    }
}

/// The figures of a slice, in the look of Minima's other figures.
public enum SliceFigures {
    static func directionName(_ record: SliceRecord, _ k: Int) -> String { record.directions[k].kind }

    /// A line: MSE (log scale when it spans decades) and MCE along α, sampled on the grid, with
    /// the exact minimum marked, the centre's piece (its activation region) between unlabelled
    /// dashed lines, the centre piece's polynomial continued over the whole range (the loss the
    /// line would have if the pattern never changed) and, for a region-fit direction, MSE_A.
    public static func line(_ result: SliceResult) -> SVGPlot {
        let record = result.record, line = result.line!
        let points = result.grid.points
        let name = directionName(record, 0)
        var loss = SVGPlot.Panel(title: "MSE along \(name) (\(line.crossings.count) crossings)", xLabel: "α",
                                 yLabel: "training MSE")
        var error = SVGPlot.Panel(title: "MCE along \(name)", xLabel: "α", yLabel: "training MCE (%)")
        let log = SVGPlot.Field.spansDecades(points.map(\.mse) + [line.minimum.mse])
        loss.yScale = log ? .log : .linear
        let centre = line.piece(at: 0)
        let continued = points.map { SVGPlot.Point(x: $0.alpha, y: centre.mse(at: $0.alpha)) }.filter { !log || $0.y > 0 }
        loss.series = [
            .init(name: "MSE (exact, \(points.count) points)", points: points.map { .init(x: $0.alpha, y: $0.mse) }, color: SVGPlot.palette[0], markers: false),
            .init(name: "centre's region, continued", points: continued, color: SVGPlot.palette[4], markers: false),
            .init(name: "minimum on the line", points: [.init(x: line.minimum.alpha, y: line.minimum.mse)], color: SVGPlot.palette[1], mark: .diamond, line: false),
        ]
        let shown = points.map(\.mse) + [line.minimum.mse] + (record.regionFit.map { [$0.mse] } ?? [])
        loss.yRange = SVGPlot.range(log ? shown.filter { $0 > 0 } : shown, scale: loss.yScale)
        if let fit = record.regionFit { loss.horizontal = [.init(fit.mse, label: "MSE_A")] }
        let errors = points.compactMap { p in p.mce.map { (p.alpha, $0) } }
        error.series = [.init(name: "MCE", points: errors.map { .init(x: $0.0, y: 100 * $0.1) }, color: SVGPlot.palette[2], markers: false)]
        var references: [SVGPlot.Reference] = [.init(0, label: "centre")]
        if centre.start > line.range.lowerBound { references.append(.init(centre.start, label: "")) }
        if centre.end < line.range.upperBound { references.append(.init(centre.end, label: "")) }
        if name.hasPrefix("to:") || name == "region-fit", line.range.contains(1) { references.append(.init(1, label: "θ + D")) }
        loss.vertical = references
        error.vertical = references
        loss.legend = emptiestCorner(points.map { ($0.alpha, $0.mse) }, x: line.range, y: loss.yRange!, log: log)
        error.legend = .bottomLeft
        error.yRange = 0...Swift.max(1, (100 * (errors.map(\.1).max() ?? 0) * 1.1).rounded(.up))
        loss.xRange = line.range
        error.xRange = line.range
        // Real-valued targets have no MCE: the loss panel alone.
        var plot = SVGPlot(panels: errors.isEmpty ? [loss] : [loss, error])
        plot.panelWidth = 440
        return plot
    }

    /// The bottom corner (or, failing that, top corner) with the fewest points in its quarter.
    static func emptiestCorner(_ points: [(Double, Double)], x: ClosedRange<Double>, y: ClosedRange<Double>, log: Bool) -> SVGPlot.Corner {
        func t(_ v: Double) -> Double { log ? log10(Swift.max(v, y.lowerBound)) : v }
        let xm = (x.lowerBound + x.upperBound) / 2, ym = (t(y.lowerBound) + t(y.upperBound)) / 2
        let corners: [(SVGPlot.Corner, (Double, Double) -> Bool)] = [
            (.bottomLeft, { $0 < xm && t($1) < ym }), (.bottomRight, { $0 >= xm && t($1) < ym }),
            (.topLeft, { $0 < xm && t($1) >= ym }), (.topRight, { $0 >= xm && t($1) >= ym }),
        ]
        return corners.min { a, b in points.filter { a.1($0.0, $0.1) }.count < points.filter { b.1($0.0, $0.1) }.count }!.0
    }

    /// A plane: filled contours of the MSE (log scale when it spans decades), the activation
    /// boundaries crossing it (straight lines; all of them up to 2000, otherwise the centre's
    /// region alone), the centre's region outlined, and the centre and direction endpoints marked.
    public static func plane(_ result: SliceResult) -> SVGPlot {
        let record = result.record, grid = result.grid, regions = result.regions!
        let mse = grid.points.map(\.mse)
        let log = SVGPlot.Field.spansDecades(mse)
        let lineNote = regions.lineCount > regions.lines.count
            ? "\(regions.lineCount) boundaries, centre's region shown"
            : "\(regions.lineCount) activation boundaries"
        var panel = SVGPlot.Panel(title: "MSE on the plane (\(lineNote))",
                                  xLabel: "α · \(directionName(record, 0))", yLabel: "β · \(directionName(record, 1))")
        panel.field = .init(xs: grid.alphas, ys: grid.betas, values: mse, log: log, label: log ? "MSE (log₁₀)" : "MSE")
        if regions.lineCount <= regions.lines.count {
            let opacity = regions.lineCount > 200 ? 0.3 : 0.7
            panel.lines.append(.init(paths: regions.lines.map { [$0.from, $0.to] }, color: "#ffffff", width: 0.5, opacity: opacity,
                                     name: "activation boundaries"))
        }
        panel.lines.append(.init(paths: [regions.centre], closed: true, color: "#000000", width: 1.8, name: "centre's region"))
        let range = record.range[0]...record.range[1]
        panel.xRange = range
        panel.yRange = range
        panel.series = [.init(name: "centre θ", points: [.init(x: 0, y: 0)], color: SVGPlot.palette[1], mark: .circle, line: false)]
        if range.contains(1) {
            panel.series.append(.init(name: "θ + D₁", points: [.init(x: 1, y: 0)], color: SVGPlot.palette[5], mark: .square, line: false))
            panel.series.append(.init(name: "θ + D₂", points: [.init(x: 0, y: 1)], color: SVGPlot.palette[3], mark: .triangle, line: false))
        }
        panel.legend = .topLeft
        var plot = SVGPlot(panels: [panel])
        plot.panelWidth = 560
        plot.panelHeight = 480
        return plot
    }
}
