import Foundation
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining
import MinimaLandscape
import MinimaRuns
import MinimaVolume

/// Where the sweeps in a results folder stand, read from the folder alone (specs, records,
/// claims and checkpoints; no scheduler is asked): per shard and in total, the runs done,
/// failed, in progress (claimed) and pending.
public struct SweepStatus: Codable, Sendable {
    /// A run that is claimed: who holds it and how far its checkpoint has got.
    public struct InProgress: Codable, Sendable {
        public var key: String
        public var shard: String
        public var host: String
        public var pid: Int32
        public var slurmTask: String?
        /// Seconds since the claim was made or last refreshed.
        public var claimAge: Double
        /// The claimant is gone (the claim will be taken over by the next process that wants the run).
        public var stale: Bool
        /// Seconds since the checkpoint was written, and the epoch it continues with (nil: none yet).
        public var checkpointAge: Double?
        public var checkpointEpoch: Int?
    }

    /// Counts over one shard's runs (or all of them).
    public struct Counts: Codable, Sendable {
        public var shard: String
        public var runs = 0
        public var done = 0
        public var failed = 0
        public var inProgress = 0
        public var pending = 0
        /// Pending runs that have a checkpoint (interrupted; they continue from it).
        public var checkpointed = 0
        /// The first failed run's error.
        public var firstError: String? = nil

        mutating func add(_ other: Counts) {
            runs += other.runs; done += other.done; failed += other.failed
            inProgress += other.inProgress; pending += other.pending; checkpointed += other.checkpointed
            if firstError == nil { firstError = other.firstError }
        }
    }

    /// One sweep of the folder (one spec in `specs/`).
    public struct Sweep: Codable, Sendable {
        public var name: String
        public var shards: [Counts]
        public var total: Counts
        public var inProgress: [InProgress]
    }

    public var results: String
    public var sweeps: [Sweep]

    /// Reads `results`: each spec in `specs/` expanded into its runs, split into `shards` shards
    /// (default: the count in `slurm/sweep.json` for that sweep, else 1).
    public static func read(_ results: String, shards: Int? = nil) throws -> SweepStatus {
        let specFolder = results + "/specs"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: specFolder) else {
            throw MinimaError.invalidFile(path: results, message: "not a sweep results folder (no specs/ folder; `minima sweep SPEC --results \(results)` makes one)")
        }
        let slurm = SlurmSubmission.read(results)
        let files = Set((try? FileManager.default.contentsOfDirectory(atPath: SweepRecord.folder(results))) ?? [])
        let viewer = RunClaim.mine()
        var sweeps: [Sweep] = []
        for file in names.sorted() where file.hasSuffix(".json") && !file.hasPrefix(".") {
            let spec = try SweepSpec.load(specFolder + "/" + file)
            let count = shards ?? (slurm?.spec == spec.name ? slurm?.tasks : nil) ?? 1
            guard count >= 1 else { throw MinimaError.invalidValue(field: .shards, message: "must be positive, got \(count)") }
            var perShard = (1...count).map { Counts(shard: "\($0)/\(count)") }
            var running: [InProgress] = []
            for run in try spec.expand(file: specFolder + "/" + file) {
                let s = run.index % count
                perShard[s].runs += 1
                if files.contains(run.key + ".json") {
                    if let record = try? SweepRecord.read(SweepRecord.path(results, key: run.key)), !record.failed {
                        perShard[s].done += 1
                        continue
                    } else {
                        let record = try? SweepRecord.read(SweepRecord.path(results, key: run.key))
                        perShard[s].failed += 1
                        if perShard[s].firstError == nil { perShard[s].firstError = "run \(run.key): \(record?.error ?? "record cannot be read")" }
                        continue
                    }
                }
                let checkpoint = SweepRecord.checkpointPath(results, key: run.key)
                let header = files.contains(run.key + ".checkpoint") ? CheckpointHeader.read(checkpoint) : nil
                let checkpointAge = header == nil ? nil : RunClaim.age(of: checkpoint)
                if files.contains(run.key + ".claim"), let (claim, age) = RunClaim.read(RunClaim.path(results, key: run.key)) {
                    perShard[s].inProgress += 1
                    running.append(InProgress(key: run.key, shard: perShard[s].shard, host: claim.host, pid: claim.pid, slurmTask: claim.slurmTask,
                                              claimAge: age, stale: claim.isStale(seenBy: viewer, age: age),
                                              checkpointAge: checkpointAge, checkpointEpoch: header?.epoch))
                } else {
                    perShard[s].pending += 1
                    if header != nil { perShard[s].checkpointed += 1 }
                }
            }
            var total = Counts(shard: "all")
            for c in perShard { total.add(c) }
            sweeps.append(Sweep(name: spec.name, shards: perShard, total: total, inProgress: running))
        }
        return SweepStatus(results: results, sweeps: sweeps)
    }

    /// The table `minima sweep status` prints.
    public var text: String {
        var out = ""
        for sweep in sweeps {
            out += "sweep \(sweep.name): \(sweep.total.runs) runs in \(sweep.shards.count) shard\(sweep.shards.count == 1 ? "" : "s")\n"
            out += "shard       runs   done  failed  in progress  pending (checkpointed)\n"
            for c in (sweep.shards.count > 1 ? sweep.shards : []) + [sweep.total] {
                let cells = [c.shard, String(c.runs), String(c.done), String(c.failed), String(c.inProgress), "\(c.pending) (\(c.checkpointed))"]
                out += zip(cells, [10, 6, 6, 7, 12, 0]).map { $0.padding(toLength: max($1, $0.count), withPad: " ", startingAt: 0) }.joined(separator: " ") + "\n"
            }
            for r in sweep.inProgress {
                var line = "  in progress: run \(r.key) (shard \(r.shard)) on \(r.host) pid \(r.pid)"
                if let t = r.slurmTask { line += ", Slurm task \(t)" }
                line += r.checkpointEpoch.map { ", checkpoint at epoch \($0), \(SweepStatus.age(r.checkpointAge ?? 0)) old" } ?? ", no checkpoint yet"
                if r.stale { line += " (its process is gone: the next sweep process takes it over)" }
                out += line + "\n"
            }
            for c in sweep.shards where c.firstError != nil {
                out += "  failed in shard \(c.shard): \(c.firstError!)\n"
            }
        }
        return out
    }

    static func age(_ seconds: Double) -> String {
        seconds < 120 ? String(format: "%.0f s", seconds) : seconds < 7200 ? String(format: "%.0f min", seconds / 60) : String(format: "%.1f h", seconds / 3600)
    }
}
