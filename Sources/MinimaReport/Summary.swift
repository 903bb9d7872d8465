import Foundation
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining
import MinimaLandscape
import MinimaRuns
import MinimaVolume
import MinimaExperiments

/// Mean, standard deviation, minimum and maximum of a sample. `std` is the sample standard
/// deviation (divisor count − 1; 0 for a single value), the usual error bar over repetitions.
public struct Statistics: Equatable, Sendable {
    public var count: Int
    public var mean, std, min, max: Double

    public init(_ values: [Double]) {
        let v = values.filter { !$0.isNaN }
        count = v.count
        guard !v.isEmpty else { mean = .nan; std = .nan; min = .nan; max = .nan; return }
        mean = v.reduce(0, +) / Double(v.count)
        let m = mean
        std = v.count > 1 ? (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot() : 0
        min = v.min()!
        max = v.max()!
    }
}

/// One grid point of a sweep with the statistics of its repetitions (`summary.csv`).
public struct SummaryRow: Sendable {
    public var sweep: String
    public var figure: FigureKind?
    public var point: GridPoint
    public var config: RunConfiguration?
    /// Runs that finished (with a record) and runs that failed.
    public var runs: Int
    public var failures: Int
    public var diverged: Int
    public var mse, mce, margin, epochs, seconds: Statistics

    /// Groups records by sweep and grid point (`pointKey`), in the order of first appearance.
    public static func rows(_ records: [SweepRecord]) -> [SummaryRow] {
        var order: [String] = []
        var groups: [String: [SweepRecord]] = [:]
        for r in records {
            let id = r.sweep + "/" + r.pointKey
            if groups[id] == nil { order.append(id) }
            groups[id, default: []].append(r)
        }
        let rows = order.map { id in
            let g = groups[id]!
            let finals = g.compactMap { $0.record?.final }
            return SummaryRow(sweep: g[0].sweep, figure: g[0].figure, point: g[0].point,
                              config: g.first(where: { $0.record != nil })?.record?.config ?? g[0].config,
                              runs: finals.count, failures: g.count - finals.count,
                              diverged: finals.filter { $0.status == .diverged }.count,
                              mse: Statistics(finals.map(\.mse)), mce: Statistics(finals.map { $0.mce ?? .nan }),
                              margin: Statistics(finals.map(\.minAbsPreactivation)),
                              epochs: Statistics(finals.map { Double($0.epochs) }),
                              seconds: Statistics(finals.map(\.seconds)))
        }
        // Reading order: sweep, depth, then #params/N (or #params when N is unknown).
        return rows.sorted {
            ($0.sweep, $0.point.hidden.count, $0.point.paramsOverN ?? 0, $0.point.parameters)
                < ($1.sweep, $1.point.hidden.count, $1.point.paramsOverN ?? 0, $1.point.parameters)
        }
    }
}

/// `summary.csv`: one row per grid point with mean, std, min, max and count of each metric.
public enum Summary {
    package static let metrics: [(String, @Sendable (SummaryRow) -> Statistics)] = [
        ("mse", { $0.mse }), ("mce", { $0.mce }), ("margin", { $0.margin }), ("epochs", { $0.epochs }), ("seconds", { $0.seconds }),
    ]

    public static var header: [String] {
        ["sweep", "figure", "dataset", "n", "d0", "hidden", "depth", "parameters", "params_over_n", "slope", "optimizer", "lr",
         "max_epochs", "precision", "count", "failures", "diverged"]
            + metrics.flatMap { m in ["mean", "std", "min", "max"].map { "\(m.0)_\($0)" } }
    }

    public static func csv(_ rows: [SummaryRow]) -> String {
        var out = header.joined(separator: ",") + "\n"
        for r in rows {
            let c = r.config
            let hidden: String = r.point.hidden.map(String.init).joined(separator: "x")
            let slope: String = c.map { RunsTable.number($0.network.slope) } ?? ""
            let lr: String = c.map { RunsTable.number($0.training.learningRate) } ?? ""
            let epochs: String = c.map { String($0.training.epochs) } ?? ""
            var fields: [String] = [r.sweep, r.figure?.rawValue ?? "", c?.data.source.rawValue ?? ""]
            fields += [r.point.n.map(String.init) ?? "", r.point.d0.map(String.init) ?? "", hidden, String(r.point.hidden.count)]
            fields += [String(r.point.parameters), RunsTable.number(r.point.paramsOverN), slope, c?.training.optimizer.rawValue ?? ""]
            fields += [lr, epochs, c?.precision.rawValue ?? "", String(r.runs), String(r.failures), String(r.diverged)]
            for (_, stat) in metrics {
                // No values (the MCE of real-valued targets, or no finished run): empty cells.
                let s = stat(r)
                fields += s.count == 0 ? ["", "", "", ""] : [s.mean, s.std, s.min, s.max].map { RunsTable.number($0) }
            }
            out += fields.map(CSV.field).joined(separator: ",") + "\n"
        }
        return out
    }
}
