import ArgumentParser
import Foundation
import Minima

/// `minima construct`: Theorem 8's exact fit, built explicitly.
struct Construct: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build Theorem 8's network: d1* = 4⌈N/(2d0−2)⌉ hidden units that fit y exactly with no zero pre-activation.",
        discussion: """
            Splits the data into groups of d0 − 1 samples, puts a pair of units on each group's \
            hyperplane and solves one linear system for their directions (docs/construction.md). \
            Float64. Any y: class labels, or real-valued targets with --labels real (a y.npy \
            as given, or y ~ N(0, 1) for --dataset gaussian). Prints the unit count, MSE, MCE \
            (— for real targets), largest residual and margin min|w·x|; \
            --save-weights writes W1.npy and z.npy so the network can be checked or trained further.
            """)

    @OptionGroup(title: "Run") var memory: MemoryOption
    @OptionGroup(title: "Data") var data: DataOptions

    @Option(help: "Leaky-ReLU slope ρ (0 = ReLU).")
    var slope: Double = 0

    @OptionGroup(title: "Run") var seedOption: SeedOption
    var seed: UInt64 { seedOption.seed }

    @Option(help: ArgumentHelp("Save the weights into DIR (W1.npy, z.npy; the folder is replaced as a whole).", valueName: "DIR"))
    var saveWeights: String?

    func validate() throws {
        if let saveWeights { try OutputPath.checkWeightsFolder(saveWeights, flag: "--save-weights") }
    }

    func run() throws {
        let spec = data.spec(seed: seed)
        let dataset: Dataset<Double> = try spec.load()
        let (net, r) = try Theorem8Construction.build(data: dataset, slope: slope, seed: seed)
        print("N = \(r.n), d0 = \(r.d0), ρ = \(r.slope), data: \(dataset.name)")
        print("groups K = \(r.groups), hidden units \(r.units) (Theorem 8: d1* = \(r.d1Star))\(r.linearPair ? ", including one linear pair (K odd)" : "")")
        print(String(format: "MSE %.3e, MCE %@, max |f − y|/max |y| = %.3e", r.mse, NotApplicable.percent(r.mce), r.relativeMaxResidual))
        print(String(format: "margin min|w·x| = %.3e, %d zero pre-activations, largest |z| = %.3e", r.margin, r.zeroPreactivations, r.maxOutputWeight))
        if let dir = saveWeights {
            try WeightFiles.save(net, to: dir)
            print("weights saved in \(dir) (W1.npy \(r.units)×\(r.d0), z.npy \(r.units); load with --hidden \(r.units) --slope \(slope))")
        }
    }
}
