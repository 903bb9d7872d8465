import Foundation
import Minima
@testable import MinimaCore
@testable import MinimaData
@testable import MinimaModel
@testable import MinimaExperiments

/// What every fuzz target shares: parsers may only return or throw a `MinimaError`; any other
/// error is a finding (the process aborts, and libFuzzer keeps the input). Sizes are checked
/// against a 1 GiB memory budget, so an allocation libFuzzer's 2 GiB limit catches is a size
/// that escaped its check.
enum Fuzz {
    static let setUp: Void = { MemoryBudget.limit = 1 << 30 }()

    /// The input as bytes.
    static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        _ = setUp
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// Runs `body`; a thrown error other than `MinimaError` aborts.
    static func check(_ body: () throws -> Void) {
        do { try body() } catch is MinimaError { } catch {
            fputs("fuzz: not a MinimaError: \(error)\n", stderr)
            abort()
        }
    }

    /// A folder of this process for targets that read files.
    static let folder: String = {
        let path = NSTemporaryDirectory() + "minima-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// Writes `bytes` to `name` in `folder` and returns its path.
    static func write(_ bytes: [UInt8], _ name: String) -> String {
        let path = folder + "/" + name
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    /// `bytes` split at each `@@` (the targets that read several files).
    static func parts(_ bytes: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = [[]]
        var i = 0
        while i < bytes.count {
            if i + 1 < bytes.count && bytes[i] == UInt8(ascii: "@") && bytes[i + 1] == UInt8(ascii: "@") {
                out.append([]); i += 2
            } else {
                out[out.count - 1].append(bytes[i]); i += 1
            }
        }
        return out
    }
}
