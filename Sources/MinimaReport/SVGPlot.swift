import Foundation
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining
import MinimaLandscape
import MinimaRuns
import MinimaVolume
import MinimaExperiments

/// A small SVG plotter for line and scatter plots, clean enough for a paper: one or more panels
/// side by side, linear or log axes with decade ticks, error bars, dashed reference lines and a
/// legend. The output is plain SVG 1.1 (no scripts, no external fonts), readable by browsers,
/// Inkscape and `rsvg-convert`.
public struct SVGPlot: Sendable {
    public enum Scale: Sendable { case linear, log }
    public enum Mark: Sendable, CaseIterable { case circle, square, triangle, diamond }
    public enum Corner: Sendable { case topLeft, topRight, bottomLeft, bottomRight }

    /// A data point; `low`/`high` draw an error bar from low to high.
    public struct Point: Sendable {
        public var x, y: Double
        public var low, high: Double?
        public init(x: Double, y: Double, low: Double? = nil, high: Double? = nil) {
            self.x = x; self.y = y; self.low = low; self.high = high
        }
    }

    public struct Series: Sendable {
        public var name: String
        public var points: [Point]
        public var color: String
        public var mark: Mark
        /// Join the points (sorted by x) with a line; false draws a scatter plot.
        public var line: Bool
        /// Draw a marker at every point (false: the line alone, for densely sampled curves).
        public var markers: Bool
        public init(name: String, points: [Point], color: String, mark: Mark = .circle, line: Bool = true, markers: Bool = true) {
            self.name = name; self.points = points; self.color = color; self.mark = mark; self.line = line; self.markers = markers
        }
    }

    /// A dashed line at x = value (vertical) or y = value (horizontal), labelled.
    public struct Reference: Sendable {
        public var value: Double
        public var label: String
        public init(_ value: Double, label: String) { self.value = value; self.label = label }
    }

    public struct Panel: Sendable {
        public var title: String
        public var xLabel: String
        public var yLabel: String
        public var xScale: Scale = .linear
        public var yScale: Scale = .linear
        public var series: [Series] = []
        public var vertical: [Reference] = []
        public var horizontal: [Reference] = []
        /// Fixed axis ranges (otherwise from the data, the error bars and the references).
        public var xRange: ClosedRange<Double>? = nil
        public var yRange: ClosedRange<Double>? = nil
        public var legend: Corner = .topRight
        /// A field drawn as filled contours under everything else, with a colour bar on the right.
        public var field: Field? = nil
        /// Polylines drawn over the field (region boundaries).
        public var lines: [Lines] = []
        public init(title: String, xLabel: String, yLabel: String) {
            self.title = title; self.xLabel = xLabel; self.yLabel = yLabel
        }
    }

    /// Okabe–Ito colours (distinguishable with colour-vision deficiencies).
    public static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

    public var panels: [Panel]
    public var panelWidth = 400.0
    public var panelHeight = 300.0

    public init(panels: [Panel]) { self.panels = panels }

    // Margins inside each panel: room for tick labels, axis labels and the title.
    private let left = 66.0, right = 22.0, top = 30.0, bottom = 48.0

    /// The SVG document.
    public func svg() -> String {
        let width = panelWidth * Double(panels.count)
        var out = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(panelHeight))" viewBox="0 0 \(f(width)) \(f(panelHeight))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>

