import Foundation
import Minima
@testable import MinimaCore
@testable import MinimaData
@testable import MinimaModel
@testable import MinimaExperiments

/// Tar archives: the reader, every entry's contents, the image-folder layout of an archive,
/// and CIFAR-10 read from an archive file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTar(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    Fuzz.check {
        let tar = try Tar(bytes, path: "f.tar")
        for entry in tar.entries { _ = tar.contents(entry) }
        Fuzz.check { _ = try ImageFolder.archiveLayout(tar, path: "f.tar") }
    }
    let file = Fuzz.write(bytes, "cifar.tar")
    Fuzz.check { _ = try CIFAR10.load(at: file) }
    return 0
}
