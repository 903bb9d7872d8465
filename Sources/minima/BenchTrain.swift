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
            Float64, median seconds per epoch. With --peer (the path of torch_reference.py) the \
            same cases run in PyTorch and the ratio PyTorch/Minima is printed, and one GD step \
            from shared initial weights is compared in Float64. Not a test: timings depend on \
            the machine and its load.
            """)

    @Option(help: "Cases to run: all, cifar-epoch, figure1-gd.")
    var cases: String = "all"

    @OptionGroup(title: "Run") var threadsOption: ThreadsOption
    var threads: Int { threadsOption.count }

    @Option(help: "Epochs of the CIFAR-shaped case (median over them).")
    var cifarEpochs: Int = 5

    @Option(help: "Epochs of the Figure-1-sized case.")
    var smallEpochs: Int = 2000

    @Option(help: ArgumentHelp("torch_reference.py, the PyTorch peer (optional).", valueName: "PATH"))
    var peer: String?

    @Option(help: "Python interpreter with torch for the peer.")
    var python: String = "python3"

    @Option(help: ArgumentHelp("Also write the results as JSON here.", valueName: "FILE"))
    var out: String?

    func run() throws {
        let known = ["all", "cifar-epoch", "figure1-gd"]
        guard known.contains(cases) else {
            throw MinimaError.invalidOption(flag: "--cases", message: "expected one of \(known.joined(separator: ", ")), got '\(cases)'")
        }
        guard cifarEpochs > 0, smallEpochs > 0 else {
            throw MinimaError.invalidOption(flag: "--cifar-epochs/--small-epochs", message: "must be positive")
        }
        let peerRunner = peer.map { PyTorchPeer(script: $0, python: python) }
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
