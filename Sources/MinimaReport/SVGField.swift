import Foundation
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining
import MinimaLandscape
import MinimaRuns
import MinimaVolume
import MinimaExperiments

extension SVGPlot {
    /// A scalar field sampled on a grid, drawn as filled contours (bands between levels, with the
    /// field linear on the two triangles of each grid cell) and a colour bar.
    public struct Field: Sendable {
        /// Grid coordinates; `values[j·xs.count + i]` is the value at (xs[i], ys[j]).
        public var xs: [Double]
        public var ys: [Double]
        public var values: [Double]
        /// Contour `log10(value)` (values ≤ 0 are drawn as the smallest positive one).
        public var log: Bool
        /// The colour bar's title.
        public var label: String

        public init(xs: [Double], ys: [Double], values: [Double], log: Bool, label: String) {
            precondition(values.count == xs.count * ys.count, "a field needs one value per grid point")
            self.xs = xs; self.ys = ys; self.values = values; self.log = log; self.label = label
        }

        /// Whether `values` span more than `decades` decades (then a log scale reads better).
        public static func spansDecades(_ values: [Double], _ decades: Double = 2) -> Bool {
            let positive = values.filter { $0 > 0 && $0.isFinite }
            guard let lo = positive.min(), let hi = positive.max() else { return false }
            return log10(hi / lo) > decades
        }

        /// The contoured numbers: `log10(value)` on a log scale.
        func display() -> [Double] {
            guard log else { return values.map { $0.isFinite ? $0 : .greatestFiniteMagnitude } }
            let floor = values.filter { $0 > 0 && $0.isFinite }.min() ?? 1
            return values.map { v in Foundation.log10(v.isFinite ? Swift.max(v, floor) : .greatestFiniteMagnitude) }
        }

        /// Band boundaries in display units: a nice step giving seven to fourteen bands.
        func levels(_ t: [Double]) -> [Double] {
            let finite = t.filter { $0.isFinite && $0 < .greatestFiniteMagnitude / 2 }
            guard let lo = finite.min(), let hi = finite.max(), hi > lo else { return [] }
            let step = SVGPlot.niceStep((hi - lo) / 14)
            var out: [Double] = []
            var v = (lo / step).rounded(.down) * step + step
            while v < hi { out.append(v); v += step }
            return out
        }
    }

    /// Polylines drawn over a field (region boundaries), in data units.
    public struct Lines: Sendable {
        public var paths: [[(Double, Double)]]
        public var closed: Bool
        public var color: String
        public var width: Double
        public var opacity: Double
        public var name: String
        public init(paths: [[(Double, Double)]], closed: Bool = false, color: String, width: Double, opacity: Double = 1, name: String) {
            self.paths = paths; self.closed = closed; self.color = color; self.width = width; self.opacity = opacity; self.name = name
        }
    }

    /// The viridis colour map's anchors (dark = low), interpolated linearly.
    static let viridis: [(Double, Double, Double)] = [
        (68, 1, 84), (72, 40, 120), (62, 73, 137), (49, 104, 142), (38, 130, 142),
        (31, 158, 137), (53, 183, 121), (110, 206, 88), (181, 222, 43), (253, 231, 37),
    ]

    static func color(_ t: Double) -> String {
        let x = Swift.min(1, Swift.max(0, t)) * Double(viridis.count - 1)
        let k = Swift.min(viridis.count - 2, Int(x))
        let u = x - Double(k)
        let (a, b) = (viridis[k], viridis[k + 1])
        func c(_ p: Double, _ q: Double) -> Int { Int((p + u * (q - p)).rounded()) }
        return String(format: "#%02x%02x%02x", c(a.0, b.0), c(a.1, b.1), c(a.2, b.2))
    }

    private static func g(_ v: Double) -> String { String(format: "%.1f", v) }

