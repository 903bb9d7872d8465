import Foundation
import Linalg
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining
import MinimaLandscape
import MinimaRuns
import MinimaVolume

/// The real-data rows of the paper's Table 1 (PAPER.md §4): one hidden layer, no biases, ReLU,
/// `d1 ≈ N/d0` so that #params ≈ N, and the training error the paper reports.
public enum Table1Dataset: String, Codable, Sendable, CaseIterable {
    case mnist, cifar10, imagenet

    /// The paper's row: sizes and reported training MCE.
    public var row: Table1Row {
        switch self {
        case .mnist:
            return Table1Row(dataset: self, title: "MNIST (train+test merged)", n: 70_000, d0: 784, d1: 89, paperMCE: 0)
        case .cifar10:
            return Table1Row(dataset: self, title: "CIFAR-10 (ZCA-whitened, classes 0–4 vs 5–9)", n: 50_000, d0: 3072, d1: 16, paperMCE: 0)
        case .imagenet:
            return Table1Row(dataset: self, title: "ImageNet downsampled to 64×64", n: 1_280_000, d0: 12_288, d1: 105, paperMCE: 0.001)
        }
    }

    /// The input that gives this data set's folder.
    public var field: InputField {
        switch self {
        case .mnist: return .table1MNIST
        case .cifar10: return .table1CIFAR
        case .imagenet: return .table1Images
        }
    }
}

/// One row of Table 1 as the paper gives it.
public struct Table1Row: Codable, Equatable, Sendable {
    public var dataset: Table1Dataset
    public var title: String
    /// Samples N, input dimension d0, hidden width d1.
    public var n, d0, d1: Int
    /// The training MCE the paper reports (a fraction).
    public var paperMCE: Double
}

/// One stage of a Table 1 recipe: a training configuration run in one precision, continuing
/// from the weights the previous stage left.
public struct Table1Phase: Codable, Equatable, Sendable {
    public var name: String
    public var training: TrainingConfiguration
    public var precision: Precision
    /// The region margin step run as the stage's `TrainingFinisher`.
    public var marginStep: RegionMarginStep? = nil
}

/// How Table 1's networks are trained: stages run in order until the training MCE is 0.
///
/// The default (see docs/experiments.md): Adam on minibatches of 512 in Float32 with a constant
/// learning rate 5e-4 for 1000 epochs then ×0.99 per epoch (the PyTorch peer's best schedule:
/// 0.014% on CIFAR-10, 0.02% on MNIST), finished by the region margin step
/// (`RegionMarginStep`): whenever an epoch ends with at most 50 wrong samples (at most every
/// 50 epochs), minimum-norm least-squares steps inside the current activation region try to put
/// every sample on its label's side; the first try that succeeds ends training.
public struct Table1Recipe: Codable, Equatable, Sendable {
    public var phases: [Table1Phase]

    public static let standard: Table1Recipe = {
        var minibatch = TrainingConfiguration()
        minibatch.optimizer = .adam
        minibatch.learningRate = 5e-4
        minibatch.batchSize = 512
        minibatch.epochs = 1500
        minibatch.decayAfter = 1000
        minibatch.decay = 0.99
        minibatch.stopAtZeroError = true
        return Table1Recipe(phases: [
            Table1Phase(name: "Adam, batch 512, Float32, region margin step", training: minibatch, precision: .float32,
                        marginStep: .duringTraining(below: 50)),
        ])
    }()

    public var summary: String {
        phases.map { p in
            let t = p.training
            var s = "\(p.name): lr \(t.learningRate)"
            if let k = t.decayAfter { s += ", ×\(t.decay)/epoch after \(k)" }
            if let m = p.marginStep { s += ", region margin step (margin \(m.margin)) tried at ≤ \(m.triesBelow) wrong every \(m.tryEvery) epochs and at the end" }
            return s + ", ≤ \(t.epochs) epochs"
        }.joined(separator: "; then ")
    }
}

