import Dispatch
import Linalg

/// Splits the rows of a big matrix between one worker per BLAS thread, each running a
/// one-thread BLAS on its contiguous share (for tall-skinny GEMMs this beats OpenBLAS's own
/// threading, as in training). BLAS's thread count is restored afterwards.
package enum RowWorkers {
    /// The workers `run` uses for `rows` rows: one per BLAS thread (or `requested`), fewer when
    /// shares would be smaller than `minimumRows` (one worker for small matrices).
    package static func count(rows: Int, requested: Int? = nil, minimumRows: Int = 256) -> Int {
        max(1, min(requested ?? BLASEnvironment.threads, rows / max(1, minimumRows)))
    }

    /// Calls `body(worker, rows)` for each worker's share of `0..<rows`, concurrently.
    package static func run(rows: Int, workers requested: Int? = nil, minimumRows: Int = 256, _ body: @Sendable (Int, Range<Int>) -> Void) {
        let workers = count(rows: rows, requested: requested, minimumRows: minimumRows)
        // One worker: the calling thread, with BLAS's own threads (and its setting untouched).
        guard workers > 1 else { return body(0, 0..<rows) }
        BLASEnvironment.withThreads(1) { WorkSplit.perform(count: rows, workers: workers, body) }
    }
}
