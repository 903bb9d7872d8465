#if canImport(Glibc)
import Glibc
#endif
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
    public init(parsing text: String, field: InputField = .shard) throws {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, (1...n).contains(i) else {
            throw MinimaError.invalidValue(field: field, message: "expected i/n with 1 ≤ i ≤ n (e.g. 1/4), got '\(text)'")
        }
        self.init(index: i, count: n)
    }

    public func contains(_ run: SweepRun) -> Bool { run.index % count == index - 1 }
    public var description: String { "\(index)/\(count)" }
}

/// What a sweep invocation did.
public struct SweepOutcome: Sendable {
    public var total: Int
    /// Runs found already finished (records present) and skipped.
    public var skipped: Int
    /// Runs carried out now, and how many of them failed.
    public var ran: Int
    public var failures: Int
    /// Runs of this shard whose records hold an error: this invocation's and earlier ones'
    /// (not run again without `retryFailed`), and the first such error.
    public var failedRecords: Int
    public var firstError: String?
    /// Runs left to other processes that hold their claims.
    public var claimedElsewhere: Int
    /// Runs stopped on request after saving their checkpoints (they continue on the next invocation).
    public var interrupted: Int
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
/// the full configuration) exists is skipped, and records are written atomically. Each run in
/// progress is claimed (`RunClaim`: `<key>.claim`) so that processes and shards sharing the
/// folder never train it twice, and checkpoints into `<key>.checkpoint` every
/// `checkpointInterval` seconds and when `stop` is requested; a killed sweep continues its runs
/// in progress from their checkpoints, and a finished run's checkpoint is removed. Runs are
/// started longest first (by the estimate epochs·N·#params) so the workers finish together.
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
    /// Seconds between a run's periodic checkpoints.
    public var checkpointInterval: Double = CheckpointPolicy.defaultInterval
    /// Set (by a signal) to make every run save its checkpoint after its current batch and the
    /// sweep stop; the runs continue from there on the next invocation.
    public var stop: StopRequest? = nil
    /// What carries out one run, checkpointing as the policy says (replaceable in tests).
    public var execute: @Sendable (RunConfiguration, CheckpointPolicy) throws -> RunRecord = { try TrainingRun.execute($0, checkpoint: $1) }

    public init() {}

