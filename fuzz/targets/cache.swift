import Foundation
import Minima
@testable import MinimaCore
@testable import MinimaData
@testable import MinimaModel
@testable import MinimaExperiments

/// Dataset cache entries: a damaged entry is a miss, never a crash or a wrong data set.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCache(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    let cache = DatasetCache(folder: Fuzz.folder)
    let key = "fuzz"
    FileManager.default.createFile(atPath: cache.path(forKey: key), contents: Data(bytes))
    if case .success(let (data, _)) = cache.read(key: key, coding: .plusMinusOne, as: Float.self) {
        guard data.x.rows == data.y.count, data.x.elements.count == data.x.rows * data.x.columns else { abort() }
    }
    _ = cache.read(key: key, coding: .zeroOne, as: Double.self)
    return 0
}