/// What one Table 1 row measured.
public struct Table1Result: Codable, Sendable {
    public var row: Table1Row
    public var recipe: Table1Recipe
    /// The data set's actual sizes.
    public var n, d0: Int
    /// Final training MCE and wrong samples; the best MCE seen at any logged epoch.
    public var mce: Double
    public var errors: Int
    public var bestMCE: Double
    public var mse: Double
    public var epochs: Int
    public var seconds: Double
    public var seed: UInt64
    public var environment: RunEnvironment
    /// How the last stage ended (e.g. the epoch after which the region margin step succeeded).
    public var message: String? = nil
    /// What the region margin step did (the try that succeeded, or the last one).
    public var marginStep: [MarginStepIteration]? = nil
}

extension Table1 {
    /// The `DataSpec` of a Table 1 data set read from `folder`: the paper's rows with Minima's
    /// binary tasks (PAPER.md §4).
    ///
    /// - MNIST: the IDX files, train and test merged (N = 70,000), digits 0–4 against 5–9,
    ///   pixels in [0, 1] standardised per feature.
    /// - CIFAR-10: the binary batches (or `cifar-10-binary.tar.gz`), the 50,000 training images,
    ///   classes 0–4 against 5–9, ZCA-whitened with ε = 1e-5 (near-full whitening; see
    ///   docs/datasets.md for why the strength decides whether 0% is reachable).
    /// - ImageNet 64×64: an image folder, first half of the classes against the second.
    ///
    /// A folder holding `X.npy` (N×d0) and `y.npy` (±1) prepared elsewhere is used as it is.
    public static func dataSpec(for dataset: Table1Dataset, folder: String) throws -> DataSpec {
        let x = folder + "/X.npy", y = folder + "/y.npy"
        var spec = DataSpec()
        if FileManager.default.fileExists(atPath: x) && FileManager.default.fileExists(atPath: y) {
            spec.source = .npy
            spec.x = x
            spec.y = y
            return spec
        }
        guard FileManager.default.fileExists(atPath: folder) else {
            throw MinimaError.invalidValue(field: dataset.field, message: "\(folder) does not exist")
        }
        spec.path = folder
        switch dataset {
        case .mnist:
            spec.source = .mnist
            spec.classes = "0-4:5-9"
            spec.mergeTest = true
            spec.preprocessing.standardize = true
        case .cifar10:
            spec.source = .cifar10
            spec.classes = "0-4:5-9"
            spec.preprocessing.zca = true
            spec.preprocessing.zcaEpsilon = 1e-5
        case .imagenet:
            spec.source = .images
        }
        try spec.validate()
        return spec
    }
}

/// Runs Table 1's rows and renders the table (paper figure next to measured figure).
public enum Table1 {
    /// Trains `row`'s network (d0 from the data, d1 from the paper, no bias, ReLU) on `data`
    /// with `recipe`, stopping at the first stage that reaches MCE 0.
    public static func run(_ row: Table1Row, data spec: DataSpec, recipe: Table1Recipe = .standard, seed: UInt64 = 0,
                           threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                           minutes: Double = 20, saveWeights: String? = nil,
                           progress: ((String, TrainingProgress) -> Void)? = nil) throws -> Table1Result {
        guard !recipe.phases.isEmpty else { throw MinimaError.mismatch("a Table 1 recipe needs at least one stage") }
        for p in recipe.phases { try p.training.validate() }
        let data: Dataset<Float> = try spec.load()
        let shape = NetworkShape(d0: data.d0, hidden: [row.d1], slope: 0, bias: false)
        try shape.validate()
        var single = Network<Float>.random(shape: shape, seed: seed)
        var double: Network<Double>? = nil
        var doubleData: Dataset<Double>? = nil
        var epochs = 0, seconds = 0.0, best = 1.0
        var last: FinalState? = nil
        // The row's wall-clock budget: every stage but the last may use 85% of what is left,
        // so the finishing stage always gets some time.
        let budget = minutes * 60
        for (index, phase) in recipe.phases.enumerated() {
            var t = phase.training
            t.seed = seed
            let left = budget - seconds
            if left <= 0 { break }
            t.timeLimit = index == recipe.phases.count - 1 ? left : 0.85 * left
            let report: ((TrainingProgress) -> Void)? = progress.map { p in { p(phase.name, $0) } }
            let result: (curve: [CurvePoint], final: FinalState)
            switch phase.precision {
            case .float32:
                if let d = double { single = Network<Float>(shape: shape); single.parameters = d.parameters.map { Float($0) }; double = nil }
                result = Trainer<Float>(t, threads: threads, finisher: phase.marginStep).train(&single, on: data, progress: report)
            case .float64:
                if double == nil { var d = Network<Double>(shape: shape); d.parameters = single.parameters.map { Double($0) }; double = d }
                if doubleData == nil { doubleData = data.converted(to: Double.self) }
                result = Trainer<Double>(t, threads: threads, finisher: phase.marginStep).train(&double!, on: doubleData!, progress: report)
            }
            epochs += result.final.epochs
            seconds += result.final.seconds
            best = min(best, result.curve.map(\.mce).min() ?? 1, result.final.mce)
            last = result.final
            if result.final.errors == 0 || result.final.status == .diverged { break }
        }
        guard let final = last else { throw MinimaError.mismatch("Table 1's time budget (\(minutes) min) left no time to train") }
        if let folder = saveWeights {
            if let d = double { try WeightFiles.save(d, to: folder) } else { try WeightFiles.save(single, to: folder) }
        }
        return Table1Result(row: row, recipe: recipe, n: data.n, d0: data.d0, mce: final.mce, errors: final.errors, bestMCE: best,
                            mse: final.mse, epochs: epochs, seconds: seconds, seed: seed,
                            environment: .current(precision: recipe.phases.last!.precision),
                            message: final.message, marginStep: final.marginStep)
    }

