import ArgumentParser
import Foundation
import Linalg
import Minima

/// `minima bench train`: training timings of Minima next to the PyTorch peer, measured in the same run.
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Benchmarks: Minima's training speed next to the PyTorch peer's, in one run.",
        discussion: """
            Cases: (a) cifar-epoch: N = 50,000, d0 = 3072, d1 = 16, Adam, batch 512, Float32, \
            median seconds per epoch; (b) figure1-gd: N = 400, d0 = 20, d1 = 40, full-batch GD, \
            Float64, median seconds per epoch. With --peer (bench/torch_reference.py in the repository) the \
            same cases run in PyTorch and the ratio PyTorch/Minima is printed, and one GD step \
            from shared initial weights is compared in Float64. Not a test: timings depend on \
            the machine and its load.
            """)

    @Option(help: "Cases to run: all, cifar-epoch, figure1-gd.")
    var cases: String = "all"

    @OptionGroup(title: "Run") var threadsOption: ThreadsOption
    var threads: Int { threadsOption.count }

    @Option(help: "Epochs of the CIFAR-shaped case (median over them; default 5).")
    var cifarEpochs: Int?

    @Option(help: "Epochs of the Figure-1-sized case (default 2000).")
    var smallEpochs: Int?

    @Option(help: ArgumentHelp("The PyTorch peer, bench/torch_reference.py (optional; needs torch and numpy).", valueName: "PATH"))
    var peer: String?

    @Option(help: "Python interpreter with torch for the peer (with --peer; default python3).")
    var python: String?

    @OptionGroup(title: "Run") var outOption: OutOption
    var out: String? { outOption.out }

    func validate() throws {
        let known = ["all", "cifar-epoch", "figure1-gd"]
        guard known.contains(cases) else {
            throw MinimaError.invalidOption(flag: "--cases", message: "expected one of \(known.joined(separator: ", ")), got '\(cases)'")
        }
        for (value, flag, caseName) in [(cifarEpochs, "--cifar-epochs", "cifar-epoch"), (smallEpochs, "--small-epochs", "figure1-gd")] {
            guard let value else { continue }
            guard value > 0 else { throw MinimaError.invalidOption(flag: flag, message: "must be positive, got \(value)") }
            guard cases == "all" || cases == caseName else {
                throw MinimaError.invalidOption(flag: flag, message: "does not apply to --cases \(cases)")
            }
        }
        if python != nil && peer == nil { throw MinimaError.invalidOption(flag: "--python", message: "applies with --peer only") }
    }

    func run() throws {
        let cifarEpochs = self.cifarEpochs ?? 5, smallEpochs = self.smallEpochs ?? 2000
        let peerRunner = peer.map { PyTorchPeer(script: $0, python: python ?? "python3") }
        print("OpenBLAS core \(BLASEnvironment.coreName), \(threads) thread(s), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        var results: [TrainingBenchmark.Result] = []
        if cases == "all" || cases == "figure1-gd" {
            results.append(try TrainingBenchmark.smallGD(epochs: smallEpochs, threads: threads, peer: peerRunner))
            printRow(results.last!)
        }
        if cases == "all" || cases == "cifar-epoch" {
            results.append(try TrainingBenchmark.cifarEpoch(epochs: cifarEpochs, threads: threads, peer: peerRunner))
            printRow(results.last!)
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
        if let out {
            struct Report: Encodable {
                var blasCoreName: String, threads: Int
                var results: [TrainingBenchmark.Result]
                var stepAgreement: TrainingBenchmark.StepAgreement?
            }
            try RecordJSON.write(Report(blasCoreName: BLASEnvironment.coreName, threads: threads,
                                        results: results, stepAgreement: agreement), to: out)
            print("results written to \(out)")
        }
    }

    private func printRow(_ r: TrainingBenchmark.Result) {
        var line = "\(r.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(r.description.padding(toLength: 44, withPad: " ", startingAt: 0)) Minima " + String(format: "%.3e s/epoch", r.minimaSeconds)
        if let p = r.peerSeconds, let s = r.speedup {
            line += String(format: "   PyTorch %.3e s/epoch   Minima/PyTorch time %.3f (%.1f× faster)", p, r.minimaSeconds / p, s)
        }
        print(line)
    }
}
