import Foundation
import Testing
import Minima
@testable import MinimaCore
@testable import MinimaVolume

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
            let g = p.volumes.estimates.estimate(of: .global)!
            #expect(g.trials == 80 && g.lower <= g.estimate && g.estimate <= g.upper)
            #expect(p.ratios.count == 3 && p.ratios[0].exponent == nil && p.ratios[1].exponent! > 0)
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("minima-study-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try RecordJSON.write(r, to: folder + "/study.json")
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let back = try decoder.decode(VolumeStudy.Result.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/study.json")))
        #expect(back.points.count == 2 && back.configuration == c)
    }

    @Test func trendIsTheLeastSquaresSlope() {
        // Two sizes: ln V at exponents 1 and 2 is ln 0.1 and ln 0.01: slope −ln 10.
        func point(_ n: Int, _ exponent: Double, hits: Int) -> VolumeStudy.Point {
            var tally = AngularVolume(epsilons: [0.1])
            tally.total = 100
            tally.lossAbove = [Double(hits)]
            let avg = MonteCarloVolume.DataAverage(dataSeeds: [0], perSeed: [], pooled: tally,
                                                   estimates: MonteCarloVolume.estimates(tally, confidence: 0.95),
                                                   resolution: 0, regionsClassified: 0, seconds: 1, regionsPerSecond: 0)
            return VolumeStudy.Point(n: n, d0: 2, d1: 2, volumes: avg,
                                     ratios: [.init(epsilon: 0.1, estimate: 0, lower: 0, upper: 0, exponent: exponent)],
                                     regionsPerSecond: 0, drawsPerSecond: 0, seconds: 1)
        }
        let t = VolumeStudy.trends([point(4, 1, hits: 10), point(8, 2, hits: 1), point(16, 3, hits: 0)], epsilons: [0.1])
        #expect(t.count == 1 && t[0].sizes == [4, 8])
        #expect(abs(t[0].slope! + log(10)) < 1e-12)
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
