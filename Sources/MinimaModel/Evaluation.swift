import Linalg
import MinimaCore
import MinimaData

/// The loss and error of a network on a data set (docs/theory.md §1):
/// `MSE = (1/N)·‖y − f(X)‖²`, `MCE` = fraction of samples on the wrong side of the threshold.
/// Real-valued targets have no threshold: their MCE and error count are nil (null in JSON).
public struct Metrics: Codable, Equatable, Sendable {
    public var mse: Double
    @NullWhenAbsent public var mce: Double?
    /// Number of misclassified samples (`MCE·N`).
    @NullWhenAbsent public var errors: Int?
    /// The smallest signed output `min_n y_n·f(x_n)` (`LabelClasses.signedOutput`; +∞ with no
    /// samples): above 0 exactly when no sample is wrong, and how far the closest one is from
    /// turning. nil (null in JSON) for real-valued targets, and when not measured.
    @NullWhenAbsent public var smallestSignedOutput: Double?

    package init(mse: Double, mce: Double?, errors: Int?, smallestSignedOutput: Double? = nil) {
        self.mse = mse
        self.mce = mce
        self.errors = errors
        self.smallestSignedOutput = smallestSignedOutput
    }
}

extension Metrics {
    /// MSE and MCE of the outputs `f` (one per sample) against `data`'s labels, accumulated in
    /// Double.
    public init<Scalar: LinalgScalar>(outputs f: [Scalar], on data: Dataset<Scalar>) {
        precondition(f.count == data.n, "\(f.count) outputs for \(data.n) samples")
        var sse = 0.0
        for n in 0..<data.n {
            let r = Double(data.y[n]) - Double(f[n])
            sse += r * r
        }
        let count = Double(Swift.max(1, data.n))
        let classes = data.coding.classes
        let errors = classes.map { classes in
            (0..<data.n).reduce(0) { $0 + (classes.isError(output: f[$1], label: data.y[$1]) ? 1 : 0) }
        }
        let smallest = classes.map { classes in
            (0..<data.n).reduce(Double.infinity) { Swift.min($0, classes.signedOutput(Double(f[$1]), label: Double(data.y[$1]))) }
        }
        self.init(mse: sse / count, mce: errors.map { Double($0) / count }, errors: errors, smallestSignedOutput: smallest)
    }
}

/// How close the weights are to the boundary of their differentiable region (docs/theory.md §2 and
/// §4, Figure 2): the margin `min_{l,i,n} |w_i^T h_n|` over every hidden pre-activation, and the
/// number of pre-activations that are exactly 0 (where the loss is not differentiable).
public struct PreactivationStatistics: Codable, Equatable, Sendable {
    public var minAbs: Double
    public var exactZeros: Int
}

extension Network {
    /// Samples per chunk when evaluating a whole data set (bounds the workspace's size).
    static var evaluationChunk: Int { 4096 }

    /// Runs `body` on consecutive chunks of the data set after a forward pass over each.
    func forEachChunk(_ data: Dataset<Scalar>, _ body: (Range<Int>, UnsafeMutablePointer<Scalar>, Workspace<Scalar>) -> Void) {
        let chunk = Swift.min(Network.evaluationChunk, Swift.max(1, data.n))
        let ws = Workspace<Scalar>(shape: shape, capacity: chunk)
        data.x.elements.withUnsafeBufferPointer { px in
            var start = 0
            while start < data.n {
                let rows = Swift.min(chunk, data.n - start)
                let f = forward(px.baseAddress! + start * data.d0, rows: rows, workspace: ws)
                body(start..<(start + rows), f, ws)
                start += rows
            }
        }
    }

    /// Network outputs `f(x_n)` for every sample.
    public func outputs(_ data: Dataset<Scalar>) -> [Scalar] {
        var out = [Scalar](repeating: 0, count: data.n)
        forEachChunk(data) { range, f, _ in
            for (k, n) in range.enumerated() { out[n] = f[k] }
        }
        return out
    }

    /// MSE and MCE on `data`, accumulated in Double.
    public func metrics(_ data: Dataset<Scalar>) -> Metrics { Metrics(outputs: outputs(data), on: data) }

    /// Margin and exact-zero count over every hidden pre-activation on `data`.
    public func preactivationStatistics(_ data: Dataset<Scalar>) -> PreactivationStatistics {
        var minAbs = Double.infinity
        var zeros = 0
        forEachChunk(data) { range, _, ws in
            for l in 0..<shape.depth {
                let pre = ws.preactivations[l]
                for k in 0..<(range.count * shape.hidden[l]) {
                    let u = abs(Double(pre[k]))
                    if u < minAbs { minAbs = u }
                    if u == 0 { zeros += 1 }
                }
            }
        }
        return PreactivationStatistics(minAbs: minAbs, exactZeros: zeros)
    }

    /// The gradient of the MSE over the whole data set (chunked back-propagation).
    public func gradient(_ data: Dataset<Scalar>) -> [Scalar] {
        var grad = [Scalar](repeating: 0, count: layout.count)
        let chunk = Swift.min(Network.evaluationChunk, Swift.max(1, data.n))
        let ws = Workspace<Scalar>(shape: shape, capacity: chunk)
        let scale = 1 / Scalar(data.n)
        data.x.elements.withUnsafeBufferPointer { px in
            data.y.withUnsafeBufferPointer { py in
                grad.withUnsafeMutableBufferPointer { pg in
                    var start = 0
                    while start < data.n {
                        let rows = Swift.min(chunk, data.n - start)
                        _ = sumOfSquaresAndGradient(px.baseAddress! + start * data.d0, py.baseAddress! + start,
                                                    rows: rows, scale: scale, gradient: pg.baseAddress!,
                                                    accumulate: start > 0, workspace: ws)
                        start += rows
                    }
                }
            }
        }
        return grad
    }

    /// The MSE alone (for finite-difference checks and line searches).
    public func mse(_ data: Dataset<Scalar>) -> Double { metrics(data).mse }
}
