import Foundation

/// How many bytes one allocation may ask for: the machine's physical memory, unless a limit was
/// set (the command line's `--memory-limit`). Sizes that come from flags or from the headers of
/// files are multiplied with overflow-checked arithmetic (`product`) and checked here before
/// anything is allocated, so a size that cannot fit fails with one line naming it instead of a
/// crash, a hang or a swap storm.
public enum MemoryBudget {
    /// The machine's physical memory in bytes.
    public static var physicalMemory: Int { Int(clamping: ProcessInfo.processInfo.physicalMemory) }

    /// A limit below or above physical memory; nil: physical memory.
    public static var limit: Int? {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }

    /// The bytes one allocation may take now.
    public static var available: Int { limit ?? physicalMemory }

    /// `a · b · …`, or nil when the product overflows `Int` or a factor is negative.
    public static func product(_ factors: Int...) -> Int? { product(factors) }

    /// `factors` multiplied, or nil when the product overflows `Int` or a factor is negative.
    public static func product(_ factors: [Int]) -> Int? {
        var p = 1
        for f in factors {
            guard f >= 0 else { return nil }
            let (q, overflow) = p.multipliedReportingOverflow(by: f)
            if overflow { return nil }
            p = q
        }
        return p
    }

    /// `a + b + …`, or nil when a term is nil or negative or the sum overflows.
    public static func sum(_ terms: Int?...) -> Int? {
        var s = 0
        for t in terms {
            guard let t, t >= 0 else { return nil }
            let (u, overflow) = s.addingReportingOverflow(t)
            if overflow { return nil }
            s = u
        }
        return s
    }

    /// Throws `MinimaError.tooLarge` naming `what` unless `bytes` (nil: a size that overflowed)
    /// fits in what is available.
    public static func check(bytes: Int?, what: String) throws {
        let available = self.available
        guard let bytes, bytes <= available else {
            throw MinimaError.tooLarge(what: what, bytes: bytes, available: available, limited: limit != nil)
        }
    }

    /// Checks an array of `count` elements (nil: overflowed) of `elementSize` bytes each.
    public static func check(elements count: Int?, of elementSize: Int, what: String) throws {
        try check(bytes: count.flatMap { product($0, elementSize) }, what: what)
    }

    /// A byte count for people: "1.5 GiB (1610612736 bytes)".
    public static func describe(_ bytes: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(bytes), k = 0
        while value >= 1024 && k < units.count - 1 { value /= 1024; k += 1 }
        return k == 0 ? "\(bytes) bytes" : String(format: "%.1f %@ (%lld bytes)", value, units[k], Int64(bytes))
    }

    private static let storage = LockedValue<Int?>(nil)
}

/// A value behind a lock, for the few process-wide settings and counters shared by workers.
package final class LockedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    package init(_ value: Value) { self.value = value }
    package func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body(&value)
    }
}
