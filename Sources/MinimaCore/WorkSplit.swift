import Dispatch

/// Contiguous shares of `count` items for `workers` workers, correct for any worker count:
/// worker k gets `[k·s, (k+1)·s)` clipped to `0..<count`, with `s = ⌈count/workers⌉`; the
/// workers past the end get empty ranges (never a lower bound above its upper one).
public enum WorkSplit {
    /// Worker `k`'s share (k in `0..<workers`).
    public static func share(_ k: Int, of count: Int, workers: Int) -> Range<Int> {
        let workers = max(1, workers)
        let size = count / workers + (count % workers == 0 ? 0 : 1)
        let (start, overflow) = k.multipliedReportingOverflow(by: size)
        let lower = overflow ? count : min(count, start)
        return lower..<(size >= count - lower ? count : lower + size)
    }

    /// Calls `body(k, share)` for each of `workers` workers concurrently (on the calling
    /// thread when there is one); every item is in exactly one share.
    public static func perform(count: Int, workers: Int, _ body: @Sendable (Int, Range<Int>) -> Void) {
        let workers = max(1, workers)
        guard workers > 1 else { return body(0, 0..<count) }
        DispatchQueue.concurrentPerform(iterations: workers) { k in body(k, share(k, of: count, workers: workers)) }
    }
}