    /// Runs the spec's runs (this shard's) that have no record in `results` yet.
    @discardableResult
    public func run(_ spec: SweepSpec, results: String,
                    progress: ProgressHandler? = nil) throws -> SweepOutcome {
        guard workers > 0 else { throw MinimaError.invalidValue(field: .workers, message: "must be positive, got \(workers)") }
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
        var firstEarlierError: String? = nil
        for run in runs {
            guard existing.contains(run.key) else { pending.append(run); continue }
            // A record that does not decode is treated as missing and run again.
            guard let record = try? SweepRecord.read(SweepRecord.path(results, key: run.key)) else { pending.append(run); continue }
            if record.failed {
                if retryFailed { pending.append(run) } else {
                    earlierFailures += 1
                    if firstEarlierError == nil { firstEarlierError = "run \(run.key): \(record.error ?? "unknown error")" }
                }
            }
        }
        pending.sort { $0.cost != $1.cost ? $0.cost > $1.cost : $0.index < $1.index }
        let state = RunnerState(pending: pending, total: runs.count, done: runs.count - pending.count,
                                failures: earlierFailures, workers: min(workers, max(1, pending.count)))
        let clock = ContinuousClock()
        let start = clock.now
        let stopAfter = self.stopAfter, isCancelled = self.isCancelled, execute = self.execute
        let stop = self.stop, interval = self.checkpointInterval, retryFailed = self.retryFailed
        let figure = spec.figure, name = spec.name
        let owner = RunClaim.mine()
        let heartbeat = ClaimHeartbeat(results: results)

        // One BLAS thread per worker, for the whole sweep (each worker thread too, for builds
        // whose setting is per thread).
        BLASEnvironment.withThreads(1) {
            let group = DispatchGroup()
            for _ in 0..<min(workers, max(1, pending.count)) {
                group.enter()
                let thread = Thread {
                    BLASEnvironment.withThreads(1) {
                        while let run = state.next(stopAfter: stopAfter, cancelled: (isCancelled?() ?? false) || (stop?.isRequested ?? false)) {
                            let recordPath = SweepRecord.path(results, key: run.key)
                            let claimed: Bool
                            do { claimed = try RunClaim.acquire(results, key: run.key, as: owner) } catch {
                                state.skip(run, as: .failed("\(error)")); continue
                            }
                            guard claimed else { state.skip(run, as: .elsewhere); continue }
                            // Another process may have finished it between our listing and our claim.
                            if let done = try? SweepRecord.read(recordPath), !(done.failed && retryFailed) {
                                RunClaim.release(results, key: run.key, as: owner)
                                state.skip(run, as: .done); continue
                            }
                            heartbeat.add(run.key)
                            let runStart = clock.now
                            var record = SweepRecord(sweep: name, figure: figure, key: run.key, pointKey: run.pointKey, point: run.point,
                                                     repetition: run.repetition, record: nil, error: nil, config: run.config)
                            let checkpoint = SweepRecord.checkpointPath(results, key: run.key)
                            var interrupted = false
                            do {
                                // A run too big for the memory fails alone, before anything is allocated.
                                let c = run.config
                                try TrainingRun.checkMemory(n: c.data.n, d0: c.data.d0, hidden: c.network.hidden, bias: c.network.bias,
                                                            batch: c.training.batchSize, threads: c.threads, precision: c.precision,
                                                            what: ["grid point"])
                                let policy = CheckpointPolicy(path: checkpoint, interval: interval, resume: true, stop: stop,
                                                              fingerprint: ["sweep": name, "key": run.key])
                                record.record = try execute(run.config, policy)
                                record.config = nil
                            } catch is TrainingInterrupted {
                                interrupted = true
                            } catch {
                                record.error = (error as? MinimaError)?.description ?? "\(error)"
                            }
                            var writeError: String? = nil
                            if !interrupted {
                                do { try record.write(to: results) } catch { writeError = "\(error)" }
                                if writeError == nil { unlink(checkpoint) }
                            }
                            heartbeat.remove(run.key)
                            RunClaim.release(results, key: run.key, as: owner)
                            if interrupted { state.skip(run, as: .interrupted); continue }
                            let error = writeError ?? record.error
                            let elapsed = (clock.now - start).inSeconds
                            state.finish(run, seconds: (clock.now - runStart).inSeconds,
                                         error: error.map { "run \(run.key): \($0)" }) { done, total, failures, eta in
                                let hidden = run.point.hidden.map(String.init).joined(separator: "×")
                                var last = "N=\(run.point.n.map(String.init) ?? "?") d0=\(run.point.d0.map(String.init) ?? "?") hidden=\(hidden) rep \(run.repetition)"
                                if let f = record.record?.final, writeError == nil {
                                    last += ": MCE " + NotApplicable.text(f.mce) { String(format: "%.4f", $0) } + String(format: " MSE %.3e (%.1f s)", f.mse, f.seconds)
                                } else {
                                    last += ": FAILED: " + (error ?? "unknown error")
                                }
                                var event = ProgressEvent(.run, done: done, of: total, elapsed: elapsed, measures: [.failures(failures)], note: last)
                                event.eta = eta
                                progress?(event)
                            }
                        }
                    }
                    group.leave()
                }
                thread.stackSize = 8 << 20
                thread.start()
            }
            group.wait()
        }
        heartbeat.cancel()
        let snapshot = state.snapshot()
        return SweepOutcome(total: runs.count, skipped: runs.count - pending.count + snapshot.doneElsewhere, ran: snapshot.ran,
                            failures: snapshot.failures - earlierFailures, failedRecords: snapshot.failures,
                            firstError: firstEarlierError ?? snapshot.firstError,
                            claimedElsewhere: snapshot.elsewhere, interrupted: snapshot.interrupted,
                            stopped: snapshot.ran + snapshot.skipped < pending.count,
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

    init(pending: [SweepRun], total: Int, done: Int, failures: Int, workers: Int) {
        self.pending = pending
        self.total = total
        self.done = done
        self.failures = failures
        self.workers = max(1, workers)
    }

    /// How a run left the queue without being trained here.
    enum Skipped { case done, elsewhere, interrupted, failed(String) }
    private var skipped = 0, elsewhere = 0, interrupted = 0, doneElsewhere = 0
    private var firstError: String? = nil

    /// The next run to start, or nil when none is left or the sweep must stop.
    func next(stopAfter: Int?, cancelled: Bool) -> SweepRun? {
        lock.lock(); defer { lock.unlock() }
        if cancelled || nextIndex >= pending.count { return nil }
        if let k = stopAfter, started >= k { return nil }
        started += 1
        nextIndex += 1
        return pending[nextIndex - 1]
    }

    /// Records a run that was not trained by this runner.
    func skip(_ run: SweepRun, as reason: Skipped) {
        lock.lock(); defer { lock.unlock() }
        started -= 1
        skipped += 1
        switch reason {
        case .done: doneElsewhere += 1
        case .elsewhere: elsewhere += 1
        case .interrupted: interrupted += 1
        case let .failed(message):
            failures += 1
            if firstError == nil { firstError = "run \(run.key): \(message)" }
        }
    }

    /// Records a finished run (`error` when it failed) and reports (done, total, failures, ETA in seconds).
    func finish(_ run: SweepRun, seconds: Double, error: String?, report: (Int, Int, Int, Double) -> Void) {
        lock.lock(); defer { lock.unlock() }
        ran += 1
        done += 1
        if let error {
            failures += 1
            if firstError == nil { firstError = error }
        }
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

    func snapshot() -> (ran: Int, failures: Int, skipped: Int, elsewhere: Int, interrupted: Int, doneElsewhere: Int, firstError: String?) {
        lock.lock(); defer { lock.unlock() }
        return (ran, failures, skipped, elsewhere, interrupted, doneElsewhere, firstError)
    }
}

/// Touches the claims of the runs in progress every `RunClaim.refreshInterval` seconds, so
/// that processes on other hosts see them alive.
private final class ClaimHeartbeat: @unchecked Sendable {
    private let lock = NSLock()
    private var keys = Set<String>()
    private let timer: DispatchSourceTimer

    init(results: String) {
        timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + RunClaim.refreshInterval, repeating: RunClaim.refreshInterval)
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            for key in self.lock.withLock({ self.keys }) { RunClaim.refresh(results, key: key) }
        }
        timer.resume()
    }

    func add(_ key: String) { lock.withLock { _ = keys.insert(key) } }
    func remove(_ key: String) { lock.withLock { _ = keys.remove(key) } }
    func cancel() { timer.cancel() }
}
