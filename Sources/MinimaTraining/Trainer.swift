import Foundation
import Linalg
import MinimaCore
import MinimaData
import MinimaModel

/// One point of the training curve: metrics on the whole training set after `epoch` epochs.
public struct CurvePoint: Codable, Equatable, Sendable {
    public var epoch: Int
    public var mse: Double
    /// nil (null in JSON) for real-valued targets, which have no threshold.
    @NullWhenAbsent public var mce: Double?
    /// Learning rate used in this epoch.
    public var lr: Double
    /// Seconds since training started.
    public var seconds: Double
}

/// How a run ended.
public enum RunStatus: String, Codable, Sendable {
    /// Ran the maximum number of epochs (or reached the time limit).
    case completed
    /// Met its stopping criterion (MCE = 0 or MSE ≤ target) before the last epoch.
    case converged
    /// The loss or a parameter became NaN or infinite.
    case diverged
}

/// What a run ended with (the run record's `final`).
public struct FinalState: Codable, Equatable, Sendable {
    public var mse: Double
    /// MCE and misclassified samples; nil (null in JSON) for real-valued targets.
    @NullWhenAbsent public var mce: Double?
    @NullWhenAbsent public var errors: Int?
    /// Margin `min_{i,n} |w_i^T x_n|` over every hidden pre-activation.
    public var minAbsPreactivation: Double
    /// Pre-activations exactly 0 (the loss is not differentiable there).
    public var zeroPreactivations: Int
    /// `‖∇MSE‖₂` over all parameters, on the whole training set.
    public var gradientNorm: Double
    public var epochs: Int
    public var seconds: Double
    /// Median wall time of one epoch's training work (batches and steps, not the evaluations
    /// for the curve): the figure the PyTorch peer reports as `median_epoch_s`.
    public var medianEpochSeconds: Double
    public var status: RunStatus
    /// A sentence on how the run ended (why it stopped or diverged).
    public var message: String
    /// What the training finisher (the region margin step) did when it ran: the successful
    /// try, or the last one.
    public var marginStep: [FinisherIteration]? = nil
    /// `min_n y_n·f(x_n)` on the training data (`Metrics.smallestSignedOutput`; null for
    /// real-valued targets, absent in records written before it was kept).
    @NullWhenAbsent public var smallestSignedOutput: Double? = nil
}

/// Trains a `Network` on a `Dataset`: the whole training loop in one readable place.
///
/// Each epoch: the learning rate from the schedule; a seeded permutation of the samples when
/// training on minibatches; for each batch, the gradient of the batch MSE is back-propagated
/// (split over `threads` workers, each gathering its rows into a contiguous buffer that stays
/// in cache for the two GEMMs that read it; full-batch training reads X in place), and the
/// optimizer steps. A `finisher`, when given, runs as `TrainingFinisher` describes.
public struct Trainer<Scalar: LinalgScalar> {
    public var configuration: TrainingConfiguration
    /// Cores to split each batch over (each with a one-thread BLAS; see `ParallelGradient`).
    public var threads: Int
    public var finisher: (any TrainingFinisher)?

    public init(_ configuration: TrainingConfiguration, threads: Int = 1, finisher: (any TrainingFinisher)? = nil) {
        self.configuration = configuration
        self.threads = max(1, threads)
        self.finisher = finisher
    }

    public func train(_ network: inout Network<Scalar>, on data: Dataset<Scalar>,
                      progress: ProgressHandler? = nil) -> (curve: [CurvePoint], final: FinalState) {
        do { return try train(&network, on: data, checkpoint: nil, progress: progress) } catch {
            preconditionFailure("training without a checkpoint cannot fail: \(error)")
        }
    }

