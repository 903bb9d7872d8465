import Dispatch
import Foundation
import Linalg

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

    /// Evaluates `span` at every grid point with `workers` threads (the points are dealt out in
    /// turn; no BLAS is called per point). `progress(done, total)` is called after each point,
    /// from any worker.
    public static func evaluate<Scalar: LinalgScalar>(_ span: SliceSpan<Scalar>, alphas: [Double], betas: [Double] = [0],
                                                      workers: Int = 1,
                                                      progress: (@Sendable (Int, Int) -> Void)? = nil) -> SliceGrid {
        let total = alphas.count * betas.count
        let results = UnsafeMutableBufferPointer<SlicePoint>.allocate(capacity: total)
        defer { results.deallocate() }
        let counter = DoneCounter()
        let threads = Swift.max(1, Swift.min(workers, total))
        nonisolated(unsafe) let out = results
        DispatchQueue.concurrentPerform(iterations: threads) { w in
            var k = w
            while k < total {
                let p = span.point(alphas[k % alphas.count], betas[k / alphas.count])
                (out.baseAddress! + k).initialize(to: p)
                let done = counter.increment()
                progress?(done, total)
                k += threads
            }
        }
        return SliceGrid(alphas: alphas, betas: betas, points: Array(results))
    }

    /// The point at α index i, β index j.
    public subscript(i: Int, j: Int) -> SlicePoint { points[j * alphas.count + i] }
}

/// A thread-safe count of finished points.
final class DoneCounter: @unchecked Sendable {
    private var count = 0
    private let lock = NSLock()
    func increment() -> Int {
        lock.lock(); defer { lock.unlock() }
        count += 1
        return count
    }
}
