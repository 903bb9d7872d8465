import Foundation
import Linalg
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining
import MinimaLandscape
import MinimaRuns
import MinimaVolume

/// Part `index` of `count` of a sweep (1-based): the runs whose expansion index is
/// `index − 1` modulo `count`. Shards of one sweep are disjoint and together cover every run,
/// so independent processes or machines can share one results folder.
public struct Shard: Equatable, Sendable, CustomStringConvertible {
    public var index: Int
    public var count: Int
    public static let whole = Shard(index: 1, count: 1)

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses `i/n` with 1 ≤ i ≤ n.
    public init(parsing text: String, flag: String = "--shard") throws {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, (1...n).contains(i) else {
            throw MinimaError.invalidOption(flag: flag, message: "expected i/n with 1 ≤ i ≤ n (e.g. 1/4), got '\(text)'")
        }
        self.init(index: i, count: n)
    }

    public func contains(_ run: SweepRun) -> Bool { run.index % count == index - 1 }
    public var description: String { "\(index)/\(count)" }
}

/// Where a sweep stands, reported after each finished run.
public struct SweepProgress: Sendable {
    /// Runs of this shard in total, and finished (including those finished by earlier invocations).
    public var total: Int
    public var done: Int
    /// Runs that ended in an error (this invocation and earlier ones).
    public var failures: Int
    /// Seconds since this invocation started.
    public var elapsed: Double
    /// Estimated seconds left (from the work estimates of the runs done and to do); nan at first.
    public var eta: Double
    /// One line on the run that just finished.
    public var last: String
}

/// What a sweep invocation did.
public struct SweepOutcome: Sendable {
    public var total: Int
    /// Runs found already finished (records present) and skipped.
    public var skipped: Int
    /// Runs carried out now, and how many of them failed.
    public var ran: Int
    public var failures: Int
    /// True when the runner stopped early (`stopAfter` or cancellation) with runs left.
    public var stopped: Bool
    /// True when the results folder held a different spec of the same name (an edited spec):
    /// the earlier version's records stay and the report shows both.
    public var replacedSpec: Bool
    public var seconds: Double
}

/// Runs a sweep's runs in parallel workers, one BLAS thread each, writing one record per run.
///
/// Resumable: a run whose record (`RESULTS/runs/<key>.json`, key = hash of the sweep name and
/// the full configuration) exists is skipped, and records are written atomically, so killing a
/// sweep at any moment loses only the runs in progress. Runs are started longest first (by the
/// estimate epochs·N·#params) so the workers finish together.
public struct SweepRunner: Sendable {
    /// Parallel workers (threads), each training one network at a time with one BLAS thread.
    public var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    public var shard: Shard = .whole
    /// Stop starting new runs once this many have finished in this invocation (for tests and
    /// for splitting a long sweep into sittings).
    public var stopAfter: Int? = nil
    /// Run again the runs whose records hold an error.
    public var retryFailed = false
    /// Checked before each run is started; true stops the sweep (finished runs are kept).
    public var isCancelled: (@Sendable () -> Bool)? = nil
    /// What carries out one run (replaceable in tests).
    public var execute: @Sendable (RunConfiguration) throws -> RunRecord = { try TrainingRun.execute($0) }

    public init() {}

