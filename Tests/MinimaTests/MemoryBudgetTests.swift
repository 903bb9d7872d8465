import Foundation
import Testing
import Minima
@testable import MinimaCore

/// Sizes are multiplied without wrapping and checked against memory before anything is allocated.
/// (The process-wide limit is not changed here: tests run in parallel; the command-line tests
/// cover `--memory-limit`.)
@Suite("memory budget")
struct MemoryBudgetTests {
    @Test func productsAndSumsReportOverflow() {
        #expect(MemoryBudget.product(3, 4, 5) == 60)
        #expect(MemoryBudget.product([]) == 1)
        #expect(MemoryBudget.product(Int.max, 2) == nil)
        #expect(MemoryBudget.product(1 << 32, 1 << 31) == nil)
        #expect(MemoryBudget.product(1 << 31, 1 << 31) == 1 << 62)
        #expect(MemoryBudget.product(-1, 5) == nil)
        #expect(MemoryBudget.sum(1, 2, 3) == 6)
        #expect(MemoryBudget.sum(Int.max, 1) == nil)
        #expect(MemoryBudget.sum(1, nil) == nil)
    }

    @Test func physicalMemoryIsKnown() {
        #expect(MemoryBudget.physicalMemory > 1 << 26)
    }

    @Test func checkNamesWhatAndBothSizes() throws {
        try MemoryBudget.check(bytes: 1 << 20, what: "--n")
        let huge = 1 << 62
        #expect(throws: MinimaError.tooLarge(what: "--n", bytes: huge, available: MemoryBudget.available, limited: MemoryBudget.limit != nil)) {
            try MemoryBudget.check(bytes: huge, what: "--n")
        }
        do {
            try MemoryBudget.check(elements: MemoryBudget.product(1 << 40, 1 << 30), of: 8, what: "X.npy: shape [1099511627776, 1073741824]")
            Issue.record("an overflowing size passed")
        } catch let e as MinimaError {
            #expect(e.description.hasPrefix("X.npy: shape [1099511627776, 1073741824]: needs more bytes than a 64-bit size can count, more than the "))
            #expect(e.description.contains("available (physical memory)"))
        }
        #expect(MemoryBudget.describe(1536 << 20) == "1.5 GiB (1610612736 bytes)")
        #expect(MemoryBudget.describe(100) == "100 bytes")
    }
}
