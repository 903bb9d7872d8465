import Foundation
import Testing
import Linalg
import Minima
@testable import MinimaCore
@testable import MinimaData
@testable import MinimaModel
@testable import MinimaTraining
@testable import MinimaLandscape
@testable import MinimaRuns
@testable import MinimaExperiments

/// The curve without its wall times (which differ between runs).
private func untimed(_ curve: [CurvePoint]) -> [CurvePoint] { curve.map { var p = $0; p.seconds = 0; return p } }

/// The final state without its wall times.
private func untimed(_ final: FinalState) -> FinalState {
    var f = final
    f.seconds = 0
    f.medianEpochSeconds = 0
    return f
}

@Suite("Checkpoints")
struct CheckpointTests {
    @Test("a checkpoint file round-trips exactly and a damaged or truncated one is refused")
    func roundTrip() throws {
        let folder = TemporaryFolder()
        defer { folder.cleanup() }
        let header = CheckpointHeader(scalarBytes: 4, fingerprint: ["a": "1"], epoch: 3, batchStart: 20, epochSSE: 0.125,
                                      optimizerSteps: 17, generator: [1, 2, 3, 4, 0, 0],
                                      curve: [CurvePoint(epoch: 0, mse: 1, mce: 0.5, lr: 0.01, seconds: 0)], epochSeconds: [0.5, 0.25],
                                      elapsed: 9.5, finisher: "{}", context: ["stage": 1],
                                      parameterCount: 0, firstMomentCount: 0, secondMomentCount: 0, orderCount: 0, checksum: "")
        let p: [Float] = [1.5, -0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 3]
        let c = Checkpoint<Float>(header: header, parameters: p, firstMoment: [0.25, 2, 3, 4, 5], secondMoment: [], order: [2, 0, 1])
        let path = folder.file("x.checkpoint")
        try c.write(to: path)
        let back = try Checkpoint<Float>.read(path)
        #expect(back.parameters.map(\.bitPattern) == p.map(\.bitPattern))
        #expect(back.firstMoment == [0.25, 2, 3, 4, 5] && back.secondMoment.isEmpty && back.order == [2, 0, 1])
        #expect(back.header.epoch == 3 && back.header.batchStart == 20 && back.header.epochSSE == 0.125 && back.header.context == ["stage": 1])
        #expect(back.header.parameterCount == 5 && back.header.orderCount == 3)
        #expect(CheckpointHeader.read(path)?.optimizerSteps == 17)
        // A Float32 checkpoint read as Float64 names the precision.
        #expect(throws: MinimaError.self) { try Checkpoint<Double>.read(path) }
        do { _ = try Checkpoint<Double>.read(path) } catch { #expect("\(error)".contains("precision")) }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count - 3] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do { _ = try Checkpoint<Float>.read(path); Issue.record("damaged file accepted") } catch { #expect("\(error)".contains("checksum")) }
        try Data(bytes.dropLast(4)).write(to: URL(fileURLWithPath: path))
        do { _ = try Checkpoint<Float>.read(path); Issue.record("truncated file accepted") } catch { #expect("\(error)".contains("do not match")) }
        try Data("MINIMACK\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{7f}".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: MinimaError.self) { try Checkpoint<Float>.read(path) }
    }

    @Test("the batch-order generator continues its stream from its saved state")
    func generatorState() {
        var a = SeededGenerator(seed: 9, stream: .batchOrder)
        _ = a.normal()  // leaves a spare normal draw
        var b = SeededGenerator(state: a.state)!
        #expect((0..<10).map { _ in a.normal() } == (0..<10).map { _ in b.normal() })
        #expect(SeededGenerator(state: [1, 2]) == nil)
    }

    /// Trains to the end in one go, and again interrupted after every batch (each time saving,
    /// stopping and resuming from the file), and checks that both end bit-identical.
    func interruptedEqualsUninterrupted<Scalar: LinalgScalar>(_: Scalar.Type, _ optimizer: OptimizerKind, batch: Int, momentum: Double = 0,
                                                            hidden: [Int] = [6], marginStep: Bool = false) throws {
        let folder = TemporaryFolder()
        defer { folder.cleanup() }
        let data: Dataset<Scalar> = SyntheticData.gaussian(n: 40, d0: 5, seed: 4)
        var config = TrainingConfiguration()
        config.optimizer = optimizer
        config.learningRate = optimizer == .adam ? 0.01 : 0.05
        config.momentum = momentum
        config.batchSize = batch
        config.epochs = 7
        config.seed = 2
        config.logPointsPerDecade = 20
        let finisher: RegionMarginStep? = marginStep ? .duringTraining(below: 50) : nil
        let start = Network<Scalar>.random(shape: NetworkShape(d0: 5, hidden: hidden), seed: 3)
        var whole = start
        let expected = Trainer<Scalar>(config, threads: 2, finisher: finisher).train(&whole, on: data)

        let stop = StopRequest()
        stop.request()
        var resumed = start
        var result: (curve: [CurvePoint], final: FinalState)? = nil
        var interruptions = 0
        while result == nil {
            var net = start   // every attempt starts from the initial weights: the checkpoint must carry everything
            let policy = CheckpointPolicy(path: folder.file("run.checkpoint"), interval: 1e9, resume: true, stop: stop)
            do {
                result = try Trainer<Scalar>(config, threads: 2, finisher: finisher).train(&net, on: data, checkpoint: policy)
                resumed = net
            } catch is TrainingInterrupted {
                interruptions += 1
            }
            #expect(interruptions < 100)
            if interruptions >= 100 { return }
        }
        // One interruption after every batch but the run's last (full batch: after every epoch but the last).
        let batches = batch == 0 ? 1 : (40 + batch - 1) / batch
        #expect(marginStep ? interruptions > 0 : interruptions == config.epochs * batches - 1)
        #expect(resumed.parameters.withUnsafeBytes { Data($0) } == whole.parameters.withUnsafeBytes { Data($0) })
        #expect(untimed(result!.curve) == untimed(expected.curve))
        #expect(untimed(result!.final) == untimed(expected.final))
    }

    @Test("interrupted after every batch and resumed: bit-identical weights, curve and final state",
          arguments: [(OptimizerKind.gd, 0, 0.0), (.sgd, 10, 0.0), (.sgd, 10, 0.9), (.sgd, 0, 0.5), (.adam, 16, 0.0), (.adam, 0, 0.0)])
    func bitIdentical(optimizer: OptimizerKind, batch: Int, momentum: Double) throws {
        try interruptedEqualsUninterrupted(Float.self, optimizer, batch: batch, momentum: momentum)
        try interruptedEqualsUninterrupted(Double.self, optimizer, batch: batch, momentum: momentum)
    }

    @Test("bit-identical with two hidden layers, and with the region margin step's bookkeeping")
    func bitIdenticalDeepAndMarginStep() throws {
        try interruptedEqualsUninterrupted(Double.self, .adam, batch: 10, hidden: [4, 3])
        try interruptedEqualsUninterrupted(Float.self, .adam, batch: 16, marginStep: true)
    }

    @Test("a checkpoint of another run is refused, naming the field that differs")
    func mismatchIsRefused() throws {
        let folder = TemporaryFolder()
        defer { folder.cleanup() }
        var config = RunConfiguration()
        config.data.n = 30
        config.data.d0 = 4
        config.data.seed = 1
        config.network = NetworkShape(d0: 4, hidden: [5])
        config.training.epochs = 5
        let stop = StopRequest()
        stop.request()
        let policy = CheckpointPolicy(path: folder.file("c"), stop: stop)
        #expect(throws: TrainingInterrupted.self) { try TrainingRun.execute(config, checkpoint: policy) }
        func refusal(_ change: (inout RunConfiguration) -> Void) -> String {
            var other = config
            change(&other)
            do { _ = try TrainingRun.execute(other, checkpoint: policy); return "" } catch { return "\(error)" }
        }
        #expect(refusal { $0.data.seed = 2 }.contains("field run.data.seed differs (checkpoint 1, this run 2)"))
        #expect(refusal { $0.training.learningRate = 0.01 }.contains("run.training.learningRate"))
        #expect(refusal { $0.network.hidden = [6] }.contains("run.network.hidden"))
        #expect(refusal { $0.threads = 2 }.contains("field run.threads differs"))
        #expect(refusal { $0.precision = .float32 }.contains("precision"))
        // The same run continues (and stops again after one more epoch, since stop is still requested).
        #expect(throws: TrainingInterrupted.self) { try TrainingRun.execute(config, checkpoint: policy) }
        #expect(CheckpointHeader.read(folder.file("c"))?.epoch == 3)
    }

    @Test("minima train: SIGTERM saves a checkpoint and exits 75; --resume ends with the uninterrupted run's weights and record")
    func commandLineResume() throws {
        let folder = TemporaryFolder()
        defer { folder.cleanup() }
        // A fast machine can finish a short run between the checkpoint appearing and the signal
        // arriving (the run then exits 0 and removes its checkpoint); such a try proves nothing,
        // so the run is made ten times longer until the signal lands mid-run.
        var args: [String] = []
        var interrupted = false
        let checkpoint = folder.file("ck/training.checkpoint")
        for epochs in [150, 1500, 15000] where !interrupted {
            args = ["train", "--n", "300", "--d0", "10", "--hidden", "30", "--optimizer", "sgd", "--lr", "0.05", "--batch", "32",
                    "--epochs", "\(epochs)", "--precision", "float32", "--threads", "2", "--quiet"]
            try? FileManager.default.removeItem(atPath: folder.file("b.json"))
            let process = try startMinima(args + ["--out", "b.json", "--save-weights", "wb", "--checkpoint", "ck", "--checkpoint-every", "0.01"], in: folder.path)
            for _ in 0..<400 where !FileManager.default.fileExists(atPath: checkpoint) && process.isRunning { usleep(10_000) }
            process.terminate()
            process.waitUntilExit()
            if process.terminationStatus == 0 { continue }
            interrupted = true
            #expect(process.terminationStatus == 75)
            #expect(FileManager.default.fileExists(atPath: checkpoint) && !FileManager.default.fileExists(atPath: folder.file("b.json")))
        }
        #expect(interrupted, "the run finished before SIGTERM even at 15000 epochs")
        let whole = try runMinima(args + ["--out", "a.json", "--save-weights", "wa"], in: folder.path)
        #expect(whole.status == 0)
        let again = try runMinima(args + ["--out", "b.json", "--save-weights", "wb", "--checkpoint", "ck"], in: folder.path)
        #expect(again.status == 2 && again.stderr.contains("--resume ck"))
        let resumed = try runMinima(args + ["--out", "b.json", "--save-weights", "wb", "--resume", "ck"], in: folder.path)
        #expect(resumed.status == 0)
        for file in ["W1.npy", "z.npy"] {
            #expect(FileManager.default.contents(atPath: folder.file("wa/" + file)) == FileManager.default.contents(atPath: folder.file("wb/" + file)))
        }
        let a = try RunRecord.read(folder.file("a.json")), b = try RunRecord.read(folder.file("b.json"))
        #expect(untimed(a.curve) == untimed(b.curve) && untimed(a.final) == untimed(b.final) && a.config.data == b.config.data)
        #expect(!FileManager.default.fileExists(atPath: checkpoint))
        let stray = try runMinima(["train", "--checkpoint-every", "5"], in: folder.path)
        #expect(stray.status == 2 && stray.stderr.contains("--checkpoint-every") && stray.stderr.contains("--checkpoint DIR"))
        let missing = try runMinima(["train", "--resume", "nowhere"], in: folder.path)
        #expect(missing.status == 2 && missing.stderr.contains("--resume"))
    }
}

@Suite("Run claims")
struct RunClaimTests {
    @Test("a claim is exclusive, released by its owner, and taken over when its process is gone")
    func exclusive() throws {
        let folder = TemporaryFolder()
        defer { folder.cleanup() }
        try FileManager.default.createDirectory(atPath: folder.file("runs"), withIntermediateDirectories: true)
        let a = RunClaim.mine(), b = RunClaim.mine()
        #expect(try RunClaim.acquire(folder.path, key: "k", as: a))
        #expect(try !RunClaim.acquire(folder.path, key: "k", as: b))
        RunClaim.release(folder.path, key: "k", as: b)   // not b's: stays
        #expect(RunClaim.read(RunClaim.path(folder.path, key: "k"))?.0.token == a.token)
        RunClaim.release(folder.path, key: "k", as: a)
        #expect(try RunClaim.acquire(folder.path, key: "k", as: b))
        // A claim whose process has exited is stale on this host.
        let done = Process()
        done.executableURL = URL(fileURLWithPath: "/bin/true")
        try done.run()
        done.waitUntilExit()
        var dead = RunClaim.mine()
        dead.pid = done.processIdentifier
        try RecordJSON.write(dead, to: RunClaim.path(folder.path, key: "gone"))
        #expect(try RunClaim.acquire(folder.path, key: "gone", as: a))
        #expect(RunClaim.read(RunClaim.path(folder.path, key: "gone"))?.0.token == a.token)
        // Only claim files remain: no temporary or set-aside files.
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.file("runs")).sorted()
        #expect(names == ["gone.claim", "k.claim"])
    }

    @Test("staleness: a live local process holds; another host's claim expires; the same Slurm task's earlier incarnation is stale")
    func staleness() {
        let viewer = RunClaim.mine()
        var live = RunClaim.mine()
        #expect(!live.isStale(seenBy: viewer, age: 1e6))
        live.processStart = (live.processStart ?? 0) + 1   // the pid was reused by another process
        #expect(live.isStale(seenBy: viewer, age: 0))
        var remote = RunClaim.mine()
        remote.host = "elsewhere"
        #expect(!remote.isStale(seenBy: viewer, age: RunClaim.staleAfter - 1))
        #expect(remote.isStale(seenBy: viewer, age: RunClaim.staleAfter + 1))
        var task = remote, me = viewer
        task.slurmTask = "12_3"
        me.slurmTask = "12_3"
        #expect(task.isStale(seenBy: me, age: 0))
        me.slurmTask = "12_4"
        #expect(!task.isStale(seenBy: me, age: 0))
    }

    @Test("two runners on one folder at once train every run exactly once")
    func concurrentRunners() throws {
        let folder = TemporaryFolder()
        defer { folder.cleanup() }
        let s = try SweepSpec.parse(Data("""
            { "name": "pair", "repetitions": 6, "training": { "optimizer": "adam", "learningRate": 0.01, "epochs": 30 },
              "grid": { "n": [40], "d0": [4], "width": [3, 6] } }
            """.utf8), file: "pair.json")
        let counts = KeyCounter()
        var runner = SweepRunner()
        runner.workers = 2
        runner.execute = { config, policy in
            counts.add(RunKey.hash("pair", config))
            return try TrainingRun.execute(config, checkpoint: policy)
        }
        let outcomes = OutcomeBox()
        let group = DispatchGroup()
        for _ in 0..<2 {
            group.enter()
            let r = runner
            Thread {
                if let o = try? r.run(s, results: folder.path) { outcomes.add(o) }
                group.leave()
            }.start()
        }
        group.wait()
        #expect(counts.values.count == 12 && counts.values.values.allSatisfy { $0 == 1 })
        #expect(outcomes.all.count == 2 && outcomes.all.map(\.ran).reduce(0, +) == 12)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.file("runs"))
        #expect(names.filter { $0.hasSuffix(".json") }.count == 12 && names.allSatisfy { $0.hasSuffix(".json") })
    }

    @Test("a sweep stopped mid-run keeps the run's checkpoint and continues it to the uninterrupted result")
    func sweepResumesFromCheckpoint() throws {
        let folder = TemporaryFolder(), reference = TemporaryFolder()
        defer { folder.cleanup(); reference.cleanup() }
        let s = try SweepSpec.parse(Data("""
            { "name": "one", "training": { "optimizer": "adam", "learningRate": 0.01, "epochs": 40, "batchSize": 8 },
              "grid": { "n": [40], "d0": [4], "width": [5] } }
            """.utf8), file: "one.json")
        try SweepRunner().run(s, results: reference.path)
        var runner = SweepRunner()
        runner.workers = 1
        let stop = StopRequest()
        runner.stop = stop
        runner.execute = { config, policy in
            stop.request()
            return try TrainingRun.execute(config, checkpoint: policy)
        }
        let first = try runner.run(s, results: folder.path)
        #expect(first.interrupted == 1 && first.ran == 0)
        let key = try s.expand()[0].key
        #expect(FileManager.default.fileExists(atPath: SweepRecord.checkpointPath(folder.path, key: key)))
        #expect(!FileManager.default.fileExists(atPath: RunClaim.path(folder.path, key: key)))
        let status = try SweepStatus.read(folder.path)
        #expect(status.sweeps[0].total.pending == 1 && status.sweeps[0].total.checkpointed == 1)
        let second = try SweepRunner().run(s, results: folder.path)
        #expect(second.ran == 1 && second.failures == 0)
        #expect(!FileManager.default.fileExists(atPath: SweepRecord.checkpointPath(folder.path, key: key)))
        let a = try SweepRecord.read(SweepRecord.path(folder.path, key: key)).record!
        let b = try SweepRecord.read(SweepRecord.path(reference.path, key: key)).record!
        #expect(untimed(a.final) == untimed(b.final) && untimed(a.curve) == untimed(b.curve))
    }

    @Test("sweep status counts done, failed, in progress and pending per shard")
    func status() throws {
        let folder = TemporaryFolder()
        defer { folder.cleanup() }
        let s = try SweepSpec.parse(Data("""
            { "name": "st", "repetitions": 4, "training": { "epochs": 3 }, "grid": { "n": [20], "d0": [3], "width": [2] } }
            """.utf8), file: "st.json")
        var runner = SweepRunner()
        runner.workers = 1
        runner.shard = Shard(index: 1, count: 2)
        runner.execute = { config, policy in
            if config.seed == 2 { throw MinimaError.numerical("boom") }
            return try TrainingRun.execute(config, checkpoint: policy)
        }
        try runner.run(s, results: folder.path)   // runs 0 and 2 of 4: one done, one failed
        let runs = try s.expand()
        var other = RunClaim.mine()
        other.host = "node7"
        other.slurmTask = "5_2"
        try RecordJSON.write(other, to: RunClaim.path(folder.path, key: runs[1].key))
        let status = try SweepStatus.read(folder.path, shards: 2)
        let sweep = status.sweeps[0]
        #expect(sweep.shards.map(\.done) == [1, 0] && sweep.shards.map(\.failed) == [1, 0])
        #expect(sweep.shards.map(\.inProgress) == [0, 1] && sweep.shards.map(\.pending) == [0, 1])
        #expect(sweep.shards[0].firstError?.contains("boom") == true)
        #expect(sweep.inProgress.count == 1 && sweep.inProgress[0].host == "node7" && !sweep.inProgress[0].stale)
        #expect(status.text.contains("Slurm task 5_2") && status.text.contains("boom"))
        let json = try runMinima(["sweep", "status", folder.path, "--shards", "2", "--json"])
        #expect(json.status == 0)
        let decoded = try JSONDecoder().decode(SweepStatus.self, from: Data(json.stdout.utf8))
        #expect(decoded.sweeps[0].total.runs == 4 && decoded.sweeps[0].total.done == 1)
        let bad = try runMinima(["sweep", "status", folder.file("runs")])
        #expect(bad.status == 2 && bad.stderr.contains("specs"))
    }

    @Test("a sweep with failed runs exits 1 with their count and the first error; a run too big for memory fails alone")
    func failedRunsExitNonZero() throws {
        let folder = TemporaryFolder()
        defer { folder.cleanup() }
        let spec = folder.file("big.json")
        try """
            { "name": "big", "training": { "epochs": 2 }, "grid": { "n": [20, 4000000000000], "d0": [3], "width": [2] } }
            """.write(toFile: spec, atomically: true, encoding: .utf8)
        let r = try runMinima(["sweep", spec, "--results", folder.file("out"), "--quiet"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("1 of 2 runs failed") && r.stderr.contains("memory"))
        #expect(SweepRecord.keys(in: folder.file("out")).count == 2)
        let records = try SweepRecord.readAll(folder.file("out"))
        #expect(records.filter(\.failed).count == 1 && records.first { !$0.failed }?.record?.final.epochs == 2)
    }
}

@Suite("Slurm job arrays")
struct SlurmSubmissionTests {
    func submission() -> SlurmSubmission {
        SlurmSubmission(spec: "figure1", specPath: "/data/fig1.json", results: "/scratch/r", executable: "/opt/minima",
                        tasks: 8, parallel: 3, cpusPerTask: 4, time: "02:00:00", partition: "short", memory: "8G",
                        extraLines: ["--account=proj42"])
    }

    @Test("the batch script: array, resources, requeue, signal, logs, shard per task, requeue on exit 75")
    func script() throws {
        let text = submission().script
        for line in ["#SBATCH --array=1-8%3", "#SBATCH --cpus-per-task=4", "#SBATCH --time=02:00:00", "#SBATCH --partition=short",
                     "#SBATCH --mem=8G", "#SBATCH --requeue", "#SBATCH --signal=B:USR1@90",
                     "#SBATCH --output=/scratch/r/slurm/logs/%A_%a.log", "#SBATCH --account=proj42",
                     "\"$minima\" sweep \"$spec\" --results \"$results\" --shard \"$task/8\"",
                     "if [ \"$rc\" -eq 75 ]; then", "scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${task}\""] {
            #expect(text.contains(line), "missing: \(line)")
        }
        var plain = submission()
        plain.parallel = nil
        plain.partition = nil
        plain.memory = nil
        #expect(plain.script.contains("#SBATCH --array=1-8\n") && !plain.script.contains("--partition") && !plain.script.contains("--mem"))
    }

    @Test("bad values are refused naming the field")
    func validation() {
        func refusal(_ change: (inout SlurmSubmission) -> Void) -> String {
            var s = submission()
            change(&s)
            do { try s.validate(); return "" } catch { return "\(error)" }
        }
        #expect(refusal { _ in } == "")
        #expect(refusal { $0.tasks = 0 }.hasPrefix("slurm.tasks"))
        #expect(refusal { $0.parallel = 0 }.hasPrefix("slurm.parallel"))
        #expect(refusal { $0.time = "2 hours" }.hasPrefix("slurm.time"))
        #expect(refusal { $0.partition = "a b" }.hasPrefix("slurm.partition"))
        #expect(refusal { $0.extraLines = ["account=x"] }.hasPrefix("slurm.extraLines"))
        #expect(refusal { $0.results = "/it's" }.hasPrefix("slurm.results"))
    }

    @Test("minima sweep --slurm --dry-run writes and prints the script; without sbatch it points to --shard")
    func commandLine() throws {
        let folder = TemporaryFolder()
        defer { folder.cleanup() }
        let spec = folder.file("s.json")
        try """
            { "name": "s", "repetitions": 3, "training": { "epochs": 2 }, "grid": { "n": [20], "d0": [3], "width": [2] } }
            """.write(toFile: spec, atomically: true, encoding: .utf8)
        let dry = try runMinima(["sweep", spec, "--results", "r", "--slurm", "--tasks", "3", "--parallel", "2", "--dry-run"], in: folder.path)
        #expect(dry.status == 0 && dry.stdout.contains("#SBATCH --array=1-3%2"))
        let script = try String(contentsOfFile: folder.file("r/slurm/sweep.sbatch"), encoding: .utf8)
        #expect(dry.stdout.hasPrefix(script) && script.contains("--results \"$results\"") && script.contains("results='\(folder.path)/r'"))
        #expect(SlurmSubmission.read(folder.file("r"))?.tasks == 3)
        #expect(FileManager.default.fileExists(atPath: folder.file("r/slurm/logs")) && !FileManager.default.fileExists(atPath: folder.file("r/runs")))
        let noSlurm = try runMinima(["sweep", spec, "--results", "r", "--slurm"], in: folder.path, environment: ["PATH": "/nonexistent"])
        #expect(noSlurm.status == 2 && noSlurm.stderr.contains("sbatch") && noSlurm.stderr.contains("--shard i/3"))
        let stray = try runMinima(["sweep", spec, "--results", "r", "--tasks", "3"], in: folder.path)
        #expect(stray.status == 2 && stray.stderr.contains("--tasks") && stray.stderr.contains("--slurm"))
        let tooMany = try runMinima(["sweep", spec, "--results", "r", "--slurm", "--tasks", "4", "--dry-run"], in: folder.path)
        #expect(tooMany.status == 2 && tooMany.stderr.contains("--tasks"))
    }
}

/// Counts calls per key across threads.
final class KeyCounter: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [String: Int] = [:]
    func add(_ key: String) { lock.withLock { values[key, default: 0] += 1 } }
}

final class OutcomeBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var all: [SweepOutcome] = []
    func add(_ o: SweepOutcome) { lock.withLock { all.append(o) } }
}

