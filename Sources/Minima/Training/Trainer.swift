import Foundation
import Linalg

/// One point of the training curve: metrics on the whole training set after `epoch` epochs.
public struct CurvePoint: Codable, Equatable, Sendable {
    public var epoch: Int
    public var mse: Double
    public var mce: Double
    /// Learning rate used in this epoch.
    public var lr: Double
    /// Seconds since training started.
    public var seconds: Double
}

/// How a run ended.
public enum RunStatus: String, Codable, Sendable {
    /// Ran the maximum number of epochs.
    case completed
    /// Met its stopping criterion (MCE = 0 or MSE ≤ target) before the last epoch.
    case converged
    /// The loss or a parameter became NaN or infinite.
    case diverged
}

/// What a run ended with (the run record's `final`).
public struct FinalState: Codable, Equatable, Sendable {
    public var mse: Double
    public var mce: Double
    public var errors: Int
    /// Margin `min_{i,n} |w_i^T x_n|` over every hidden pre-activation.
    public var minAbsPreactivation: Double
    /// Pre-activations exactly 0 (the loss is not differentiable there).
    public var zeroPreactivations: Int
    /// `‖∇MSE‖₂` over all parameters, on the whole training set.
    public var gradientNorm: Double
    public var epochs: Int
    public var seconds: Double
    public var status: RunStatus
    /// A sentence on how the run ended (why it stopped or diverged).
    public var message: String
}

/// A progress report, sent about once a second and at the end.
public struct TrainingProgress: Sendable {
    public var epoch: Int
    public var epochs: Int
    public var mse: Double
    public var mce: Double
    public var lr: Double
    public var seconds: Double
    /// Estimated seconds left, if the run goes to its last epoch.
    public var eta: Double { epoch > 0 ? seconds / Double(epoch) * Double(epochs - epoch) : .nan }
}

/// Trains a `Network` on a `Dataset`: the whole training loop in one readable place.
///
/// Each epoch: the learning rate from the schedule; a seeded permutation of the samples when
/// training on minibatches; for each batch, the rows are gathered into a contiguous buffer
/// (which stays in cache for the two GEMMs that read it), the gradient of the batch MSE is
/// back-propagated, and the optimizer steps. Full-batch training reads X in place.
public struct Trainer<Scalar: LinalgScalar> {
    public var configuration: TrainingConfiguration
    public init(_ configuration: TrainingConfiguration) { self.configuration = configuration }

