import Foundation
import Minima
@testable import MinimaCore
@testable import MinimaData
@testable import MinimaModel
@testable import MinimaExperiments

/// `.npy` parsing as Float and as Double.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNpy(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    Fuzz.check { let _: Npy.Array<Float> = try Npy.parse(Data(bytes), path: "f.npy") }
    Fuzz.check { let _: Npy.Array<Double> = try Npy.parse(Data(bytes), path: "f.npy") }
    return 0
}