    /// Trains as `train(_:on:progress:)` does, saving a checkpoint as `policy` says (every
    /// `interval` seconds, and after the current batch once `stop` is requested, which then
    /// throws `TrainingInterrupted`), and continuing from `policy.path` when it holds this run's
    /// checkpoint. A resumed run ends with the same weights and curve, bit for bit, as one
    /// that was never interrupted, given the same thread count.
    public func train(_ network: inout Network<Scalar>, on data: Dataset<Scalar>, checkpoint policy: CheckpointPolicy?,
                      progress: ProgressHandler? = nil) throws -> (curve: [CurvePoint], final: FinalState) {
        let config = configuration
        let n = data.n
        let batch = (config.optimizer == .gd || config.batchSize == 0 || config.batchSize >= n) ? n : config.batchSize
        let fullBatch = batch == n
        let count = network.layout.count
        let optimizer = Optimizer<Scalar>(kind: config.optimizer, parameterCount: count, momentum: config.momentum)
        let workers = ParallelGradient<Scalar>(shape: network.shape, capacity: batch, workers: threads, gathers: !fullBatch)
        var gradient = [Scalar](repeating: 0, count: count)
        let blasThreads = BLASEnvironment.threads
        var order = Array(0..<n)
        var rng = SeededGenerator(seed: config.seed, stream: .batchOrder)
        let logEpochs = TrainingConfiguration.logEpochs(upTo: config.epochs, perDecade: config.logPointsPerDecade)
        var finisherTries = finisher.map { $0.triesBelow > 0 } ?? false
        let needsEpochMetrics = config.stopAtZeroError || config.targetMSE != nil || finisherTries
        // Full-batch training that stops at a target MSE alone: the pass that starts epoch e + 1
        // computes the sum of squares at the weights epoch e ended with, so epoch e's stopping
        // test waits for it (`pendingTest`) and evaluates the network only when that sum puts the
        // MSE near the target (`mayReach`). The test then decides on the same evaluation, at the
        // same weights, as it would at the end of epoch e, and a run that stops does not step again.
        let defersTest = fullBatch && config.targetMSE != nil && !config.stopAtZeroError && finisher == nil
        var pendingTest: (epoch: Int, lr: Double)? = nil
        var finished: [FinisherIteration]? = nil
        var lastTry = Int.min / 2
        var failures: [String] = []
        let clock = ContinuousClock()
        let start = clock.now
        var elapsedBefore = 0.0
        func elapsed() -> Double { elapsedBefore + (clock.now - start).inSeconds }
        var lastReport = -1.0
        var curve: [CurvePoint] = []
        var epochSeconds: [Double] = []
        epochSeconds.reserveCapacity(config.epochs)
        // Where the loop starts: epoch 1 from its first batch, or where a checkpoint stood.
        var firstEpoch = 1, firstBatchStart = 0, firstEpochSSE = 0.0
        var fingerprint: [String: String] = [:]
        if let policy {
            fingerprint = policy.fingerprint
            for (k, v) in CheckpointFingerprint.of(config) { fingerprint["training." + k] = v }
            if let finisher { for (k, v) in CheckpointFingerprint.of(finisher) { fingerprint["training.marginStep." + k] = v } }
            for (k, v) in CheckpointFingerprint.of(network.shape) { fingerprint["network." + k] = v }
            fingerprint["threads"] = String(threads)
            fingerprint["data.size"] = "\(n)x\(data.d0)"
        }
        /// The fingerprint with the data's checksum, computed on the first save or resume only:
        /// hashing the data costs about 0.1 s at CIFAR size, and most runs never save.
        func fingerprintWithData() -> [String: String] {
            if fingerprint["data.checksum"] == nil {
                fingerprint["data.checksum"] = CheckpointFingerprint.data(x: data.x.elements, y: data.y, n: n, d0: data.d0)
            }
            return fingerprint
        }
        if let policy, policy.resume, FileManager.default.fileExists(atPath: policy.path) {
            let saved = try Checkpoint<Scalar>.read(policy.path)
            try CheckpointFingerprint.check(saved.header.fingerprint, against: fingerprintWithData(), checkpoint: policy.path)
            let h = saved.header
            func damaged(_ what: String) -> MinimaError { .invalidFile(path: policy.path, message: "not a usable checkpoint (\(what))") }
            guard saved.parameters.count == count else { throw damaged("\(saved.parameters.count) parameters, the network has \(count)") }
            guard (1...config.epochs).contains(h.epoch), (0..<n).contains(h.batchStart), h.batchStart % batch == 0 else {
                throw damaged("epoch \(h.epoch), batch start \(h.batchStart)")
            }
            guard let generator = SeededGenerator(state: h.generator) else { throw damaged("batch-order generator state") }
            if !fullBatch {
                guard saved.order.count == n, Trainer.isPermutation(saved.order) else {
                    throw damaged("the sample order is not a permutation of the \(n) samples")
                }
                order = saved.order
            }
            try optimizer.restore(steps: h.optimizerSteps, first: saved.firstMoment, second: saved.secondMoment)
            if let json = h.finisher {
                guard let f = try? JSONDecoder().decode(FinisherBookkeeping.self, from: Data(json.utf8)) else { throw damaged("finisher state") }
                lastTry = f.lastTry
                finished = f.done
                if let earlier = f.failures, !earlier.isEmpty { failures = earlier; finisherTries = false }
            }
            network.parameters = saved.parameters
            rng = generator
            curve = h.curve
            epochSeconds = h.epochSeconds
            elapsedBefore = h.elapsed
            firstEpoch = h.epoch
            firstBatchStart = h.batchStart
            firstEpochSSE = h.epochSSE
            if defersTest, firstEpoch > 1 {
                pendingTest = (firstEpoch - 1, config.schedule.rate(base: config.learningRate, epoch: firstEpoch - 1))
            }
        } else {
            let initial = network.metrics(data)
            curve = [CurvePoint(epoch: 0, mse: initial.mse, mce: initial.mce,
                                lr: config.schedule.rate(base: config.learningRate, epoch: 1), seconds: 0)]
        }
        var lastSave = elapsed()
        /// Saves the state in which the next batch is the one at `batchStart` of `epoch`.
        func save(epoch: Int, batchStart: Int, epochSSE: Double) throws {
            guard let policy else { return }
            let state = optimizer.state
            let finisher = try JSONEncoder().encode(FinisherBookkeeping(lastTry: lastTry, done: finished, failures: failures))
            let header = CheckpointHeader(scalarBytes: MemoryLayout<Scalar>.size, fingerprint: fingerprintWithData(), epoch: epoch,
                                          batchStart: batchStart, epochSSE: epochSSE, optimizerSteps: state.steps,
                                          generator: rng.state, curve: curve, epochSeconds: epochSeconds, elapsed: elapsed(),
                                          finisher: String(decoding: finisher, as: UTF8.self), context: policy.context,
                                          parameterCount: 0, firstMomentCount: 0, secondMomentCount: 0, orderCount: 0, checksum: "")
            try Checkpoint(header: header, parameters: network.parameters, firstMoment: state.first, secondMoment: state.second,
                           order: fullBatch ? [] : order).write(to: policy.path)
            lastSave = elapsed()
        }
        /// After a batch or an epoch: saves when a save is due or a stop is asked for; throws to stop.
        func checkpointIfDue(epoch: Int, batchStart: Int, epochSSE: Double) throws {
            guard let policy else { return }
            let stopping = policy.stop?.isRequested ?? false
            guard stopping || elapsed() - lastSave >= policy.interval else { return }
            try save(epoch: epoch, batchStart: batchStart, epochSSE: epochSSE)
            if stopping { throw TrainingInterrupted(checkpoint: policy.path, epoch: epoch) }
        }

        // Training runs on one BLAS thread per worker: either the workers share the cores, or
        // the problem is too small for threads to pay. Evaluations in between, and those after
        // the loop, get every thread back.
        var status = RunStatus.completed
        var message = "ran all \(config.epochs) epochs"
        var epochsRun = firstEpoch - 1
        var lr = config.learningRate
        /// Epoch `epoch`'s stopping test on its metrics `m` (MCE = 0, MSE ≤ target); true when
        /// the run has converged (then the curve ends at that epoch).
        /// Whether no sample is wrong: under a finisher with a safety margin, 0 wrong counts once
        /// every signed output clears that margin too.
        func isSafe(_ m: Metrics) -> Bool { m.errors == 0 && (m.smallestSignedOutput ?? -.infinity) >= (finisher?.safety ?? 0) }
        func reachedTarget(_ m: Metrics, epoch: Int, lr: Double, logged: Bool) -> Bool {
            if config.stopAtZeroError && isSafe(m) {
                status = .converged; message = "training MCE reached 0 at epoch \(epoch)"
            } else if let t = config.targetMSE, m.mse <= t {
                status = .converged; message = "training MSE reached \(m.mse) ≤ \(t) at epoch \(epoch)"
            }
            if status == .converged, !logged { curve.append(CurvePoint(epoch: epoch, mse: m.mse, mce: m.mce, lr: lr, seconds: elapsed())) }
            return status == .converged
        }
        /// Runs the stopping test that waits for this pass, given the pass's sum of squares.
        func pendingTestReached(sse: Double) -> Bool {
            guard let pending = pendingTest, let t = config.targetMSE else { return false }
            pendingTest = nil
            // The pass sums in another order than the evaluation: a factor 2 (and, for a target
            // of 0, the outputs' rounding) leaves room for any difference in rounding.
            let slack = Double(Scalar.ulpOfOne) * 4096
            guard sse / Double(n) <= 2 * t + slack * slack else { return false }
            let m = BLASEnvironment.withThreads(blasThreads) { network.metrics(data) }
            guard reachedTarget(m, epoch: pending.epoch, lr: pending.lr, logged: false) else { return false }
            epochsRun = pending.epoch
            lr = pending.lr
            return true
        }

        try BLASEnvironment.withThreads(1) { try data.x.elements.withUnsafeBufferPointer { px in
            try data.y.withUnsafeBufferPointer { py in
                try gradient.withUnsafeMutableBufferPointer { pg in
                    epochLoop: for epoch in firstEpoch...config.epochs {
                        lr = config.schedule.rate(base: config.learningRate, epoch: epoch)
                        let epochStart = clock.now
                        let resuming = epoch == firstEpoch && firstBatchStart > 0
                        var epochSSE = resuming ? firstEpochSSE : 0.0
                        if !fullBatch && !resuming { rng.permute(&order) }
                        var stopsBefore = false
                        try order.withUnsafeBufferPointer { po in
                            var s = resuming ? firstBatchStart : 0
                            while s < n {
                                let rows = Swift.min(batch, n - s)
                                let sse = workers.compute(network: network, x: px.baseAddress!, y: py.baseAddress!,
                                                          order: fullBatch ? nil : po.baseAddress!, start: s, rows: rows,
                                                          gradient: pg.baseAddress!)
                                if pendingTestReached(sse: Double(sse)) { stopsBefore = true; return }
                                epochSSE += Double(sse)
                                network.parameters.withUnsafeMutableBufferPointer { pp in
                                    optimizer.step(pp.baseAddress!, pg.baseAddress!, count: count, lr: lr)
                                }
                                s += rows
                                if s < n { try checkpointIfDue(epoch: epoch, batchStart: s, epochSSE: epochSSE) }
                            }
                        }
                        if stopsBefore { break epochLoop }
                        epochsRun = epoch
                        epochSeconds.append((clock.now - epochStart).inSeconds)
                        if !epochSSE.isFinite || !network.parameters.allSatisfy({ $0.isFinite }) {
                            status = .diverged
                            message = "the loss became \(epochSSE) in epoch \(epoch) (learning rate \(lr)); try a smaller --lr"
                            break epochLoop
                        }
                        let isLogged = logEpochs.contains(epoch)
                        // The last epoch's test cannot wait for a next pass.
                        let defers = defersTest && !isLogged && epoch < config.epochs
                        var metrics: Metrics? = nil
                        if isLogged || (needsEpochMetrics && !defers) {
                            // Evaluation is one pass of plain GEMMs: give it every BLAS thread.
                            metrics = BLASEnvironment.withThreads(blasThreads) { network.metrics(data) }
                        }
                        if defers { pendingTest = (epoch, lr) }
                        if isLogged, let m = metrics {
                            curve.append(CurvePoint(epoch: epoch, mse: m.mse, mce: m.mce, lr: lr, seconds: elapsed()))
                        }
                        if let m = metrics, needsEpochMetrics {
                            if reachedTarget(m, epoch: epoch, lr: lr, logged: isLogged) { break epochLoop }
                            if finisherTries, let step = finisher, let wrong = m.errors, !isSafe(m), wrong <= step.triesBelow,
                               epoch - lastTry >= step.tryEvery {
                                lastTry = epoch
                                BLASEnvironment.withThreads(blasThreads) {
                                    var trial = network
                                    do {
                                        let done = try step.finish(&trial, on: data)
                                        finished = done
                                        if let last = done.last, last.errorsAfter == 0, last.belowSafetyAfter ?? 0 == 0 {
                                            network = trial
                                            status = .converged
                                            message = "\(step.name) removed the last \(wrong) errors after epoch \(epoch)"
                                        }
                                    } catch {
                                        // The same weights' region would fail the same way: stop trying.
                                        finisherTries = false
                                        failures.append("\(step.name) failed after epoch \(epoch): \(error)")
                                    }
                                }
                            }
                            if status == .converged {
                                if !isLogged { curve.append(CurvePoint(epoch: epoch, mse: m.mse, mce: m.mce, lr: lr, seconds: elapsed())) }
                                break epochLoop
                            }
                        }
                        if let limit = config.timeLimit, elapsed() >= limit, epoch < config.epochs {
                            // A test that waits for the next pass is decided now, on an evaluation.
                            if pendingTest != nil {
                                pendingTest = nil
                                let m = BLASEnvironment.withThreads(blasThreads) { network.metrics(data) }
                                if reachedTarget(m, epoch: epoch, lr: lr, logged: false) { break epochLoop }
                            }
                            message = "stopped at the time limit of \(limit) s after epoch \(epoch)"
                            break epochLoop
                        }
                        if let progress {
                            let t = elapsed()
                            if t - lastReport >= 1 {
                                lastReport = t
                                let m = metrics ?? Metrics(mse: epochSSE / Double(n), mce: nil, errors: nil)
                                progress(ProgressEvent(.epoch, done: epoch, of: config.epochs, elapsed: t,
                                                       measures: [.mse(m.mse), .mce(m.mce ?? .nan), .learningRate(lr)]))
                            }
                        }
                        if epoch < config.epochs { try checkpointIfDue(epoch: epoch + 1, batchStart: 0, epochSSE: 0) }
                    }
                }
            }
        } }

        // After the last epoch (a no-op when nothing is wrong: `run` then does no iteration).
        for failure in failures { message += "; " + failure }
        if status != .diverged, let step = finisher {
            var trial = network
            var done: [FinisherIteration] = []
            do { done = try step.finish(&trial, on: data) } catch { message += "; \(step.name) failed: \(error)" }
            if !done.isEmpty { finished = done }
            if let last = done.last, last.isBetter(than: done[0]) {
                network = trial
                if last.errorsAfter == 0 { status = .converged }
                message += "; then \(step.name): \(done[0].errorsBefore) → \(last.errorsAfter) wrong"
                if let before = done[0].belowSafetyBefore, let after = last.belowSafetyAfter {
                    message += " (\(before) → \(after) below the safety margin \(step.safety))"
                }
            }
        }
        let totalSeconds = elapsed()
        var final = FinalState.measure(network, on: data, epochs: epochsRun, seconds: totalSeconds,
                                       medianEpochSeconds: median(epochSeconds), status: status, message: message)
        final.marginStep = finished
        if status != .diverged, curve.last.map({ $0.epoch != epochsRun || $0.mse != final.mse || $0.mce != final.mce }) ?? true {
            curve.append(CurvePoint(epoch: epochsRun, mse: final.mse, mce: final.mce, lr: lr, seconds: totalSeconds))
        }
        progress?(ProgressEvent(.epoch, done: epochsRun, of: config.epochs, elapsed: totalSeconds,
                                measures: [.mse(final.mse), .mce(final.mce ?? .nan), .learningRate(lr)]))
        return (curve, final)
    }
}

