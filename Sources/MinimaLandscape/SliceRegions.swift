import Linalg
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining

/// The activation regions a plane `θ + α·D₁ + β·D₂` cuts through (one hidden layer).
///
/// Pre-activation (n, i) is `p_ni + α·q1_ni + β·q2_ni`, affine in (α, β), so it changes sign on
/// a straight line of the plane: the regions are the cells of an arrangement of at most N·d1
/// lines, and the centre's region is the convex polygon where every pre-activation keeps the
/// centre's sign. Both are exact, not read off the grid.
public struct SliceRegions: Sendable {
    /// A segment of the plane, in (α, β) coordinates.
    public struct Segment: Sendable, Equatable {
        public var from: (Double, Double)
        public var to: (Double, Double)
        public static func == (l: Segment, r: Segment) -> Bool { l.from == r.from && l.to == r.to }
    }

    /// The boundary lines crossing the frame, clipped to it.
    public var lines: [Segment]
    /// The number of boundary lines crossing the frame (`lines` may hold fewer, see `compute`).
    public var lineCount: Int
    /// The centre's region inside the frame, a convex polygon (counter-clockwise vertices).
    public var centre: [(Double, Double)]

    /// The regions of a plane span inside `alphas × betas`; `lines` keeps the first
    /// `maximumLines` boundary lines (all of them are counted).
    public static func compute<Scalar: LinalgScalar>(_ span: SliceSpan<Scalar>, alphas: ClosedRange<Double>,
                                                     betas: ClosedRange<Double>, maximumLines: Int = 2000) -> SliceRegions {
        precondition(span.directions == 2, "regions of a plane need two directions")
        let frame = [(alphas.lowerBound, betas.lowerBound), (alphas.upperBound, betas.lowerBound),
                     (alphas.upperBound, betas.upperBound), (alphas.lowerBound, betas.upperBound)]
        var lines: [Segment] = []
        var count = 0
        var centre = frame
        let p = span.p0, q1 = span.q[0], q2 = span.q[1]
        for k in 0..<p.count {
            let c = Double(p[k]), a = Double(q1[k]), b = Double(q2[k])
            guard a != 0 || b != 0 else { continue }
            if let segment = chord(frame, c, a, b) {
                count += 1
                if lines.count < maximumLines { lines.append(segment) }
            }
            // The centre's side: the sign of c (a(0) = ρ: a zero pre-activation is inactive).
            centre = c > 0 ? clip(centre, c, a, b) : clip(centre, -c, -a, -b)
        }
        return SliceRegions(lines: lines, lineCount: count, centre: centre)
    }

    /// The part of convex `polygon` where `c + a·α + b·β ≥ 0` (Sutherland–Hodgman, one edge).
    static func clip(_ polygon: [(Double, Double)], _ c: Double, _ a: Double, _ b: Double) -> [(Double, Double)] {
        guard !polygon.isEmpty else { return [] }
        var out: [(Double, Double)] = []
        for j in polygon.indices {
            let u = polygon[j], v = polygon[(j + 1) % polygon.count]
            let fu = c + a * u.0 + b * u.1, fv = c + a * v.0 + b * v.1
            if fu >= 0 { out.append(u) }
            if (fu >= 0) != (fv >= 0) {
                let t = fu / (fu - fv)
                out.append((u.0 + t * (v.0 - u.0), u.1 + t * (v.1 - u.1)))
            }
        }
        return out
    }

    /// Where the line `c + a·α + b·β = 0` crosses the frame's edges, if it does.
    static func chord(_ frame: [(Double, Double)], _ c: Double, _ a: Double, _ b: Double) -> Segment? {
        var points: [(Double, Double)] = []
        for j in frame.indices {
            let u = frame[j], v = frame[(j + 1) % frame.count]
            let fu = c + a * u.0 + b * u.1, fv = c + a * v.0 + b * v.1
            if (fu > 0) != (fv > 0) {
                let t = fu / (fu - fv)
                points.append((u.0 + t * (v.0 - u.0), u.1 + t * (v.1 - u.1)))
            }
        }
        guard points.count >= 2 else { return nil }
        return Segment(from: points[0], to: points[1])
    }
}