    /// Runs the spec's runs (this shard's) that have no record in `results` yet.
    @discardableResult
    public func run(_ spec: SweepSpec, results: String,
                    progress: (@Sendable (SweepProgress) -> Void)? = nil) throws -> SweepOutcome {
        guard workers > 0 else { throw MinimaError.invalidOption(flag: "--workers", message: "must be positive, got \(workers)") }
        let runs = try spec.expand().filter { shard.contains($0) }
        var replacedSpec = false
        if !spec.text.isEmpty {
            let specPath = results + "/specs/\(spec.name).json"
            if let old = try? String(contentsOfFile: specPath, encoding: .utf8), old != spec.text { replacedSpec = true }
            try AtomicFile.write(spec.text, to: specPath)
        }
        try FileManager.default.createDirectory(atPath: SweepRecord.folder(results), withIntermediateDirectories: true)

        let existing = SweepRecord.keys(in: results)
        var pending: [SweepRun] = []
        var earlierFailures = 0
        for run in runs {
            guard existing.contains(run.key) else { pending.append(run); continue }
            // A record that does not decode is treated as missing and run again.
            guard let record = try? SweepRecord.read(SweepRecord.path(results, key: run.key)) else { pending.append(run); continue }
            if record.failed {
                if retryFailed { pending.append(run) } else { earlierFailures += 1 }
            }
        }
        pending.sort { $0.cost != $1.cost ? $0.cost > $1.cost : $0.index < $1.index }
        let state = RunnerState(pending: pending, total: runs.count, done: runs.count - pending.count,
                                failures: earlierFailures, workers: min(workers, max(1, pending.count)))
        let clock = ContinuousClock()
        let start = clock.now
        let stopAfter = self.stopAfter, isCancelled = self.isCancelled, execute = self.execute
        let figure = spec.figure, name = spec.name

        BLASEnvironment.setThreads(1)
        let group = DispatchGroup()
        for _ in 0..<min(workers, max(1, pending.count)) {
            group.enter()
            let thread = Thread {
                BLASEnvironment.setThreads(1)
                while let run = state.next(stopAfter: stopAfter, cancelled: isCancelled?() ?? false) {
                    let runStart = clock.now
                    var record = SweepRecord(sweep: name, figure: figure, key: run.key, pointKey: run.pointKey, point: run.point,
                                             repetition: run.repetition, record: nil, error: nil, config: run.config)
                    do {
                        record.record = try execute(run.config)
                        record.config = nil
                    } catch {
                        record.error = (error as? MinimaError)?.description ?? "\(error)"
                    }
                    var writeError: String? = nil
                    do { try record.write(to: results) } catch { writeError = "\(error)" }
                    let elapsed = (clock.now - start).inSeconds
                    state.finish(run, seconds: (clock.now - runStart).inSeconds,
                                 failed: record.failed || writeError != nil) { done, total, failures, eta in
                        let hidden = run.point.hidden.map(String.init).joined(separator: "×")
                        var last = "N=\(run.point.n.map(String.init) ?? "?") d0=\(run.point.d0.map(String.init) ?? "?") hidden=\(hidden) rep \(run.repetition)"
                        if let f = record.record?.final {
                            last += String(format: ": MCE %.4f MSE %.3e (%.1f s)", f.mce, f.mse, f.seconds)
                        } else {
                            last += ": FAILED: " + (writeError ?? record.error ?? "unknown error")
                        }
                        progress?(SweepProgress(total: total, done: done, failures: failures, elapsed: elapsed, eta: eta, last: last))
                    }
                }
                group.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        let snapshot = state.snapshot()
        return SweepOutcome(total: runs.count, skipped: runs.count - pending.count, ran: snapshot.ran,
                            failures: snapshot.failures - earlierFailures, stopped: snapshot.ran < pending.count,
                            replacedSpec: replacedSpec,
                            seconds: (clock.now - start).inSeconds)
    }
}

/// The work queue and counters the workers share (guarded by a lock).
///
/// The ETA predicts each run still to start: the mean wall time of the finished runs of its grid
/// point (its repetitions take about equally long), or, for a point not reached yet, its work
/// estimate times the seconds per unit of estimate seen so far; the sum is divided among the
/// workers. Runs that stop early (targetMSE, stopAtZeroError) make the second guess rough.
private final class RunnerState: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [SweepRun]
    private var nextIndex = 0
    private var started = 0
    private var ran = 0
    private let total: Int
    private let workers: Int
    private var done: Int
    private var failures: Int
    private var doneCost = 0.0
    private var doneSeconds = 0.0
    /// Per grid point: total wall seconds and count of the finished runs.
    private var pointTimes: [String: (seconds: Double, count: Int)] = [:]

    package init(pending: [SweepRun], total: Int, done: Int, failures: Int, workers: Int) {
        self.pending = pending
        self.total = total
        self.done = done
        self.failures = failures
        self.workers = max(1, workers)
    }

    /// The next run to start, or nil when none is left or the sweep must stop.
    package func next(stopAfter: Int?, cancelled: Bool) -> SweepRun? {
        lock.lock(); defer { lock.unlock() }
        if cancelled || nextIndex >= pending.count { return nil }
        if let k = stopAfter, started >= k { return nil }
        started += 1
        nextIndex += 1
        return pending[nextIndex - 1]
    }

    /// Records a finished run and reports (done, total, failures, ETA in seconds).
    package func finish(_ run: SweepRun, seconds: Double, failed: Bool, report: (Int, Int, Int, Double) -> Void) {
        lock.lock(); defer { lock.unlock() }
        ran += 1
        done += 1
        if failed { failures += 1 }
        doneCost += run.cost
        doneSeconds += seconds
        let t = pointTimes[run.pointKey] ?? (0, 0)
        pointTimes[run.pointKey] = (t.seconds + seconds, t.count + 1)
        let perCost = doneCost > 0 ? doneSeconds / doneCost : 0
        var left = 0.0
        for r in pending[nextIndex...] {
            if let p = pointTimes[r.pointKey] { left += p.seconds / Double(p.count) } else { left += r.cost * perCost }
        }
        report(done, total, failures, nextIndex >= pending.count && ran == started ? 0 : left / Double(workers))
    }

    func snapshot() -> (ran: Int, failures: Int) {
        lock.lock(); defer { lock.unlock() }
        return (ran, failures)
    }
}