    /// The field's filled contours inside the frame, painted band over band: each level's
    /// superlevel set is one path of runs of whole cells and clipped triangles.
    func fieldSVG(_ field: Field, _ ax: Axis, _ ay: Axis) -> (svg: String, levels: [Double], colors: [String]) {
        let t = field.display()
        let levels = field.levels(t)
        let colors = (0...levels.count).map { SVGPlot.color(Double($0) / Double(Swift.max(1, levels.count))) }
        let nx = field.xs.count, ny = field.ys.count
        let px = field.xs.map { ax.pixel($0) }, py = field.ys.map { ay.pixel($0) }
        var out = "<g class=\"field\">\n"
        let (xa, xb) = (Swift.min(px[0], px[nx - 1]), Swift.max(px[0], px[nx - 1]))
        let (ya, yb) = (Swift.min(py[0], py[ny - 1]), Swift.max(py[0], py[ny - 1]))
        out += "<rect x=\"\(Self.g(xa))\" y=\"\(Self.g(ya))\" width=\"\(Self.g(xb - xa))\" height=\"\(Self.g(yb - ya))\" fill=\"\(colors[0])\"/>\n"
        for (k, level) in levels.enumerated() {
            var d = ""
            for j in 0..<(ny - 1) {
                var run: Int? = nil
                func flush(_ end: Int) {
                    guard let s = run else { return }
                    d += "M\(Self.g(px[s])),\(Self.g(py[j]))H\(Self.g(px[end]))V\(Self.g(py[j + 1]))H\(Self.g(px[s]))Z"
                    run = nil
                }
                for i in 0..<(nx - 1) {
                    let v00 = t[j * nx + i], v10 = t[j * nx + i + 1], v01 = t[(j + 1) * nx + i], v11 = t[(j + 1) * nx + i + 1]
                    if v00 >= level && v10 >= level && v01 >= level && v11 >= level {
                        if run == nil { run = i }
                        continue
                    }
                    flush(i)
                    guard v00 >= level || v10 >= level || v01 >= level || v11 >= level else { continue }
                    let c00 = (px[i], py[j], v00), c10 = (px[i + 1], py[j], v10)
                    let c01 = (px[i], py[j + 1], v01), c11 = (px[i + 1], py[j + 1], v11)
                    for triangle in [[c00, c10, c11], [c00, c11, c01]] {
                        let polygon = Self.superlevel(triangle, level)
                        guard polygon.count > 2 else { continue }
                        d += "M" + polygon.map { "\(Self.g($0.0)),\(Self.g($0.1))" }.joined(separator: "L") + "Z"
                    }
                }
                flush(nx - 1)
            }
            if !d.isEmpty {
                out += "<path d=\"\(d)\" fill=\"\(colors[k + 1])\" stroke=\"\(colors[k + 1])\" stroke-width=\"0.4\"/>\n"
            }
        }
        return (out + "</g>\n", levels, colors)
    }

    /// The part of a triangle (pixel x, pixel y, value) where the value is ≥ level.
    static func superlevel(_ triangle: [(Double, Double, Double)], _ level: Double) -> [(Double, Double)] {
        var out: [(Double, Double)] = []
        for j in 0..<3 {
            let u = triangle[j], v = triangle[(j + 1) % 3]
            if u.2 >= level { out.append((u.0, u.1)) }
            if (u.2 >= level) != (v.2 >= level) {
                let s = (level - u.2) / (v.2 - u.2)
                out.append((u.0 + s * (v.0 - u.0), u.1 + s * (v.1 - u.1)))
            }
        }
        return out
    }

    /// The colour bar right of the frame: one swatch per band, labelled at the levels.
    func colorBar(_ field: Field, levels: [Double], colors: [String], x: Double, top: Double, bottom: Double) -> String {
        let h = (bottom - top) / Double(colors.count)
        var out = "<g class=\"colorbar\">\n"
        for (k, c) in colors.enumerated() {
            let y = bottom - Double(k + 1) * h
            out += "<rect x=\"\(Self.g(x))\" y=\"\(Self.g(y))\" width=\"12\" height=\"\(Self.g(h + 0.3))\" fill=\"\(c)\"/>\n"
        }
        out += "<rect x=\"\(Self.g(x))\" y=\"\(Self.g(top))\" width=\"12\" height=\"\(Self.g(bottom - top))\" fill=\"none\" stroke=\"black\" stroke-width=\"0.6\"/>\n"
        let every = Swift.max(1, Int((Double(levels.count) / 8).rounded(.up)))
        for (k, level) in levels.enumerated() where k % every == 0 {
            let y = bottom - Double(k + 1) * h
            let label = field.log ? "10<tspan dy=\"-4\" font-size=\"8\">\(SVGPlot.format(level))</tspan>" : SVGPlot.format(level)
            out += "<text x=\"\(Self.g(x + 15))\" y=\"\(Self.g(y + 3))\" font-size=\"10\">\(label)</text>\n"
        }
        out += "<text transform=\"translate(\(Self.g(x + 58)),\(Self.g((top + bottom) / 2))) rotate(90)\" text-anchor=\"middle\" font-size=\"11\">\(SVGPlot.escape(field.label))</text>\n"
        return out + "</g>\n"
    }

    /// Polylines in pixels.
    func linesSVG(_ lines: Lines, _ ax: Axis, _ ay: Axis) -> String {
        guard !lines.paths.isEmpty else { return "" }
        let d = lines.paths.filter { $0.count > 1 }.map { path in
            "M" + path.map { "\(Self.g(ax.pixel($0.0))),\(Self.g(ay.pixel($0.1)))" }.joined(separator: "L") + (lines.closed ? "Z" : "")
        }.joined()
        return "<path class=\"lines\" data-name=\"\(SVGPlot.escape(lines.name))\" d=\"\(d)\" fill=\"none\" stroke=\"\(lines.color)\" stroke-width=\"\(lines.width)\" stroke-opacity=\"\(lines.opacity)\"/>\n"
    }
}
