import Foundation
import Minima
@testable import MinimaCore
@testable import MinimaData
@testable import MinimaModel
@testable import MinimaExperiments

/// Weights folders: the first two bytes choose d0 and the hidden widths (one or two layers,
/// with or without biases); the rest, split at `@@`, are the folder's `.npy` files in the
/// order `WeightFiles` lists them for that shape. Loaded as Float and as Double, and hashed.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWeights(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    guard bytes.count >= 2 else { return 0 }
    let d0 = 1 + Int(bytes[0] % 8), d1 = 1 + Int(bytes[1] % 8)
    let depth = 1 + Int(bytes[1] >> 3 & 1), bias = bytes[1] >> 4 & 1 == 1
    let shape = NetworkShape(d0: d0, hidden: Array(repeating: d1, count: depth), bias: bias)
    let folder = Fuzz.folder + "/weights"
    try? FileManager.default.removeItem(atPath: folder)
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let files = Fuzz.parts(Array(bytes.dropFirst(2)))
    for (entry, contents) in zip(WeightFiles.entries(shape), files) {
        FileManager.default.createFile(atPath: folder + "/" + entry.name, contents: Data(contents))
    }
    Fuzz.check { let _: Network<Float> = try WeightFiles.load(shape, from: folder) }
    Fuzz.check { let _: Network<Double> = try WeightFiles.load(shape, from: folder) }
    Fuzz.check { _ = try WeightFiles.checksum(of: shape, in: folder) }
    return 0
}