        """
        for (i, panel) in panels.enumerated() {
            out += "<g transform=\"translate(\(f(Double(i) * panelWidth)),0)\">\n"
            out += draw(panel, id: i)
            out += "</g>\n"
        }
        return out + "</svg>\n"
    }

    /// Maps data values to pixels along one axis.
    struct Axis {
        var scale: Scale
        var lo, hi: Double        // in data units (positive for log)
        var from, to: Double      // pixels
        func t(_ v: Double) -> Double { scale == .log ? log10(v) : v }
        func pixel(_ v: Double) -> Double {
            let clamped = scale == .log ? max(v, lo) : v
            let a = t(lo), b = t(hi)
            return from + (t(clamped) - a) / (b - a) * (to - from)
        }
    }

    package static func range(_ values: [Double], scale: Scale) -> ClosedRange<Double> {
        let usable = values.filter { $0.isFinite && (scale == .linear || $0 > 0) }
        guard var lo = usable.min(), var hi = usable.max() else { return scale == .log ? 0.1...10 : 0...1 }
        switch scale {
        case .log:
            // Whole decades, unless the data pokes just past one (up to 10^0.05 ≈ 12%): then the
            // axis ends 10% beyond the extreme value instead of a nearly empty decade further.
            let (min, max) = (lo, hi)
            lo = pow(10, floor(log10(min) + 0.05)); hi = pow(10, ceil(log10(max) - 0.05))
            if lo > min { lo = min / 1.1 }
            if hi < max { hi = max * 1.1 }
            if hi <= lo { hi = lo * 10 }
        case .linear:
            if hi == lo { lo -= 0.5; hi += 0.5 }
            let step = niceStep((hi - lo) / 5)
            lo = floor(lo / step) * step; hi = ceil(hi / step) * step
        }
        return lo...hi
    }

    static func niceStep(_ raw: Double) -> Double {
        let p = pow(10, floor(log10(raw)))
        let m = raw / p
        return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p
    }

    /// Tick positions and their labels (SVG text content).
    package static func ticks(_ r: ClosedRange<Double>, scale: Scale) -> [(Double, String)] {
        switch scale {
        case .log:
            let a = Int(ceil(log10(r.lowerBound) - 1e-9)), b = Int(floor(log10(r.upperBound) + 1e-9))
            let every = max(1, Int((Double(b - a) / 6).rounded(.up)))
            return stride(from: a, through: b, by: 1).filter { ($0 - a) % every == 0 }.map { k in
                let label: String
                switch k {
                case 0: label = "1"
                case 1: label = "10"
                default: label = "10<tspan dy=\"-5\" font-size=\"9\">\(k < 0 ? "−" : "")\(abs(k))</tspan>"
                }
                return (pow(10, Double(k)), label)
            }
        case .linear:
            let step = niceStep((r.upperBound - r.lowerBound) / 5)
            var v = (r.lowerBound / step).rounded(.up) * step
            var out: [(Double, String)] = []
            while v <= r.upperBound + step * 1e-9 {
                let clean = abs(v) < step * 1e-9 ? 0 : v
                out.append((clean, format(clean)))
                v += step
            }
            return out
        }
    }

    package static func format(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e6 { return String(Int(v)) }
        var s = String(format: "%.4g", v)
        if s.hasPrefix("-") { s = "−" + s.dropFirst() }
        return s
    }

    private func draw(_ p: Panel, id: Int) -> String {
        let x0 = left, x1 = panelWidth - right - (p.field == nil ? 0 : 78), y0 = panelHeight - bottom, y1 = top
        var xs: [Double] = p.vertical.map(\.value), ys: [Double] = p.horizontal.map(\.value)
        for s in p.series {
            for pt in s.points {
                xs.append(pt.x); ys.append(pt.y)
                if let l = pt.low { ys.append(l) }
                if let h = pt.high { ys.append(h) }
            }
        }
        let xr = p.xRange ?? SVGPlot.range(xs, scale: p.xScale)
        let yr = p.yRange ?? SVGPlot.range(ys, scale: p.yScale)
        let ax = Axis(scale: p.xScale, lo: xr.lowerBound, hi: xr.upperBound, from: x0, to: x1)
        let ay = Axis(scale: p.yScale, lo: yr.lowerBound, hi: yr.upperBound, from: y0, to: y1)
        var out = ""
        // Title, frame, grid and ticks.
        out += "<text x=\"\(f((x0 + x1) / 2))\" y=\"\(f(top - 12))\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">\(escape(p.title))</text>\n"
        for (v, label) in SVGPlot.ticks(xr, scale: p.xScale) {
            let x = ax.pixel(v)
            out += "<line x1=\"\(f(x))\" y1=\"\(f(y1))\" x2=\"\(f(x))\" y2=\"\(f(y0))\" stroke=\"#e5e5e5\" stroke-width=\"0.8\"/>\n"
            out += "<line x1=\"\(f(x))\" y1=\"\(f(y0))\" x2=\"\(f(x))\" y2=\"\(f(y0 + 4))\" stroke=\"black\"/>\n"
            out += "<text x=\"\(f(x))\" y=\"\(f(y0 + 17))\" text-anchor=\"middle\">\(label)</text>\n"
        }
        for (v, label) in SVGPlot.ticks(yr, scale: p.yScale) {
            let y = ay.pixel(v)
            out += "<line x1=\"\(f(x0))\" y1=\"\(f(y))\" x2=\"\(f(x1))\" y2=\"\(f(y))\" stroke=\"#e5e5e5\" stroke-width=\"0.8\"/>\n"
            out += "<line x1=\"\(f(x0 - 4))\" y1=\"\(f(y))\" x2=\"\(f(x0))\" y2=\"\(f(y))\" stroke=\"black\"/>\n"
            out += "<text x=\"\(f(x0 - 7))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(label)</text>\n"
        }
        if p.field != nil || !p.lines.isEmpty {
            out += "<clipPath id=\"field\(id)\"><rect x=\"\(f(x0))\" y=\"\(f(y1))\" width=\"\(f(x1 - x0))\" height=\"\(f(y0 - y1))\"/></clipPath>\n"
            out += "<g clip-path=\"url(#field\(id))\">\n"
            if let field = p.field {
                let (svg, levels, colors) = fieldSVG(field, ax, ay)
                out += svg
                out += "</g>\n" + colorBar(field, levels: levels, colors: colors, x: x1 + 10, top: y1, bottom: y0) + "<g clip-path=\"url(#field\(id))\">\n"
            }
            for l in p.lines { out += linesSVG(l, ax, ay) }
            out += "</g>\n"
        }
        out += "<rect x=\"\(f(x0))\" y=\"\(f(y1))\" width=\"\(f(x1 - x0))\" height=\"\(f(y0 - y1))\" fill=\"none\" stroke=\"black\"/>\n"
        out += "<text x=\"\(f((x0 + x1) / 2))\" y=\"\(f(panelHeight - 10))\" text-anchor=\"middle\">\(escape(p.xLabel))</text>\n"
        out += "<text transform=\"translate(14,\(f((y0 + y1) / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(p.yLabel))</text>\n"
        // Reference lines.
        for r in p.vertical where r.value >= xr.lowerBound && r.value <= xr.upperBound {
            let x = ax.pixel(r.value)
            out += "<line class=\"reference\" x1=\"\(f(x))\" y1=\"\(f(y1))\" x2=\"\(f(x))\" y2=\"\(f(y0))\" stroke=\"#555\" stroke-width=\"1.2\" stroke-dasharray=\"6,4\"/>\n"
            // The label goes right of the line, or left of it where it would leave the frame.
            let fits = x + 4 + Double(r.label.count) * 6.2 <= x1
            out += "<text x=\"\(f(fits ? x + 4 : x - 4))\" y=\"\(f(y1 + 14))\" text-anchor=\"\(fits ? "start" : "end")\" font-size=\"11\" fill=\"#555\">\(escape(r.label))</text>\n"
        }
        for r in p.horizontal where r.value >= yr.lowerBound && r.value <= yr.upperBound {
            let y = ay.pixel(r.value)
            out += "<line class=\"reference\" x1=\"\(f(x0))\" y1=\"\(f(y))\" x2=\"\(f(x1))\" y2=\"\(f(y))\" stroke=\"#555\" stroke-width=\"1.2\" stroke-dasharray=\"6,4\"/>\n"
            out += "<text x=\"\(f(x1 - 4))\" y=\"\(f(y - 4))\" text-anchor=\"end\" font-size=\"11\" fill=\"#555\">\(escape(r.label))</text>\n"
        }
        // Series, clipped to the frame (plus room for a marker on its edge).
        out += "<clipPath id=\"frame\(id)\"><rect x=\"\(f(x0 - 5))\" y=\"\(f(y1 - 5))\" width=\"\(f(x1 - x0 + 10))\" height=\"\(f(y0 - y1 + 10))\"/></clipPath>\n"
        for s in p.series {
            let pts = s.points.filter { $0.x.isFinite && $0.y.isFinite && (p.xScale == .linear || $0.x > 0) }
                .sorted { $0.x < $1.x }
            out += "<g class=\"series\" data-name=\"\(escape(s.name))\" clip-path=\"url(#frame\(id))\" fill=\"\(s.color)\" stroke=\"\(s.color)\">\n"
            if s.line && pts.count > 1 {
                let d = pts.map { "\(f(ax.pixel($0.x))),\(f(ay.pixel($0.y)))" }.joined(separator: " ")
                out += "<polyline points=\"\(d)\" fill=\"none\" stroke-width=\"1.6\"/>\n"
            }
            for pt in pts {
                let x = ax.pixel(pt.x), y = ay.pixel(pt.y)
                if let l = pt.low, let h = pt.high, l.isFinite, h.isFinite {
                    let yl = ay.pixel(l), yh = ay.pixel(h)
                    out += "<path d=\"M\(f(x)),\(f(yl))V\(f(yh))M\(f(x - 3)),\(f(yl))H\(f(x + 3))M\(f(x - 3)),\(f(yh))H\(f(x + 3))\" fill=\"none\" stroke-width=\"1\"/>\n"
                }
                if s.markers { out += marker(s.mark, x: x, y: y, filled: s.line) }
            }
            out += "</g>\n"
        }
        out += legend(p, frame: (x0, x1, y0, y1))
        return out
    }

    private func marker(_ m: Mark, x: Double, y: Double, filled: Bool) -> String {
        let style = filled ? "" : " fill-opacity=\"0.55\" stroke-width=\"0.6\""
        switch m {
        case .circle: return "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"3.2\"\(style)/>\n"
        case .square: return "<rect x=\"\(f(x - 3))\" y=\"\(f(y - 3))\" width=\"6\" height=\"6\"\(style)/>\n"
        case .triangle: return "<path d=\"M\(f(x)),\(f(y - 3.8))L\(f(x + 3.6)),\(f(y + 2.6))L\(f(x - 3.6)),\(f(y + 2.6))Z\"\(style)/>\n"
        case .diamond: return "<path d=\"M\(f(x)),\(f(y - 4))L\(f(x + 4)),\(f(y))L\(f(x)),\(f(y + 4))L\(f(x - 4)),\(f(y))Z\"\(style)/>\n"
        }
    }

    private func legend(_ p: Panel, frame: (Double, Double, Double, Double)) -> String {
        guard !p.series.isEmpty else { return "" }
        let (x0, x1, y0, y1) = frame
        let rowHeight = 16.0
        let textWidth = Double(p.series.map { $0.name.count }.max() ?? 0) * 6.6
        let w = 34 + textWidth, h = rowHeight * Double(p.series.count) + 8
        let topShift = p.vertical.isEmpty ? 0.0 : 16   // below the reference lines' labels
        let lx: Double, ly: Double
        switch p.legend {
        case .topLeft: lx = x0 + 8; ly = y1 + 8 + topShift
        case .topRight: lx = x1 - 8 - w; ly = y1 + 8 + topShift
        case .bottomLeft: lx = x0 + 8; ly = y0 - 8 - h
        case .bottomRight: lx = x1 - 8 - w; ly = y0 - 8 - h
        }
        var out = "<g class=\"legend\">\n<rect x=\"\(f(lx))\" y=\"\(f(ly))\" width=\"\(f(w))\" height=\"\(f(h))\" fill=\"white\" fill-opacity=\"0.9\" stroke=\"#bbb\"/>\n"
        for (i, s) in p.series.enumerated() {
            let cy = ly + 4 + rowHeight * (Double(i) + 0.5)
            out += "<g fill=\"\(s.color)\" stroke=\"\(s.color)\">"
            if s.line { out += "<line x1=\"\(f(lx + 6))\" y1=\"\(f(cy))\" x2=\"\(f(lx + 26))\" y2=\"\(f(cy))\" stroke-width=\"1.6\"/>" }
            if s.markers { out += marker(s.mark, x: lx + 16, y: cy, filled: s.line) }
            out += "</g><text x=\"\(f(lx + 30))\" y=\"\(f(cy + 4))\">\(escape(s.name))</text>\n"
        }
        return out + "</g>\n"
    }

    private func f(_ v: Double) -> String { String(format: "%.2f", v) }

    /// XML-escapes text content and attribute values.
    public static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
    private func escape(_ s: String) -> String { SVGPlot.escape(s) }

    /// Writes the SVG atomically, and a PNG copy next to it when `rsvg-convert` is installed.
    /// Returns the PNG's path if one was made.
    @discardableResult
    public func write(to path: String) throws -> String? {
        try AtomicFile.write(svg(), to: path)
        return SVGPlot.convertToPNG(path)
    }

    /// `rsvg-convert -w 1600 -o X.png X.svg`, if `rsvg-convert` is on the PATH.
    public static func convertToPNG(_ svgPath: String) -> String? {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        guard let tool = dirs.map({ "\($0)/rsvg-convert" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return nil
        }
        let png = String(svgPath.dropLast(4)) + ".png"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["-w", "1600", "-b", "white", "-o", png, svgPath]
        do { try process.run(); process.waitUntilExit() } catch { return nil }
        return process.terminationStatus == 0 ? png : nil
    }
}
