import Foundation
@testable import MinimaCore
@testable import MinimaData
@testable import MinimaModel
@testable import MinimaExperiments

/// safetensors files: parsed as Float and as Double, mapped to a network by its tensor names,
/// and (when they map) written and read back to the same parameters.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    Fuzz.check { let _: SafeTensors.Contents<Float> = try SafeTensors.parse(bytes, path: "f.safetensors") }
    Fuzz.check {
        let contents: SafeTensors.Contents<Double> = try SafeTensors.parse(bytes, path: "f.safetensors")
        let net = try WeightTensors.network(contents, path: "f.safetensors", slope: 0)
        let again: SafeTensors.Contents<Double> = try SafeTensors.parse(SafeTensors.encode(WeightTensors.tensors(net)), path: "g.safetensors")
        guard try WeightTensors.network(again, path: "g.safetensors", slope: 0).parameters == net.parameters else { abort() }
    }
    return 0
}
