import Dispatch
import Linalg
import MinimaCore
import MinimaData
import MinimaModel

/// The gradient of a batch's MSE computed by several workers at once: the batch's rows are
/// split into contiguous shares, each worker back-propagates its share (through a fused kernel
/// that reads the rows in place, or with a one-thread BLAS on rows it gathers) into its own
/// buffers, and the shares' gradients are summed.
///
/// Splitting the data between cores beats letting OpenBLAS thread each GEMM: the matrices of
/// these networks are skinny (d1 ≪ d0, N), where OpenBLAS's threading costs more than it saves,
/// and each worker also gathers its own minibatch rows, so the copy is parallel too.
/// The result does not depend on timing: the shares are fixed and summed in a fixed order
/// (it does depend on the number of workers, through floating-point rounding).
final class ParallelGradient<Scalar: LinalgScalar>: @unchecked Sendable {
    package let workers: Int
    package let count: Int
    private let d0: Int
    private let workspaces: [Workspace<Scalar>]
    // One buffer of each kind per worker, allocated once; the arrays of pointers are never
    // mutated, so workers only read them and write into their own buffers.
    private let gradients: [UnsafeMutablePointer<Scalar>]
    private let batchX: [UnsafeMutablePointer<Scalar>]
    private let batchY: [UnsafeMutablePointer<Scalar>]
    private let sums: UnsafeMutablePointer<Scalar>

    /// Multiply-adds of one share below which splitting costs more than it saves (measured on
    /// the Figure-1 size, N = 400, d0 = 20, d1 = 40: 320 thousand multiply-adds a pass ran in
    /// 65 µs an epoch on one core and 100 µs split over two).
    static var minimumShareWork: Int { 1 << 20 }

    /// Workers for batches of up to `capacity` rows: `requested`, or fewer when a share would
    /// hold fewer than `minimumShareWork` multiply-adds of the forward pass (small problems are
    /// faster on one core; 0: exactly `requested`, as tests use it).
    package init(shape: NetworkShape, capacity: Int, workers requested: Int, gathers: Bool,
                 minimumShareWork: Int = ParallelGradient.minimumShareWork) {
        let widths = shape.widths
        let perRow = (0..<shape.depth).reduce(widths[shape.depth]) { $0 + widths[$1] * widths[$1 + 1] }
        let work = capacity.multipliedReportingOverflow(by: perRow)
        let w = max(1, work.overflow || minimumShareWork <= 0 ? requested : min(requested, work.partialValue / minimumShareWork))
        workers = w
        count = ParameterLayout(shape).count
        d0 = shape.d0
        let share = (capacity + w - 1) / w
        func buffer(_ n: Int) -> UnsafeMutablePointer<Scalar> {
            let p = UnsafeMutablePointer<Scalar>.allocate(capacity: max(1, n))
            p.initialize(repeating: 0, count: max(1, n))
            return p
        }
        workspaces = (0..<w).map { _ in Workspace(shape: shape, capacity: share) }
        gradients = (0..<w).map { _ in buffer(ParameterLayout(shape).count) }
        // A fused kernel reads minibatch rows in place; the BLAS path gathers them.
        let gatherBuffers = gathers && workspaces[0].kernel == nil
        batchX = gatherBuffers ? (0..<w).map { _ in buffer(share * shape.d0) } : []
        batchY = gatherBuffers ? (0..<w).map { _ in buffer(share) } : []
        sums = buffer(w)
    }

    deinit {
        for p in gradients + batchX + batchY { p.deallocate() }
        sums.deallocate()
    }

    /// Rows `[lower, upper)` of worker `k`'s share of `rows` rows.
    private func share(_ k: Int, of rows: Int) -> Range<Int> {
        WorkSplit.share(k, of: rows, workers: workers)
    }

    /// Sum of squared residuals over the batch, with the gradient of the batch MSE written to
    /// `gradient`. The batch is the rows `order[start..<start+rows]` of `x`/`y` when `order` is
    /// given (gathered into contiguous buffers), else the contiguous rows from `start`.
    package func compute(network: Network<Scalar>, x: UnsafePointer<Scalar>, y: UnsafePointer<Scalar>,
                 order: UnsafePointer<Int>?, start: Int, rows: Int,
                 gradient: UnsafeMutablePointer<Scalar>) -> Scalar {
        let scale = 1 / Scalar(rows)
        let d0 = self.d0
        // The workers read x, y and order and write only their own buffers (see above).
        nonisolated(unsafe) let x = x, y = y, order = order
        let work = { @Sendable (k: Int) in
            let range = self.share(k, of: rows)
            let g = self.gradients[k]
            guard !range.isEmpty else {
                self.sums[k] = 0
                g.update(repeating: 0, count: self.count)
                return
            }
            let n = range.count
            if let order, self.workspaces[k].kernel != nil {
                // The fused kernel reads the rows in place: X is read once per step.
                self.sums[k] = network.sumOfSquaresAndGradient(x, y, order: order + start + range.lowerBound, rows: n,
                                                               scale: scale, gradient: g, workspace: self.workspaces[k])
            } else if let order {
                let bx = self.batchX[k], by = self.batchY[k]
                for r in 0..<n {
                    let i = order[start + range.lowerBound + r]
                    (bx + r * d0).update(from: x + i * d0, count: d0)
                    by[r] = y[i]
                }
                self.sums[k] = network.sumOfSquaresAndGradient(bx, by, rows: n, scale: scale, gradient: g,
                                                               workspace: self.workspaces[k])
            } else {
                let first = start + range.lowerBound
                self.sums[k] = network.sumOfSquaresAndGradient(x + first * d0, y + first, rows: n, scale: scale,
                                                               gradient: g, workspace: self.workspaces[k])
            }
        }
        if workers == 1 {
            work(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: workers, execute: work)
        }
        gradient.update(from: gradients[0], count: count)
        var total = sums[0]
        for k in 1..<workers {
            Scalar.axpy(count, 1, gradients[k], 1, gradient, 1)
            total += sums[k]
        }
        return total
    }
}
