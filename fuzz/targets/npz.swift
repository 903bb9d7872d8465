import Foundation
@testable import MinimaCore
@testable import MinimaData
@testable import MinimaModel
@testable import MinimaExperiments

/// `.npz` archives: the zip directory, every member's contents (stored or inflated), and the
/// arrays X and y read as a data set from the archive as a file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNpz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    Fuzz.check {
        let zip = try Zip(bytes, path: "f.npz")
        for entry in zip.entries {
            let contents = try zip.contents(entry)
            guard contents.count == entry.size else { abort() }
        }
    }
    let file = Fuzz.write(bytes, "data.npz")
    Fuzz.check { let _: Dataset<Float> = try Dataset.load(x: file) }
    return 0
}
