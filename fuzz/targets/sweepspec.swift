import Foundation
import Minima
@testable import MinimaCore
@testable import MinimaData
@testable import MinimaModel
@testable import MinimaExperiments

/// Sweep specs: JSON parsing, field checks and the grid's expansion into runs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSweepSpec(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    Fuzz.check { _ = try SweepSpec.parse(Data(bytes), file: "spec.json") }
    return 0
}