    public func train(_ network: inout Network<Scalar>, on data: Dataset<Scalar>,
                      progress: ((TrainingProgress) -> Void)? = nil) -> (curve: [CurvePoint], final: FinalState) {
        let config = configuration
        let n = data.n, d0 = data.d0
        let batch = (config.optimizer == .gd || config.batchSize == 0 || config.batchSize >= n) ? n : config.batchSize
        let fullBatch = batch == n
        let count = network.layout.count
        let ws = Workspace<Scalar>(shape: network.shape, capacity: batch)
        let optimizer = Optimizer<Scalar>(kind: config.optimizer, parameterCount: count, momentum: config.momentum)
        var gradient = [Scalar](repeating: 0, count: count)
        var batchX = fullBatch ? [] : [Scalar](repeating: 0, count: batch * d0)
        var batchY = fullBatch ? [] : [Scalar](repeating: 0, count: batch)
        var order = Array(0..<n)
        var rng = SeededGenerator(seed: config.seed, stream: 5)
        let logEpochs = TrainingConfiguration.logEpochs(upTo: config.epochs, perDecade: config.logPointsPerDecade)
        let needsEpochMetrics = config.stopAtZeroError || config.targetMSE != nil
        let clock = ContinuousClock()
        let start = clock.now
        func elapsed() -> Double {
            let d = clock.now - start
            return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        var lastReport = -1.0

        let initial = network.metrics(data)
        var curve = [CurvePoint(epoch: 0, mse: initial.mse, mce: initial.mce,
                                lr: config.schedule.rate(base: config.learningRate, epoch: 1), seconds: 0)]
        var status = RunStatus.completed
        var message = "ran all \(config.epochs) epochs"
        var epochsRun = 0
        var lr = config.learningRate

        data.x.elements.withUnsafeBufferPointer { px in
            data.y.withUnsafeBufferPointer { py in
                gradient.withUnsafeMutableBufferPointer { pg in
                    epochLoop: for epoch in 1...config.epochs {
                        lr = config.schedule.rate(base: config.learningRate, epoch: epoch)
                        var epochSSE = 0.0
                        if fullBatch {
                            let sse = network.sumOfSquaresAndGradient(px.baseAddress!, py.baseAddress!, rows: n,
                                                                      scale: 1 / Scalar(n), gradient: pg.baseAddress!,
                                                                      workspace: ws)
                            epochSSE = Double(sse)
                            network.parameters.withUnsafeMutableBufferPointer { pp in
                                optimizer.step(pp.baseAddress!, pg.baseAddress!, count: count, lr: lr)
                            }
                        } else {
                            rng.permute(&order)
                            var s = 0
                            while s < n {
                                let rows = Swift.min(batch, n - s)
                                batchX.withUnsafeMutableBufferPointer { bx in
                                    batchY.withUnsafeMutableBufferPointer { by in
                                        for r in 0..<rows {
                                            let i = order[s + r]
                                            (bx.baseAddress! + r * d0).update(from: px.baseAddress! + i * d0, count: d0)
                                            by[r] = py[i]
                                        }
                                        let sse = network.sumOfSquaresAndGradient(bx.baseAddress!, by.baseAddress!, rows: rows,
                                                                                  scale: 1 / Scalar(rows), gradient: pg.baseAddress!,
                                                                                  workspace: ws)
                                        epochSSE += Double(sse)
                                    }
                                }
                                network.parameters.withUnsafeMutableBufferPointer { pp in
                                    optimizer.step(pp.baseAddress!, pg.baseAddress!, count: count, lr: lr)
                                }
                                s += rows
                            }
                        }
                        epochsRun = epoch
                        if !epochSSE.isFinite || !network.parameters.allSatisfy({ $0.isFinite }) {
                            status = .diverged
                            message = "the loss became \(epochSSE) in epoch \(epoch) (learning rate \(lr)); try a smaller --lr"
                            break epochLoop
                        }
                        let isLogged = logEpochs.contains(epoch)
                        var metrics: Metrics? = nil
                        if isLogged || needsEpochMetrics { metrics = network.metrics(data) }
                        if isLogged, let m = metrics {
                            curve.append(CurvePoint(epoch: epoch, mse: m.mse, mce: m.mce, lr: lr, seconds: elapsed()))
                        }
                        if let m = metrics, needsEpochMetrics {
                            if config.stopAtZeroError && m.errors == 0 {
                                status = .converged; message = "training MCE reached 0 at epoch \(epoch)"
                            } else if let t = config.targetMSE, m.mse <= t {
                                status = .converged; message = "training MSE reached \(m.mse) ≤ \(t) at epoch \(epoch)"
                            }
                            if status == .converged {
                                if !isLogged { curve.append(CurvePoint(epoch: epoch, mse: m.mse, mce: m.mce, lr: lr, seconds: elapsed())) }
                                break epochLoop
                            }
                        }
                        if let progress {
                            let t = elapsed()
                            if t - lastReport >= 1 {
                                lastReport = t
                                let m = metrics ?? Metrics(mse: epochSSE / Double(n), mce: .nan, errors: 0)
                                progress(TrainingProgress(epoch: epoch, epochs: config.epochs, mse: m.mse, mce: m.mce, lr: lr, seconds: t))
                            }
                        }
                    }
                }
            }
        }

        let seconds = elapsed()
        let finalMetrics = network.metrics(data)
        let stats = network.preactivationStatistics(data)
        let gradientNorm = status == .diverged ? Double.nan : Double(norm(network.gradient(data)))
        if status != .diverged, curve.last?.epoch != epochsRun {
            curve.append(CurvePoint(epoch: epochsRun, mse: finalMetrics.mse, mce: finalMetrics.mce, lr: lr, seconds: seconds))
        }
        progress?(TrainingProgress(epoch: epochsRun, epochs: config.epochs, mse: finalMetrics.mse,
                                   mce: finalMetrics.mce, lr: lr, seconds: seconds))
        let final = FinalState(mse: finalMetrics.mse, mce: finalMetrics.mce, errors: finalMetrics.errors,
                               minAbsPreactivation: stats.minAbs, zeroPreactivations: stats.exactZeros,
                               gradientNorm: gradientNorm, epochs: epochsRun, seconds: seconds,
                               status: status, message: message)
        return (curve, final)
    }
}
