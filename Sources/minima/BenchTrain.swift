import ArgumentParser
import Foundation
import Kernels
import Linalg
import Minima

/// `minima bench train`: training timings of Minima next to the PyTorch peer, measured in the same run.
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Benchmarks: Minima's training speed next to the PyTorch peer's and the machine's floor, in one run.",
        discussion: """
            Cases: figure1-gd: N = 400, d0 = 20, d1 = 40, full-batch GD, Float64; cifar-epoch: \
            N = 50,000, d0 = 3072, d1 = 16, Adam, batch 512, Float32; mnist-epoch: N = 70,000, \
            d0 = 784, d1 = 89, Adam, batch 512, Float32 (median seconds per epoch); figure1-full: \
            the whole Figure 1 sweep (930 runs, wall time). First the floor is measured: OpenBLAS's \
            sgemm and dgemm rate and the memory read rate; each case prints its time over its floor \
            (the larger of its FLOPs at the GEMM rate and its bytes from memory at the read rate). \
            --kernels runs each case on several kernel paths (e.g. avx512,avx2,blas). With --peer \
            (bench/torch_reference.py in the repository) the same cases run in PyTorch and the ratio \
            Minima/PyTorch is printed, and one GD step from shared initial weights is compared in \
            Float64. Not a test: timings depend on the machine and its load.
            """)

    static let known = ["figure1-gd", "cifar-epoch", "mnist-epoch", "figure1-full"]

    @Option(help: "Cases to run: all, or a comma-separated list of figure1-gd, cifar-epoch, mnist-epoch, figure1-full.")
    var cases: String = "all"

    @Option(help: ArgumentHelp("Kernel paths to run each case on, comma-separated (default: the selected one).", valueName: "LIST"))
    var kernels: String?

    @OptionGroup(title: "Run") var threadsOption: ThreadsOption
    var threads: Int { threadsOption.count }

    @Option(help: "Epochs of the CIFAR- and MNIST-shaped cases (median over them; default 5).")
    var cifarEpochs: Int?

    @Option(help: "Epochs of the Figure-1-sized case (default 2000).")
    var smallEpochs: Int?

    @Flag(inversion: .prefixedNo, help: "Measure the machine's floor (GEMM rates, read rate) first.")
    var floor: Bool = true

    @Option(help: ArgumentHelp("The PyTorch peer, bench/torch_reference.py (optional; needs torch and numpy).", valueName: "PATH"))
    var peer: String?

    @Option(help: "Python interpreter with torch for the peer (with --peer; default python3).")
    var python: String?

    @OptionGroup(title: "Run") var outOption: OutOption
    var out: String? { outOption.out }

    var selected: [String] { cases == "all" ? BenchTrain.known : cases.split(separator: ",").map(String.init) }

    func validate() throws {
        if let bad = selected.first(where: { !BenchTrain.known.contains($0) }) {
            throw MinimaError.invalidOption(flag: "--cases", message: "expected all or some of \(BenchTrain.known.joined(separator: ", ")), got '\(bad)'")
        }
        for (value, flag, caseNames) in [(cifarEpochs, "--cifar-epochs", ["cifar-epoch", "mnist-epoch"]), (smallEpochs, "--small-epochs", ["figure1-gd"])] {
            guard let value else { continue }
            guard value > 0 else { throw MinimaError.invalidOption(flag: flag, message: "must be positive, got \(value)") }
            guard selected.contains(where: caseNames.contains) else {
                throw MinimaError.invalidOption(flag: flag, message: "does not apply to --cases \(cases)")
            }
        }
        if python != nil && peer == nil { throw MinimaError.invalidOption(flag: "--python", message: "applies with --peer only") }
    }

    func run() throws {
        let cifarEpochs = self.cifarEpochs ?? 5, smallEpochs = self.smallEpochs ?? 2000
        var paths = [KernelPath.selected]
        if let kernels {
            paths = []
            for name in kernels.split(separator: ",") {
                guard let p = KernelPath(rawValue: String(name)) else {
                    throw MinimaError.invalidOption(flag: "--kernels", message: "'\(name)' is not one of avx512, avx2, generic, blas")
                }
                guard p.isSupported else {
                    throw MinimaError.invalidOption(flag: "--kernels", message: "this CPU does not run '\(name)' (it runs \(KernelPath.supported.map(\.rawValue).joined(separator: ", ")))")
                }
                paths.append(p)
            }
            guard !paths.isEmpty else { throw MinimaError.invalidOption(flag: "--kernels", message: "names no path") }
        }
        let peerRunner = peer.map { PyTorchPeer(script: $0, python: python ?? "python3") }
        print("CPU: \(BenchTrain.cpuModel); kernel paths it runs: \(KernelPath.supported.map(\.rawValue).joined(separator: ", ")); selected: \(KernelPath.selected.rawValue)")
        print("OpenBLAS core \(BLASEnvironment.coreName), \(threads) thread(s), \(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(BenchTrain.loadAverage)")
        if let note = BLASCoreCheck.note { print("note: \(note)") }
        var machine: MachineFloor? = nil
        if floor {
            let f = MachineFloor.measure(threads: threads)
            machine = f
            print(String(format: "floor: sgemm %.1f GFLOP/s, dgemm %.1f GFLOP/s (OpenBLAS %@, %d threads), memory read %.1f GB/s",
                         f.sgemmGFLOPS, f.dgemmGFLOPS, f.blasCoreName, f.threads, f.readGBps))
        }
        var results: [TrainingBenchmark.Result] = []
        for name in BenchTrain.known where selected.contains(name) {
            var peerSeconds: Double?? = nil    // measured once per case, for the first path
            for path in paths {
                var r: TrainingBenchmark.Result
                let p = peerSeconds == nil ? peerRunner : nil
                switch name {
                case "figure1-gd": r = try TrainingBenchmark.smallGD(epochs: smallEpochs, threads: threads, peer: p, floor: machine, path: path)
                case "cifar-epoch": r = try TrainingBenchmark.cifarEpoch(epochs: cifarEpochs, threads: threads, peer: p, floor: machine, path: path)
                case "mnist-epoch": r = try TrainingBenchmark.mnistEpoch(epochs: cifarEpochs, threads: threads, peer: p, floor: machine, path: path)
                default:
                    let folder = NSTemporaryDirectory() + "minima-bench-figure1-\(getpid())"
                    defer { try? FileManager.default.removeItem(atPath: folder) }
                    r = try BenchTrain.figure1Full(threads: threads, folder: folder, floor: machine, path: path)
                }
                if let earlier = peerSeconds { r.peerSeconds = earlier } else { peerSeconds = .some(r.peerSeconds) }
                results.append(r)
                printRow(r)
            }
        }
        var agreement: TrainingBenchmark.StepAgreement? = nil
        if let peerRunner {
            let folder = NSTemporaryDirectory() + "minima-bench-\(getpid())"
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let a = try TrainingBenchmark.stepAgreement(peer: peerRunner, folder: folder)
            agreement = a
            print(String(format: "one GD step, Float64, same initial weights: MSE %.17g (Minima) vs %.17g (PyTorch), |Δ| = %.2e; margin |Δ| = %.2e",
                         a.minimaMSE, a.peerMSE, a.mseDifference, a.marginDifference))
        }
        print("load average after: \(BenchTrain.loadAverage)")
        if let out {
            struct Report: Encodable {
                var cpu: String, blasCoreName: String, blasCoreNote: String?, selectedKernel: String, threads: Int
                var loadAverage: String
                var floor: MachineFloor?
                var results: [TrainingBenchmark.Result]
                var stepAgreement: TrainingBenchmark.StepAgreement?
            }
            try RecordJSON.write(Report(cpu: BenchTrain.cpuModel, blasCoreName: BLASEnvironment.coreName, blasCoreNote: BLASCoreCheck.note,
                                        selectedKernel: KernelPath.selected.rawValue, threads: threads,
                                        loadAverage: BenchTrain.loadAverage, floor: machine,
                                        results: results, stepAgreement: agreement), to: out)
            print("results written to \(out)")
        }
    }

    /// The whole Figure 1 sweep (`minima reproduce --full --only figure1`: 930 runs) in
    /// `folder`, `threads` runs at a time, on `path`: its wall time and floor.
    static func figure1Full(threads: Int, folder: String, floor: MachineFloor?, path: KernelPath) throws -> TrainingBenchmark.Result {
        let saved = KernelPath.selected
        KernelPath.selected = path
        defer { KernelPath.selected = saved }
        var runner = SweepRunner()
        runner.workers = threads
        let clock = ContinuousClock()
        let start = clock.now
        try runner.run(Reproduction.figure1(.full), results: folder)
        let seconds = (clock.now - start).inSeconds
        let runs = try SweepRecord.readAll(folder).compactMap { r in
            r.record.map { (widths: $0.config.network.widths, n: $0.config.data.n ?? 0, epochs: $0.final.epochs) }
        }
        return TrainingBenchmark.sweep(name: "figure1-full", description: "Figure 1 sweep, 930 runs, Adam float64", seconds: seconds,
                                       runs: runs, threads: threads, floor: floor, path: path)
    }

    /// /proc/cpuinfo's model name (or "unknown").
    static var cpuModel: String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = info.split(separator: "\n").first { $0.hasPrefix("model name") }
        return line.flatMap { $0.split(separator: ":", maxSplits: 1).last }.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
    }

    /// The first three fields of /proc/loadavg.
    static var loadAverage: String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    private func printRow(_ r: TrainingBenchmark.Result) {
        var line = "\(r.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(r.kernelPath.padding(toLength: 7, withPad: " ", startingAt: 0)) \(r.description.padding(toLength: 44, withPad: " ", startingAt: 0)) Minima " + String(format: "%.3e s", r.minimaSeconds)
        if let f = r.floorSeconds, let over = r.overFloor { line += String(format: "   floor %.3e s (%.2f× floor)", f, over) }
        if let p = r.peerSeconds, let s = r.speedup {
            line += String(format: "   PyTorch %.3e s   Minima/PyTorch %.3f (%.1f× faster)", p, r.minimaSeconds / p, s)
        }
        print(line)
    }
}
