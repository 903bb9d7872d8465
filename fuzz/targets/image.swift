import Foundation
import Minima
@testable import MinimaCore
@testable import MinimaData
@testable import MinimaModel
@testable import MinimaExperiments

/// PNG and JPEG decoding through Minima's wrappers of libpng and TurboJPEG, in the file's own
/// channels and converted to grey and to RGB.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    for channels in [nil, 1, 3] as [Int?] {
        Fuzz.check {
            let image = try ImageDecoder.decode(bytes, path: "f", channels: channels)
            guard image.pixels.count == image.channels * image.height * image.width else { abort() }
        }
    }
    return 0
}
