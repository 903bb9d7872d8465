import ArgumentParser
import Foundation
import Linalg
import Minima

/// `minima bench landscape`: timings of the landscape analysis at the paper's sizes.
struct BenchLandscape: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "landscape",
        abstract: "Time rank(A∘X) (Gram route, optionally explicit SVD and numpy.linalg.matrix_rank) or a matrix-free region fit.",
        discussion: """
            Builds X (N×d0, i.i.d. N(0,1), or --x X.npy) and a random W (d1×d0), forms the pattern \
            A = a(WX), then, in Float64:
              --task rank: rank(A∘X) by the Gram route ((AᵀA)⊙(XᵀX), ?syrk + ?syevd); with --svd \
            also by the explicit SVD (?gesdd); with --numpy also numpy.linalg.matrix_rank on the \
            same explicit matrix in a python3 subprocess (only the call is timed) and the ratio.
              --task fit: the region's least-squares fit by matrix-free LSQR (MSE_A, MCE_A, \
            iterations, achieved tolerance) on random ±1 labels.
            Prints the OpenBLAS core and thread count with the timings.
            """)

    enum Task: String, ExpressibleByArgument { case rank, fit }

    @Option(help: "rank or fit.") var task: Task = .rank
    @Option(help: "Samples N (default 4000; not with --x).") var n: Int?
    @Option(help: "Input dimension d0 (default 784; not with --x).") var d0: Int?
    @Option(help: "Hidden units d1.") var d1: Int = 10
    @Option(help: "Leaky-ReLU slope ρ of the pattern.") var slope: Double = 0
    @Option(help: ArgumentHelp("Use these inputs (N×d0) instead of Gaussian ones (then --n and --d0 are refused).", valueName: "X.npy"))
    var x: String?
    @OptionGroup(title: "Run") var seedOption: SeedOption
    @OptionGroup(title: "Run") var memory: MemoryOption
    @Flag(help: "Also time the explicit SVD route (rank).") var svd: Bool = false
    @Flag(help: "Also time numpy.linalg.matrix_rank on the same matrix (rank; needs python3 with numpy).") var numpy: Bool = false
    @Option(help: "LSQR tolerance (fit; default 1e-8).") var fitTol: Double?
    @Option(help: "LSQR iteration limit (fit; default 5000).") var maxIterations: Int?
    @OptionGroup(title: "Run") var threadsOption: ThreadsOption
    var threads: Int { threadsOption.count }

    func validate() throws {
        let taskOnly: [(Bool, String, Task)] = [(svd, "--svd", .rank), (numpy, "--numpy", .rank), (fitTol != nil, "--fit-tol", .fit),
                                                (maxIterations != nil, "--max-iterations", .fit)]
        if let (_, flag, wanted) = taskOnly.first(where: { $0.0 && $0.2 != task }) {
            throw MinimaError.invalidOption(flag: flag, message: "applies to --task \(wanted.rawValue), not --task \(task.rawValue)")
        }
        if x != nil, let flag = [(n != nil, "--n"), (d0 != nil, "--d0")].first(where: \.0)?.1 {
            throw MinimaError.invalidOption(flag: flag, message: "does not apply with --x X.npy, which sets N and d0")
        }
        for (value, flag) in [(n ?? 4000, "--n"), (d0 ?? 784, "--d0"), (d1, "--d1")] where value <= 0 {
            throw MinimaError.invalidOption(flag: flag, message: "must be positive, got \(value)")
        }
        if x == nil {
            // The Gram route's p×p matrix (p = d0·d1) and, with --svd or --task fit, the explicit N×p one.
            let n = self.n ?? 4000, d0 = self.d0 ?? 784
            let p = MemoryBudget.product(d0, d1)
            try MemoryBudget.check(elements: p.flatMap { MemoryBudget.product($0, $0) }, of: 8, what: "--d0 \(d0) --d1 \(d1) (the p×p Gram matrix, p = d0·d1)")
            if svd || numpy { try MemoryBudget.check(elements: p.flatMap { MemoryBudget.product(n, $0) }, of: 8, what: "--n \(n) --d0 \(d0) --d1 \(d1) (A∘X, N×d0·d1)") }
        }
    }

    func run() throws {
        try BLASEnvironment.withThreads(threads) { try measure() }
    }

    /// The timings, on `threads` BLAS threads.
    private func measure() throws {
        let n = self.n ?? 4000, d0 = self.d0 ?? 784, seed = seedOption.seed
        // Unbuffered, so progress shows at once when the output goes to a file.
        func print(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
        let clock = ContinuousClock()
        let tSetup = clock.now
        let setup = try LandscapeBenchmark(n: n, d0: d0, d1: d1, slope: slope, inputs: x, seed: seed)
        print(String(format: "setup (X, W, pattern) %.1f s", (clock.now - tSetup).inSeconds))
        print("OpenBLAS core \(setup.blasCore), \(setup.blasThreads) threads; N = \(setup.n), d0 = \(setup.d0), d1 = \(d1), p = d0·d1 = \(setup.design.p), ρ = \(slope)")
        switch task {
        case .rank:
            var gram: KhatriRaoRank?
            let tGram = try ContinuousClock.seconds { gram = try setup.design.rank(method: .gram, memoryLimit: .max) }
            print(String(format: "gram  (?syrk + ?syevd):  rank %d  in %.3f s  (σ tolerance %.3e, gap %.3e)", gram!.rank, tGram, gram!.tolerance, gram!.gap))
            if svd {
                var r: KhatriRaoRank?
                let t = try ContinuousClock.seconds { r = try setup.design.rank(method: .svd, memoryLimit: .max) }
                print(String(format: "svd   (?gesdd explicit): rank %d  in %.3f s  (σ tolerance %.3e, gap %.3e); gram/svd time %.3f", r!.rank, t, r!.tolerance, r!.gap, tGram / t))
            }
            if numpy {
                let (rank, t) = try setup.numpyMatrixRank()
                print(String(format: "numpy.linalg.matrix_rank: rank %d  in %.3f s;  gram/numpy time ratio %.3f (target ≤ 1)", rank, t, tGram / t))
            }
        case .fit:
            var solution: RegionSolution?
            let t = try ContinuousClock.seconds {
                solution = try RegionFit.solve(setup.design, y: setup.labels, coding: .plusMinusOne, method: .lsqr,
                                               tolerance: fitTol ?? 1e-8, maxIterations: maxIterations ?? 5000,
                                               progress: ProgressPrinter("LSQR", quiet: false).report)
            }
            let f = solution!.fit
            print(String(format: "LSQR region fit: MSE_A %.4e, MCE_A %@, %d iterations (%@), achieved tolerance %.3e, %.1f s (%.3f s/iteration)",
                         f.mse, NotApplicable.percent(f.mce), f.iterations, f.converged ? "converged" : "NOT converged", f.achievedTolerance, t,
                         t / Double(Swift.max(1, f.iterations))))
        }
    }
}
