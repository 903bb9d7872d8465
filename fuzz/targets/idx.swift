import Foundation
import Minima
@testable import MinimaCore
@testable import MinimaData
@testable import MinimaModel
@testable import MinimaExperiments

/// IDX parsing (any dimension count, images, labels) and an MNIST split from two IDX files
/// (the input split at `@@`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    Fuzz.check { _ = try IDX.parse(bytes, path: "f") }
    let parts = Fuzz.parts(bytes)
    if parts.count == 2 {
        Fuzz.check {
            let images = try IDX.parse(parts[0], path: "images", dimensions: 3)
            let labels = try IDX.parse(parts[1], path: "labels", dimensions: 1)
            _ = try MNIST.split(images: images, imagePath: "images", labels: labels, labelPath: "labels")
        }
    }
    return 0
}
