import ArgumentParser
import Foundation
import Minima

/// `minima certify`: the landscape certificate of trained weights.
struct Certify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Certify trained weights: activation region, rank(A∘X), the region's best fit, verdict, Hessian spectrum.",
        discussion: """
            Weights and data come from a run record (--run RUN.json, which must have been trained \
            with --save-weights; its weights must still match the checksum the record holds) or \
            from --weights PATH (a folder of W1.npy, z.npy, and W2.npy/b1.npy/… when present, or a .safetensors file) with the data \
            flags of `minima train` (--x X.npy --y y.npy, or a synthetic --dataset). Data flags and \
            --slope next to --run are refused: the record says which data and slope. Everything is \
            computed in Float64.

            One hidden layer: the activation pattern A = a(WX) and its margins, the numerical rank \
            of the Khatri-Rao product A∘X, the least-squares fit of y inside the region (MSE_A, \
            MCE_A: the best any weights with this pattern can do), the distance ‖e − e_A‖/‖y‖ of \
            the network from the region's differentiable local minimum, and a verdict: global \
            (at the DLM with rank(A∘X) = N, Lemma 2), suboptimal-dlm, not-converged, or \
            non-differentiable (a pre-activation within --margin-tol of 0). Two hidden layers: \
            pattern statistics and the Hessian only (verdict uncertified). The Hessian of the MSE \
            over all parameters is exact inside the region: dense up to --hessian-dense-max \
            parameters, Lanczos on exact Hessian-vector products beyond. Large matrix-free fits \
            print LSQR's progress on stderr about once a second. See docs/landscape.md.
            """)

    @OptionGroup(title: "Run") var memory: MemoryOption
    @OptionGroup var network: TrainedNetworkOptions
    @OptionGroup(title: "Certificate") var flags: CertificateFlags

    @OptionGroup(title: "Run") var seedOption: SeedOption
    @OptionGroup(title: "Run") var threads: ThreadsOption
    @OptionGroup(title: "Run") var quiet: QuietOption
    @OptionGroup(title: "Run") var jsonOption: JSONOption
    var json: Bool { jsonOption.json }
    var seed: UInt64 { seedOption.seed }

    @OptionGroup(title: "Run") var outOption: OutOption
    var out: String? { outOption.out }

    @Option(help: ArgumentHelp("Save the region's least-squares fit as weights in DIR (w_i = u_i/z_i, one hidden layer) and report what that network really does (a step to the region's best fit; the pattern may change).", valueName: "DIR"))
    var saveRegionWeights: String?

    func validate() throws {
        _ = try flags.options(seed: seed)
        if let saveRegionWeights { try OutputPath.checkWeightsFolder(saveRegionWeights, flag: "--save-region-weights") }
    }

    func run() throws {
        var options = try flags.options(seed: seed)
        options.threads = threads.count
        let (network, dataset, _, _) = try self.network.load(seed: seed)
        var solution: RegionSolution? = nil
        let certificate = try Certificate.make(network: network, data: dataset, options: options,
                                               fitProgress: ProgressPrinter("LSQR", quiet: quiet.quiet).report,
                                               regionSolution: { solution = $0 })
        if let folder = saveRegionWeights {
            guard let solution else {
                throw MinimaError.invalidOption(flag: "--save-region-weights", message: "needs a one-hidden-layer network (no region fit was computed)")
            }
            let stepped = solution.network(like: network)
            try WeightFiles.save(stepped, to: folder)
            let m = stepped.metrics(dataset)
            let line = "region fit saved in \(folder) as weights: " +
                String(format: "the network with them has MSE %.4e, MCE %@%@; the fit itself MSE_A %.4e, MCE_A %@\n",
                       m.mse, NotApplicable.percent(m.mce), m.errors.map { " (\($0) wrong)" } ?? "", solution.fit.mse, NotApplicable.percent(solution.fit.mce))
            FileHandle.standardError.write(Data(line.utf8))
        }
        let encoded = try certificate.jsonData()
        if let out { try AtomicFile.write(encoded, to: out) }
        if json {
            print(String(decoding: encoded, as: UTF8.self))
        } else {
            print(certificate.summary)
            if let out { print("certificate written to \(out)") }
        }
    }
}
