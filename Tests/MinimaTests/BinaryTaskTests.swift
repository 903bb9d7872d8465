import Foundation
import Linalg
import Testing
import Minima
@testable import MinimaData

@Suite struct BinaryTaskTests {
    let digits = (0..<10).map(String.init)

    @Test func classSpecs() throws {
        #expect(try ClassSplit.parse("0-4:5-9", classNames: digits) == ClassSplit(negative: [0, 1, 2, 3, 4], positive: [5, 6, 7, 8, 9]))
        #expect(try ClassSplit.parse("1,3,5:0,2", classNames: digits) == ClassSplit(negative: [1, 3, 5], positive: [0, 2]))
        #expect(try ClassSplit.parse("parity", classNames: digits) == ClassSplit(negative: [0, 2, 4, 6, 8], positive: [1, 3, 5, 7, 9]))
        #expect(try ClassSplit.parse("halves", classNames: digits) == ClassSplit.parse("0-4:5-9", classNames: digits))
        #expect(try ClassSplit.parse("3", classNames: digits) == ClassSplit(negative: [0, 1, 2, 4, 5, 6, 7, 8, 9], positive: [3]))
        #expect(try ClassSplit.parse("3:rest", classNames: digits) == ClassSplit(negative: [3], positive: [0, 1, 2, 4, 5, 6, 7, 8, 9]))
        #expect(try ClassSplit.parse("cat:dog,horse", classNames: CIFAR10.classNames) == ClassSplit(negative: [3], positive: [5, 7]))
        // A name with a dash is a name, not a range.
        #expect(try ClassSplit.parse("T-shirt/top:Trouser", classNames: MNIST.fashionNames) == ClassSplit(negative: [0], positive: [1]))
    }

    /// 20 images of classes 0…9 (two each), a 3:7 task, random labels, limit and 0/1 coding.
    @Test func labelsSubsetAndCoding() throws {
        let folder = TemporaryFolder(); defer { folder.cleanup() }
        let train = TestImages.set(count: 20, channels: 1, height: 2, width: 3, classes: 10)
        TestImages.writeMNIST(train, TestImages.set(count: 10, channels: 1, height: 2, width: 3, classes: 10), into: folder, gzip: true)
        var spec = TestImages.mnistSpec(folder)
        spec.classes = "3:7"
        spec.labels = .zeroOne
        let (data, report) = try spec.loadWithReport(as: Double.self)
        #expect(data.n == 4)               // images 3, 7, 13, 17
        #expect(data.y == [0, 1, 0, 1])
        #expect(data.x[2, 0] == Double((7 * 13 + 3)) / 255)
        #expect(report.negatives == 2 && report.positives == 2)
        spec.classes = nil
        spec.randomLabels = true
        spec.labels = .plusMinusOne
        spec.limit = 12
        spec.seed = 5
        let random: Dataset<Float> = try spec.load()
        #expect(random.n == 12)
        #expect(random.y.allSatisfy { $0 == 1 || $0 == -1 })
        #expect(Set(random.y).count == 2)
        let again: Dataset<Float> = try spec.load()
        #expect(again.x == random.x && again.y == random.y)  // seeded
        spec.seed = 6
        let other: Dataset<Float> = try spec.load()
        #expect(other.x != random.x || other.y != random.y)
        spec.limit = 21
        #expect(minimaError { _ = try spec.load(as: Float.self) } == "data.limit: asks for 21 samples but the task has 20")
    }
}

@Suite struct DataSpecCodingTests {
    /// A hand-written spec names only some fields; the rest take their defaults, and a full spec
    /// survives a JSON round trip (run records rebuild the data from it).
    @Test func partialAndRoundTrip() throws {
        let json = #"{"source": "cifar10", "path": "/d", "classes": "0-4:5-9", "preprocessing": {"zca": true}}"#
        let spec = try JSONDecoder().decode(DataSpec.self, from: Data(json.utf8))
        #expect(spec.source == .cifar10 && spec.path == "/d" && spec.classes == "0-4:5-9")
        #expect(spec.preprocessing.zca && spec.preprocessing.zcaEpsilon == 1e-5 && spec.preprocessing.pool == 1)
        #expect(spec.cache && !spec.mergeTest && spec.labels == .plusMinusOne)
        var full = spec
        full.limit = 7; full.randomLabels = true; full.preprocessing.project = 30; full.cacheDirectory = "/c"
        let again = try JSONDecoder().decode(DataSpec.self, from: JSONEncoder().encode(full))
        #expect(again == full)
    }
}
