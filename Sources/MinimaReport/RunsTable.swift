import Foundation
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining
import MinimaLandscape
import MinimaRuns
import MinimaVolume
import MinimaExperiments

/// `runs.csv`: one row per run of a results folder, its configuration and final metrics.
public enum RunsTable {
    /// The columns, in order, with how each is read from a record.
    public static let columns: [(name: String, value: @Sendable (SweepRecord) -> String)] = [
        ("sweep", { $0.sweep }),
        ("figure", { $0.figure?.rawValue ?? "" }),
        ("key", { $0.key }),
        ("repetition", { String($0.repetition) }),
        ("seed", { config($0).map { String($0.seed) } ?? "" }),
        ("dataset", { config($0)?.data.source.rawValue ?? "" }),
        ("n", { $0.point.n.map(String.init) ?? "" }),
        ("d0", { $0.point.d0.map(String.init) ?? "" }),
        ("hidden", { $0.point.hidden.map(String.init).joined(separator: "x") }),
        ("depth", { String($0.point.hidden.count) }),
        ("parameters", { String($0.point.parameters) }),
        ("params_over_n", { number($0.point.paramsOverN) }),
        ("slope", { config($0).map { number($0.network.slope) } ?? "" }),
        ("bias", { config($0).map { String($0.network.bias) } ?? "" }),
        ("optimizer", { config($0)?.training.optimizer.rawValue ?? "" }),
        ("lr", { config($0).map { number($0.training.learningRate) } ?? "" }),
        ("batch", { config($0).map { String($0.training.batchSize) } ?? "" }),
        ("max_epochs", { config($0).map { String($0.training.epochs) } ?? "" }),
        ("precision", { config($0)?.precision.rawValue ?? "" }),
        ("status", { $0.record?.final.status.rawValue ?? "failed" }),
        ("epochs", { $0.record.map { String($0.final.epochs) } ?? "" }),
        ("seconds", { number($0.record?.final.seconds) }),
        ("mse", { number($0.record?.final.mse) }),
        ("mce", { number($0.record?.final.mce) }),
        ("errors", { $0.record?.final.errors.map(String.init) ?? "" }),
        ("margin", { number($0.record?.final.minAbsPreactivation) }),
        ("zero_preactivations", { $0.record.map { String($0.final.zeroPreactivations) } ?? "" }),
        ("gradient_norm", { number($0.record?.final.gradientNorm) }),
        ("error", { $0.error ?? "" }),
    ]

    package static func config(_ r: SweepRecord) -> RunConfiguration? { r.record?.config ?? r.config }

    /// Numbers with 17 significant digits (so they read back exactly); empty for nil.
    package static func number(_ v: Double?) -> String {
        guard let v else { return "" }
        if v.isNaN { return "nan" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        return String(format: "%.17g", v)
    }

    /// The CSV text (RFC 4180 quoting).
    public static func csv(_ records: [SweepRecord]) -> String {
        var out = columns.map(\.name).joined(separator: ",") + "\n"
        for r in records { out += columns.map { CSV.field($0.value(r)) }.joined(separator: ",") + "\n" }
        return out
    }
}

/// RFC 4180 fields: quoted when they hold a comma, quote or line break.
enum CSV {
    package static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