    package static func path(_ results: String) -> String { results + "/table1.json" }

    /// The Table 1 results stored in `results` (empty if none).
    public static func readResults(_ results: String) throws -> [Table1Result] {
        guard FileManager.default.fileExists(atPath: path(results)) else { return [] }
        return try RecordJSON.read(path(results), what: "a Minima Table 1 file")
    }

    /// Adds (or replaces, by data set) a result in `results/table1.json`, atomically.
    public static func store(_ result: Table1Result, in results: String) throws {
        var all = try readResults(results).filter { $0.row.dataset != result.row.dataset }
        all.append(result)
        all.sort { Table1Dataset.allCases.firstIndex(of: $0.row.dataset)! < Table1Dataset.allCases.firstIndex(of: $1.row.dataset)! }
        try AtomicFile.write(RecordJSON.encode(all), to: path(results))
    }

    /// The Markdown table: the paper's figure next to the measured one, with epochs and wall time.
    public static func markdown(_ results: [Table1Result]) -> String {
        var md = "| dataset | N | d0 | d1 | #params/N | paper MCE | measured MCE (wrong) | best MCE | final MSE | epochs | wall time |\n"
        md += "|---|---|---|---|---|---|---|---|---|---|---|\n"
        for r in results {
            let params = r.d0 * r.row.d1 + r.row.d1
            md += "| \(r.row.title) | \(r.n) | \(r.d0) | \(r.row.d1) | \(String(format: "%.2f", Double(params) / Double(r.n))) | "
            md += "\(percent(r.row.paperMCE)) | \(percent(r.mce)) (\(r.errors)) | \(percent(r.bestMCE)) | \(String(format: "%.4f", r.mse)) | \(r.epochs) | "
            md += "\(String(format: "%.1f min", r.seconds / 60)) |\n"
        }
        if let recipes = Optional(Set(results.map(\.recipe.summary))), !recipes.isEmpty {
            md += "\nRecipe: " + recipes.sorted().joined(separator: "\n\nRecipe: ") + ".\n"
        }
        for r in results {
            guard let steps = r.marginStep, !steps.isEmpty else { continue }
            let path = ([steps[0].errorsBefore] + steps.map(\.errorsAfter)).map(String.init).joined(separator: " → ")
            md += "\n\(r.row.title): \(r.message ?? ""); wrong samples through the margin step's iterations: \(path).\n"
        }
        for r in results where r.errors > 0 {
            md += "\n\(r.row.title) did not reach 0%: it ended at \(percent(r.mce)) (\(r.errors) of \(r.n) wrong), best \(percent(r.bestMCE)).\n"
        }
        return md
    }

    static func percent(_ v: Double) -> String {
        v == 0 ? "0%" : String(format: v < 0.001 ? "%.3f%%" : "%.2f%%", 100 * v)
    }
}
