import Foundation
import Linalg
import Testing
import Minima
@testable import MinimaCore
@testable import MinimaData
@testable import MinimaModel
@testable import MinimaTraining
@testable import MinimaVolume

/// Every work splitter, with 1, 3, 8 and 64 workers on fewer items than workers (and more):
/// each item is handled exactly once, nothing traps, and the result is the one-worker result.
@Suite("work splitting")
struct WorkSplitTests {
    static let workerCounts = [1, 3, 8, 64]

    @Test func sharesCoverEachItemOnce() {
        for workers in WorkSplitTests.workerCounts {
            for count in [0, 1, 2, 5, 7, 63, 64, 65, 200] {
                var seen = [Int](repeating: 0, count: count)
                for k in 0..<workers {
                    let r = WorkSplit.share(k, of: count, workers: workers)
                    #expect(r.lowerBound <= r.upperBound && r.upperBound <= count)
                    for i in r { seen[i] += 1 }
                }
                #expect(seen.allSatisfy { $0 == 1 }, "\(count) items over \(workers) workers")
            }
        }
        // Near Int.max the share size does not overflow.
        #expect(WorkSplit.share(0, of: .max, workers: 3).upperBound == Int.max / 3 + 1)
        #expect(WorkSplit.share(2, of: .max, workers: 3).upperBound == .max)
    }

    @Test(arguments: workerCounts)
    func performVisitsEveryItemOnce(_ workers: Int) {
        let counter = Counter(count: 2)
        WorkSplit.perform(count: 2, workers: workers) { _, share in for i in share { counter.add(i) } }
        #expect(counter.values == [1, 1])
    }

    /// Two images on up to 64 workers: the range of a worker past the end once trapped.
    @Test(arguments: workerCounts)
    func imageDecodingOnMoreWorkersThanImages(_ workers: Int) throws {
        let images = (0..<2).map { i in
            ImageDecoder.Image(channels: 1, height: 3, width: 2, pixels: (0..<6).map { UInt8(10 * i + $0) })
        }
        let encoded = images.map(ImageDecoder.encodePNG)
        let decoded = try ImageFolder.decodeAll(count: 2, workers: workers, name: { "image \($0)" }, read: { encoded[$0] })
        #expect(decoded.pixels == images[0].pixels + images[1].pixels)
        #expect(decoded.height == 3 && decoded.width == 2 && decoded.channels == 1)
    }

    @Test(arguments: workerCounts)
    func rowWorkersOnMoreWorkersThanRows(_ workers: Int) {
        let counter = Counter(count: 5)
        RowWorkers.run(rows: 5, workers: workers, minimumRows: 1) { _, range in for i in range { counter.add(i) } }
        #expect(counter.values == [1, 1, 1, 1, 1])
        // The in-place product through the split, on 5 rows.
        var rng = SeededGenerator(seed: 3)
        let x = Matrix<Double>(rows: 5, columns: 4, elements: rng.normals(20, scale: 1))
        let w = Matrix<Double>(rows: 4, columns: 4, elements: rng.normals(16, scale: 1))
        var y = x
        FeatureTransform.multiplyInPlace(&y, by: w, workers: workers)
        let expected = Matrix.product(x, w)
        for k in y.elements.indices { #expect(abs(y.elements[k] - expected.elements[k]) < 1e-12) }
    }

    /// The gradient of 2 rows split over up to 64 workers equals the one-worker gradient (to
    /// rounding: the shares are summed in another order).
    @Test(arguments: workerCounts)
    func parallelGradientOnMoreWorkersThanRows(_ workers: Int) {
        let shape = NetworkShape(d0: 3, hidden: [5])
        let network = Network<Double>.random(shape: shape, seed: 11)
        var rng = SeededGenerator(seed: 12)
        let x: [Double] = rng.normals(2 * 3, scale: 1), y = [1.0, -1]
        func gradient(_ w: Int) -> ([Double], Double, Int) {
            let pg = ParallelGradient<Double>(shape: shape, capacity: 2, workers: w, gathers: true, minimumShareWork: 0)
            var g = [Double](repeating: .nan, count: shape.parameterCount)
            let order = [1, 0]
            let sum = x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in order.withUnsafeBufferPointer { op in
                g.withUnsafeMutableBufferPointer { gp in
                    pg.compute(network: network, x: xp.baseAddress!, y: yp.baseAddress!, order: op.baseAddress!, start: 0, rows: 2,
                               gradient: gp.baseAddress!)
                }
            } } }
            return (g, sum, pg.workers)
        }
        let (one, sumOne, _) = gradient(1)
        let (many, sumMany, used) = gradient(workers)
        #expect(used == workers)
        #expect(abs(sumMany - sumOne) <= 1e-14 * abs(sumOne))
        for k in one.indices { #expect(abs(many[k] - one[k]) <= 1e-14 * max(1, abs(one[k])), "parameter \(k)") }
    }

    /// Monte Carlo volume workers: 2 draws (one block) on up to 64 threads, same tally.
    @Test(arguments: workerCounts)
    func volumeWorkersOnMoreWorkersThanDraws(_ workers: Int) throws {
        let data: Dataset<Double> = SyntheticData.gaussian(n: 5, d0: 2, seed: 9)
        var mc = MonteCarloVolume(units: 2, samples: 2, seed: 4, epsilons: [0])
        mc.threads = 1
        let one = try mc.run(data: data, slope: 0).tally
        mc.threads = workers
        let many = try mc.run(data: data, slope: 0).tally
        #expect(one == many && many.total == 2)
    }
}

/// Per-item counts, written by concurrent workers.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [Int]
    init(count: Int) { counts = [Int](repeating: 0, count: count) }
    func add(_ i: Int) { lock.lock(); counts[i] += 1; lock.unlock() }
    var values: [Int] { lock.lock(); defer { lock.unlock() }; return counts }
}
