import Foundation
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining
import MinimaLandscape
import MinimaRuns
import MinimaVolume

/// The file a sweep writes for each run (`RESULTS/runs/<key>.json`): the run record, or the
/// error that stopped the run, with the sweep's labels for the report.
public struct SweepRecord: Codable, Sendable {
    public var sweep: String
    public var figure: FigureKind?
    /// `SweepRun.key`: the file name and the run's identity.
    public var key: String
    /// `SweepRun.pointKey`: equal for the repetitions of one grid point.
    public var pointKey: String
    public var point: GridPoint
    public var repetition: Int
    /// The finished run (nil if it failed).
    public var record: RunRecord?
    /// Why the run failed (an exception, not a diverged loss: that is a record with status diverged).
    public var error: String?

    /// The configuration (from the record, or as planned for a failed run).
    public var config: RunConfiguration?

    public var failed: Bool { record == nil }

    public static func folder(_ results: String) -> String { results + "/runs" }
    public static func path(_ results: String, key: String) -> String { folder(results) + "/\(key).json" }
    /// The checkpoint of the run in progress (removed once its record is written).
    public static func checkpointPath(_ results: String, key: String) -> String { folder(results) + "/\(key).checkpoint" }

    public func write(to results: String) throws {
        try AtomicFile.write(RecordJSON.encode(self), to: SweepRecord.path(results, key: key))
    }

    public static func read(_ path: String) throws -> SweepRecord {
        try RecordJSON.read(path, what: "a Minima sweep record")
    }

    /// The keys of the records in `results` (finished or failed). Temporary files of writes in
    /// progress (`.NAME.tmp-HOST-PID-RANDOM`) are not records and are skipped.
    public static func keys(in results: String) -> Set<String> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder(results))) ?? []
        return Set(names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) })
    }

    /// Every record in `results`, in reading order: sweep, depth, #params/N, #params, grid point, repetition.
    public static func readAll(_ results: String) throws -> [SweepRecord] {
        try keys(in: results).sorted().map { try read(path(results, key: $0)) }.sorted {
            ($0.sweep, $0.point.hidden.count, $0.point.paramsOverN ?? 0, $0.point.parameters, $0.pointKey, $0.repetition)
                < ($1.sweep, $1.point.hidden.count, $1.point.paramsOverN ?? 0, $1.point.parameters, $1.pointKey, $1.repetition)
        }
    }
}
