import Dispatch
import Foundation
import Linalg
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining

/// A slice evaluated on a grid: every α of `alphas` on a line, or every (α, β) of
/// `alphas × betas` on a plane (`betas = [0]` on a line). Points are stored with α varying
/// fastest: point (i, j) is `points[j·alphas.count + i]`.
public struct SliceGrid: Sendable {
    public var alphas: [Double]
    public var betas: [Double]
    public var points: [SlicePoint]

    /// `count` evenly spaced values from `range.lowerBound` to `range.upperBound` (both included).
    public static func values(_ range: ClosedRange<Double>, count: Int) -> [Double] {
        guard count > 1 else { return [range.lowerBound] }
        let step = (range.upperBound - range.lowerBound) / Double(count - 1)
        return (0..<count).map { k in k == count - 1 ? range.upperBound : range.lowerBound + Double(k) * step }
    }

    /// Evaluates `span` at every grid point with `workers` threads, each taking every
    /// `workers`-th point and running `SliceSpan.points` on them (no BLAS is called per point).
    /// `progress` is called as blocks of samples finish, from any worker, counting points.
    public static func evaluate<Scalar: LinalgScalar>(_ span: SliceSpan<Scalar>, alphas: [Double], betas: [Double] = [0],
                                                      workers: Int = 1,
                                                      progress: ProgressHandler? = nil) -> SliceGrid {
        let total = alphas.count * betas.count
        let threads = Swift.max(1, Swift.min(workers, total))
        let shares = (0..<threads).map { w in Array(stride(from: w, to: total, by: threads)) }
        let results = UnsafeMutableBufferPointer<SlicePoint>.allocate(capacity: total)
        defer { results.deallocate() }
        let tracker = ProgressTracker(workers: threads)
        let clock = ContinuousClock()
        let start = clock.now
        nonisolated(unsafe) let out = results
        DispatchQueue.concurrentPerform(iterations: threads) { w in
            let share = shares[w]
            let coordinates = share.map { (alphas[$0 % alphas.count], betas[$0 / alphas.count]) }
            let points = span.points(coordinates) { fraction in
                let done = tracker.update(worker: w, points: Double(share.count) * fraction)
                progress?(ProgressEvent(.point, done: done, of: total, elapsed: (clock.now - start).inSeconds))
            }
            for (k, index) in share.enumerated() { (out.baseAddress! + index).initialize(to: points[k]) }
        }
        return SliceGrid(alphas: alphas, betas: betas, points: Array(results))
    }

    /// The point at α index i, β index j.
    public subscript(i: Int, j: Int) -> SlicePoint { points[j * alphas.count + i] }
}

/// The points each worker has finished, summed across workers (thread-safe).
final class ProgressTracker: @unchecked Sendable {
    private var done: [Double]
    private let lock = NSLock()
    init(workers: Int) { done = [Double](repeating: 0, count: workers) }
    func update(worker: Int, points: Double) -> Int {
        lock.lock(); defer { lock.unlock() }
        done[worker] = points
        return Int(done.reduce(0, +).rounded(.down))
    }
}
