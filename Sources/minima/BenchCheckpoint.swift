import ArgumentParser
import Foundation
import Linalg
import Minima

/// `minima bench checkpoint`: what checkpoints cost — their size and save time at Table 1's
/// CIFAR size, and their overhead on the quick Figure 1 sweep.
struct BenchCheckpoint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Benchmarks: checkpoint size and save time at Table 1 size, and checkpointing's overhead on a Figure 1 sweep.",
        discussion: """
            (a) A checkpoint of Adam on N = 50,000, d0 = 3072, d1 = 16 (no bias) in Float32, batch 512 \
            (Gaussian data): file size, and the median time of --saves saves (encode, checksum, \
            atomic write) and of reading one back; the one-off cost of fingerprinting the data. \
            (b) The quick Figure 1 sweep (90 runs) in --rounds alternating rounds, once with each \
            run checkpointing as `minima sweep` does (fingerprint, the periodic check after every \
            batch, removal of the checkpoint) and once training without checkpoints, both claiming \
            their runs; the ratio of the total times and the median of the rounds' ratios, and the \
            claims' own cost. Not a test: timings depend on the machine and its load.
            """)

    @Option(help: "Saves to time at Table 1 size.")
    var saves: Int = 20

    @Option(help: "Alternating rounds of the Figure 1 sweep (0 skips it).")
    var rounds: Int = 3

    @OptionGroup var workers: WorkerOptions

    func run() throws {
        guard saves > 0, rounds >= 0 else { throw MinimaError.invalidOption(flag: saves > 0 ? "--rounds" : "--saves", message: "must be positive") }
        let folder = NSTemporaryDirectory() + "minima-bench-checkpoint-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        print("load average: \((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?")")

        // (a) Table 1 size.
        let n = 50_000, d0 = 3072, d1 = 16
        let data: Dataset<Float> = SyntheticData.gaussian(n: n, d0: d0, seed: 1)
        let shape = NetworkShape(d0: d0, hidden: [d1], slope: 0, bias: false)
        let network = Network<Float>.random(shape: shape, seed: 1)
        var fingerprint = [String: String]()
        let hashSeconds = ContinuousClock.seconds { fingerprint["data.checksum"] = CheckpointFingerprint.data(x: data.x.elements, y: data.y, n: n, d0: d0) }
        var rng = SeededGenerator(seed: 1, stream: .batchOrder)
        let order = rng.permutation(n)
        let count = network.parameters.count
        let header = CheckpointHeader(scalarBytes: 4, fingerprint: fingerprint, epoch: 100, batchStart: 512 * 40, epochSSE: 1,
                                      optimizerSteps: 9_800, generator: rng.state, curve: [], epochSeconds: Array(repeating: 0.3, count: 99),
                                      elapsed: 30, finisher: nil, parameterCount: 0, firstMomentCount: 0, secondMomentCount: 0,
                                      orderCount: 0, checksum: "")
        let checkpoint = Checkpoint<Float>(header: header, parameters: network.parameters,
                                           firstMoment: [Float](repeating: 0.001, count: count),
                                           secondMoment: [Float](repeating: 1e-6, count: count), order: order)
        let path = folder + "/table1.checkpoint"
        var times: [Double] = []
        for _ in 0..<saves { times.append(try ContinuousClock.seconds { try checkpoint.write(to: path) }) }
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let readSeconds = try ContinuousClock.seconds { _ = try Checkpoint<Float>.read(path) }
        times.sort()
        print(String(format: "Table 1 size (N %d, d0 %d, d1 %d, Float32, Adam): checkpoint %d bytes; save median %.2f ms (min %.2f, max %.2f, %d saves); read %.2f ms; data fingerprint (at a run's first save or resume) %.0f ms",
                     n, d0, d1, size, 1000 * times[times.count / 2], 1000 * times[0], 1000 * times[times.count - 1], saves,
                     1000 * readSeconds, 1000 * hashSeconds))

        // (b) Overhead on the quick Figure 1 sweep.
        guard rounds > 0 else { return }
        let spec = Reproduction.figure1(.quick)
        var with: [Double] = [], without: [Double] = []
        for round in 0..<rounds {
            for checkpointing in (round % 2 == 0 ? [true, false] : [false, true]) {
                var runner = workers.runner()
                if !checkpointing { runner.execute = { config, _ in try TrainingRun.execute(config) } }
                let results = folder + "/figure1-\(round)-\(checkpointing)"
                let t = try ContinuousClock.seconds { try runner.run(spec, results: results) }
                if checkpointing { with.append(t) } else { without.append(t) }
            }
        }
        // Both conditions claim their runs (a sweep always does), so the ratio is what
        // checkpoints add; the claims' own cost (create, read back, remove) is timed apart.
        let runs = try spec.expand()
        let claimFolder = folder + "/claims"
        try FileManager.default.createDirectory(atPath: claimFolder + "/runs", withIntermediateDirectories: true)
        let owner = RunClaim.mine()
        let claims = try ContinuousClock.seconds {
            for r in runs {
                _ = try RunClaim.acquire(claimFolder, key: r.key, as: owner)
                RunClaim.release(claimFolder, key: r.key, as: owner)
            }
        }
        let a = with.reduce(0, +), b = without.reduce(0, +)
        // Each round's pair ran back to back, so its ratio sees the same load; the median of the
        // pairs' ratios is what a drift in the machine's load disturbs least.
        let pairedRatio = median(zip(with, without).map { $0 / $1 })
        print(String(format: "quick Figure 1 sweep (%d runs, %d workers), %d rounds: %.2f s with checkpoints, %.2f s without (rounds: %@ / %@); checkpoint overhead %+.2f%% of the totals, %+.2f%% median of the rounds' ratios; claims (in both) %.1f ms a sweep, %.2f%% of one",
                     runs.count, workers.workers, rounds, a, b,
                     with.map { String(format: "%.2f", $0) }.joined(separator: ","), without.map { String(format: "%.2f", $0) }.joined(separator: ","),
                     100 * (a / b - 1), 100 * (pairedRatio - 1), 1000 * claims, 100 * claims / (b / Double(rounds))))
    }
}