/// Full-batch training that stops at a target MSE tests epoch e on the sum of squares of the
/// pass that starts epoch e + 1, evaluating the network only near the target: it must stop at the
/// same epoch, with the same weights, curve and final state as a test after every epoch (every
/// epoch logged, so evaluated), and so must a run interrupted and resumed after every epoch.
@Suite("Target MSE tested on the next pass")
struct TargetOnNextPassTests {
    func train(hidden: [Int], perDecade: Int, interruptEveryEpoch: Bool = false) throws
        -> (net: Network<Double>, curve: [CurvePoint], final: FinalState, interruptions: Int) {
        let data: Dataset<Double> = SyntheticData.gaussian(n: 60, d0: 6, seed: 5)
        var config = TrainingConfiguration()
        config.optimizer = .adam
        config.learningRate = 0.02
        config.epochs = 3000
        config.targetMSE = 0.01
        config.logPointsPerDecade = perDecade
        let start = Network<Double>.random(shape: NetworkShape(d0: 6, hidden: hidden), seed: 6)
        guard interruptEveryEpoch else {
            var net = start
            let (curve, final) = Trainer<Double>(config).train(&net, on: data)
            return (net, curve, final, 0)
        }
        let folder = TemporaryFolder()
        defer { folder.cleanup() }
        let stop = StopRequest()
        stop.request()
        var interruptions = 0
        while interruptions < 5000 {
            var net = start
            let policy = CheckpointPolicy(path: folder.file("run.checkpoint"), interval: 1e9, resume: true, stop: stop)
            do {
                let (curve, final) = try Trainer<Double>(config).train(&net, on: data, checkpoint: policy)
                return (net, curve, final, interruptions)
            } catch is TrainingInterrupted {
                interruptions += 1
            }
        }
        Issue.record("no end after \(interruptions) interruptions")
        return (start, [], FinalState.measure(start, on: data, epochs: 0, seconds: 0, medianEpochSeconds: 0, status: .completed, message: ""), interruptions)
    }