extension Trainer {
    /// Whether `order` holds each of 0..<order.count once.
    static func isPermutation(_ order: [Int]) -> Bool {
        var seen = [Bool](repeating: false, count: order.count)
        for i in order {
            guard (0..<order.count).contains(i), !seen[i] else { return false }
            seen[i] = true
        }
        return true
    }
}

/// The finisher's state between tries, as a checkpoint keeps it.
struct FinisherBookkeeping: Codable {
    var lastTry: Int
    var done: [FinisherIteration]?
    /// Its errors during training (tries stop after the first).
    var failures: [String]? = nil
}

extension FinalState {
    /// The final state of `network` on `data`: metrics, margin, zero count and gradient norm
    /// (NaN for a diverged run), with how the run went.
    public static func measure<Scalar: LinalgScalar>(_ network: Network<Scalar>, on data: Dataset<Scalar>, epochs: Int, seconds: Double,
                                                     medianEpochSeconds: Double, status: RunStatus, message: String) -> FinalState {
        let metrics = network.metrics(data)
        let stats = network.preactivationStatistics(data)
        let gradientNorm = status == .diverged ? Double.nan : Double(norm(network.gradient(data)))
        var final = FinalState(mse: metrics.mse, mce: metrics.mce, errors: metrics.errors,
                               minAbsPreactivation: stats.minAbs, zeroPreactivations: stats.exactZeros,
                               gradientNorm: gradientNorm, epochs: epochs, seconds: seconds,
                               medianEpochSeconds: medianEpochSeconds, status: status, message: message)
        final.smallestSignedOutput = metrics.smallestSignedOutput
        return final
    }
}
