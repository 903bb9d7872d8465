import Foundation
import Testing
import Minima

@Suite struct DatasetCacheTests {
    @Test func hitStaleCorruptAndBypass() throws {
        let folder = TemporaryFolder(); defer { folder.cleanup() }
        let train = TestImages.set(count: 30, channels: 1, height: 3, width: 3, classes: 10)
        TestImages.writeMNIST(train, train, into: folder, gzip: true)
        var spec = TestImages.mnistSpec(folder)
        spec.cache = true
        spec.cacheDirectory = folder.path + "/cache"
        spec.preprocessing.standardize = true
        let (first, r1) = try spec.loadWithReport(as: Float.self)
        #expect(r1.cache.hasPrefix("written "))
        let (second, r2) = try spec.loadWithReport(as: Float.self)
        #expect(r2.cache.hasPrefix("hit "))
        #expect(second.x == first.x && second.y == first.y)
        #expect(r2.splits == r1.splits)
        // Another seed reads the same entry unless something uses the seed.
        spec.seed = 99
        #expect(try spec.loadWithReport(as: Float.self).report.cache == r2.cache)
        spec.limit = 10
        #expect(try spec.loadWithReport(as: Float.self).report.cache.hasPrefix("written "))
        spec.limit = nil
        spec.seed = 0
        // Another precision or option is another entry.
        #expect(try spec.loadWithReport(as: Double.self).report.cache.hasPrefix("written "))
        // Corrupt the payload: detected by the checksum and rebuilt.
        let entry = String(r2.cache.dropFirst(4))
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: entry)))
        bytes[bytes.count - 3] ^= 0x55
        FileManager.default.createFile(atPath: entry, contents: Data(bytes))
        let r3 = try spec.loadWithReport(as: Float.self).report
        #expect(r3.cache == "written \(entry) (replaced a stale entry: checksum mismatch)")
        // Truncate it.
        FileManager.default.createFile(atPath: entry, contents: Data(bytes.prefix(bytes.count / 2)))
        #expect(try spec.loadWithReport(as: Float.self).report.cache.contains("stale entry: truncated"))
        // A changed source file (new size) is another key: a fresh entry.
        let changed = TestImages.set(count: 31, channels: 1, height: 3, width: 3, classes: 10)
        TestImages.writeMNIST(changed, train, into: folder, gzip: true)
        let (rebuilt, r4) = try spec.loadWithReport(as: Float.self)
        #expect(r4.cache.hasPrefix("written ") && rebuilt.n == 31)
        // --no-cache neither reads nor writes.
        spec.cache = false
        #expect(try spec.loadWithReport(as: Float.self).report.cache == "off")
    }
}
