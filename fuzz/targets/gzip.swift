import Foundation
import Minima
@testable import MinimaCore
@testable import MinimaData
@testable import MinimaModel
@testable import MinimaExperiments

/// gzip decompression: the output matches zlib's own view of the input or is refused.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGzip(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    Fuzz.check {
        let out = try Gzip.decompress(bytes, path: "f.gz", sizeLimit: 1 << 24)
        // A round trip through Minima's compressor reads back the same bytes.
        guard try Gzip.decompress(Gzip.compress(out), path: "g.gz") == out else { abort() }
    }
    return 0
}
