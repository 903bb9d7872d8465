import Foundation
import Testing
@testable import Minima

@Suite("VolumeStudy")
struct VolumeStudyTests {
    @Test func shapesFollowTheAssumptions() {
        let c = VolumeStudy.Configuration()
        // d0 = max(2, round(√N)), d1 = ⌈2N/d0⌉
        #expect(c.shape(n: 8) == (3, 6))
        #expect(c.shape(n: 16) == (4, 8))
        #expect(c.shape(n: 20) == (4, 10))
        #expect(c.shape(n: 2) == (2, 2))
    }

    @Test func tinyStudyRunsAndRoundTrips() throws {
        var c = VolumeStudy.Configuration()
        c.sizes = [5, 6]
        c.samples = 40
        c.dataSeeds = 2
        c.threads = 2
        let r = try VolumeStudy.run(c)
        #expect(r.points.map(\.n) == [5, 6])
        for p in r.points {
            #expect(p.volumes.pooled.total == 80)
            #expect(p.volumes.perSeed.count == 2)
            let g = p.volumes.estimates.first { $0.quantity == "V(G)" }!.value
            #expect(g.trials == 80 && g.lower <= g.estimate && g.estimate <= g.upper)
            #expect(p.ratios.count == 3 && p.ratios[0].exponent == nil && p.ratios[1].exponent! > 0)
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("minima-study-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try VolumeRecord.writeJSON(r, to: folder + "/study.json")
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let back = try decoder.decode(VolumeStudy.Result.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/study.json")))
        #expect(back.points.count == 2 && back.configuration == c)
    }

    @Test func rejectsBadConfigurations() {
        var c = VolumeStudy.Configuration()
        c.sizes = [1]
        #expect(throws: MinimaError.self) { try VolumeStudy.run(c) }
        c = VolumeStudy.Configuration()
        c.epsilons = [1.5]
        #expect(throws: MinimaError.self) { try VolumeStudy.run(c) }
    }
}