    @Test("stops where a test after every epoch stops: same epoch, weights, curve and final state", arguments: [[24], [8, 8]])
    func sameStop(hidden: [Int]) throws {
        let deferred = try train(hidden: hidden, perDecade: 10)
        let everyEpoch = try train(hidden: hidden, perDecade: 100_000)
        let e = deferred.final.epochs
        #expect(deferred.final.status == .converged && deferred.final.mse <= 0.01)
        #expect(deferred.final.message == "training MSE reached \(deferred.final.mse) ≤ 0.01 at epoch \(e)")
        // The stop fell on an epoch that is not logged: its test waited for the next pass.
        #expect(e > 20 && e < 3000 && !TrainingConfiguration.logEpochs(upTo: 3000, perDecade: 10).contains(e), "stopped at epoch \(e)")
        #expect(deferred.net.parameters == everyEpoch.net.parameters)
        #expect(untimed(deferred.final) == untimed(everyEpoch.final))
        #expect(everyEpoch.curve.count == e + 1 && everyEpoch.curve[e - 1].mse > 0.01)
        let byEpoch = Dictionary(uniqueKeysWithValues: everyEpoch.curve.map { ($0.epoch, $0) })
        #expect(deferred.curve.count > 5 && deferred.curve.last?.epoch == e)
        for p in untimed(deferred.curve) { #expect(untimed([byEpoch[p.epoch]!]) == [p], "epoch \(p.epoch)") }
    }

    @Test("interrupted and resumed after every epoch: the same stop, bit for bit")
    func resumedAfterEveryEpoch() throws {
        let whole = try train(hidden: [24], perDecade: 10)
        let resumed = try train(hidden: [24], perDecade: 10, interruptEveryEpoch: true)
        #expect(resumed.interruptions == whole.final.epochs)
        #expect(resumed.net.parameters == whole.net.parameters)
        #expect(untimed(resumed.final) == untimed(whole.final))
        #expect(untimed(resumed.curve) == untimed(whole.curve))
    }
}
