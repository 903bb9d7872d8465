import Testing
import Linalg

@Suite("Random streams")
struct RandomStreamTests {
    @Test("no two purposes share a stream id, indexed ranges included, and none uses stream 0")
    func purposesAreDisjoint() {
        let all = RandomStream.allCases
        #expect(all.count == 13)
        for (i, a) in all.enumerated() {
            #expect(a.count >= 1)
            #expect(!a.ids.contains(0), "\(a) uses stream 0, the stream of SeededGenerator(seed:)")
            for b in all[(i + 1)...] {
                #expect(!a.ids.overlaps(b.ids), "\(a) \(a.ids) and \(b) \(b.ids) share ids")
            }
        }
        // The documented ranges: two slice directions, 2³² Monte Carlo blocks.
        #expect(RandomStream.sliceDirections.ids == 100..<102)
        #expect(RandomStream.volumeBlocks.ids == (1 << 32)..<(1 << 33))
        #expect(RandomStream.volumeBlocks.id(Int(UInt32.max)) == (1 << 33) - 1)
        #expect(RandomStream.batchOrder.id() == 5 && RandomStream.subset.id() == 12)
    }

    @Test("Gaussian data keep their stream ids (inputs 1, labels 2, teacher 3), so X and y stay the same")
    func dataIdsArePinned() {
        #expect(RandomStream.gaussianInputs.id() == 1)
        #expect(RandomStream.gaussianLabels.id() == 2)
        #expect(RandomStream.teacherWeights.id() == 3)
        #expect(RandomStream.initialWeights.id() == 4)
    }

    @Test("a purpose's generator is the generator of its id, and every purpose and index draws its own numbers")
    func generatorsFollowTheIds() {
        var a = SeededGenerator(seed: 3, stream: .volumeBlocks, index: 7)
        var b = SeededGenerator(seed: 3, streamID: (1 << 32) + 7)
        #expect((0..<8).map { _ in a.next() } == (0..<8).map { _ in b.next() })
        var first = Set<UInt64>()
        var streams = 0
        for purpose in RandomStream.allCases {
            for index in Set([0, Int(purpose.count - 1)]) {
                var g = SeededGenerator(seed: 3, stream: purpose, index: index)
                first.insert(g.next())
                streams += 1
            }
        }
        var plain = SeededGenerator(seed: 3)
        first.insert(plain.next())
        #expect(first.count == streams + 1)
    }
}
