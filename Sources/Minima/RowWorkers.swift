import Dispatch
import Linalg

/// Splits the rows of a big matrix between one worker per BLAS thread, each running a
/// one-thread BLAS on its contiguous share (for tall-skinny GEMMs this beats OpenBLAS's own
/// threading, as in training). BLAS's thread count is restored afterwards.
enum RowWorkers {
    /// Calls `body(worker, rows)` for each worker's share of `0..<rows`, concurrently; shares
    /// smaller than `minimumRows` are merged (one worker for small matrices).
    static func run(rows: Int, minimumRows: Int = 256, _ body: @Sendable (Int, Range<Int>) -> Void) {
        let threads = BLASEnvironment.threads
        let workers = max(1, min(threads, rows / max(1, minimumRows)))
        let share = (rows + workers - 1) / workers
        BLASEnvironment.setThreads(1)
        defer { BLASEnvironment.setThreads(threads) }
        DispatchQueue.concurrentPerform(iterations: workers) { k in
            body(k, min(rows, k * share)..<min(rows, (k + 1) * share))
        }
    }
}
