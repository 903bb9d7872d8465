#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining
import MinimaLandscape
import MinimaRuns
import MinimaVolume

/// Who is training a run: the claim file `RESULTS/runs/<key>.claim` says so.
///
/// A process claims a run before training it by creating the claim file exclusively (the claim
/// is written to a temporary file and hard-linked into place: `link` fails when the name exists,
/// atomically, on local and NFS file systems alike), and removes it once the run's record is
/// written or the run is interrupted. So processes and shards sharing one results folder never
/// train a run twice, and a claim never outlives its claimant for long: a claim is stale, and is
/// taken over, when
/// - its process is gone (same host: no process with its pid and start time), or
/// - it was made by the same Slurm array task (`SLURM_ARRAY_JOB_ID_SLURM_ARRAY_TASK_ID`) as the
///   process looking at it, an earlier incarnation that was requeued (Slurm runs one at a time), or
/// - it comes from another host and has not been refreshed for `staleAfter` seconds (claimants
///   touch their claims every `refreshInterval` seconds).
public struct RunClaim: Codable, Equatable, Sendable {
    public var host: String
    public var pid: Int32
    /// The process's start time (`/proc/PID/stat` field 22, clock ticks since boot), so that a
    /// reused pid is not taken for the claimant.
    public var processStart: UInt64?
    /// The Slurm array task (`JOBID_TASKID`) or job id, when run by Slurm.
    public var slurmTask: String?
    /// Unique to one claimant (one sweep runner).
    public var token: String
    public var date: String

    /// Seconds after which a claim from another host that has not been refreshed is stale.
    public static let staleAfter: Double = 600
    /// How often a claimant touches its claims.
    public static let refreshInterval: Double = 60

    /// A claim by this process (a new token each call: one per runner).
    public static func mine() -> RunClaim {
        let env = ProcessInfo.processInfo.environment
        let slurm: String?
        if let job = env["SLURM_ARRAY_JOB_ID"], let task = env["SLURM_ARRAY_TASK_ID"] { slurm = "\(job)_\(task)" } else { slurm = env["SLURM_JOB_ID"] }
        let pid = getpid()
        return RunClaim(host: ProcessInfo.processInfo.hostName, pid: pid, processStart: processStartTime(pid), slurmTask: slurm,
                        token: UUID().uuidString, date: ISO8601DateFormatter().string(from: Date()))
    }

    public static func path(_ results: String, key: String) -> String { SweepRecord.folder(results) + "/\(key).claim" }

    /// Whether `self` (read from a claim file last modified `age` seconds ago) is stale as seen by `viewer`.
    public func isStale(seenBy viewer: RunClaim, age: Double) -> Bool {
        if token == viewer.token { return false }
        if let s = slurmTask, s == viewer.slurmTask { return true }
        if host == viewer.host {
            guard kill(pid, 0) == 0 || errno == EPERM else { return true }
            if let start = processStart, let now = RunClaim.processStartTime(pid), now != start { return true }
            return false
        }
        return age > RunClaim.staleAfter
    }

    /// Claims `key` in `results` for `owner`; false when a live claimant holds it.
    public static func acquire(_ results: String, key: String, as owner: RunClaim) throws -> Bool {
        let path = self.path(results, key: key)
        let folder = SweepRecord.folder(results)
        let temporary = folder + "/.\(key).claim.tmp-\(owner.token)"
        do { try owner.encoded().write(to: URL(fileURLWithPath: temporary)) } catch {
            throw MinimaError.invalidFile(path: temporary, message: "cannot write claim (\(error.localizedDescription))")
        }
        defer { unlink(temporary) }
        for _ in 0..<4 {
            if link(temporary, path) == 0 { return true }
            guard errno == EEXIST else {
                throw MinimaError.invalidFile(path: path, message: "cannot create claim (\(String(cString: strerror(errno))))")
            }
            guard let (existing, age) = read(path) else {
                // Vanished meanwhile (released): try again. Unreadable garbage older than a
                // minute is no one's claim.
                if FileManager.default.fileExists(atPath: path), let age = age(of: path), age < 60 { return false }
                unlink(path)
                continue
            }
            guard existing.isStale(seenBy: owner, age: age) else { return false }
            // Take the stale claim out of the way under a name of our own; if what we moved is not
            // the claim judged stale (it was replaced in between), put it back.
            let aside = folder + "/.\(key).claim.stale-\(owner.token)"
            guard rename(path, aside) == 0 else { continue }
            if let (moved, _) = read(aside), moved.token != existing.token {
                _ = link(aside, path)
                unlink(aside)
                return false
            }
            unlink(aside)
        }
        return false
    }

    /// Removes `owner`'s claim on `key` (a claim taken over by another process stays): the file
    /// is removed only if it holds exactly what `owner` wrote.
    public static func release(_ results: String, key: String, as owner: RunClaim) {
        let path = self.path(results, key: key)
        if let bytes = try? owner.encoded(), FileManager.default.contents(atPath: path) == bytes { unlink(path) }
    }

    /// The claim's file contents (compact JSON, sorted keys: the same bytes every time).
    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }

    /// Marks `owner`'s claim on `key` as alive (its modification time is now).
    public static func refresh(_ results: String, key: String) {
        _ = utimes(path(results, key: key), nil)
    }

    /// The claim at `path` and the seconds since it was last modified, if it can be read.
    public static func read(_ path: String) -> (RunClaim, Double)? {
        guard let data = FileManager.default.contents(atPath: path),
              let claim = try? JSONDecoder().decode(RunClaim.self, from: data), let age = age(of: path) else { return nil }
        return (claim, age)
    }

    static func age(of path: String) -> Double? {
        guard let date = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date else { return nil }
        return max(0, Date().timeIntervalSince(date))
    }

    /// Field 22 of `/proc/PID/stat` (start time in clock ticks since boot); nil where there is no /proc.
    static func processStartTime(_ pid: Int32) -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // Fields after the command name (which may contain spaces): state is field 3.
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }
}
