import ArgumentParser
import Foundation
import Linalg
import Minima

/// `minima data`: commands about data sets.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect data sets as minima train would read them.",
        subcommands: [DataInspect.self])
}

/// `minima data inspect`: loads a data set exactly as `minima train` would and describes it.
struct DataInspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Load a data set as minima train would and print what was found.",
        discussion: """
            Prints the images per split and class, the image shape, the binary task and its label \
            balance, N and d0 after preprocessing, the mean and standard deviation of the scaled \
            pixels and of the final inputs, and how long reading and each preprocessing step took. \
            Takes the same data flags as minima train; image data sets go through the same cache.
            """)

    @OptionGroup(title: "Run") var memory: MemoryOption
    @OptionGroup(title: "Data") var data: DataOptions

    @Option(help: "Arithmetic of the preprocessing: float32 or float64 (as minima train's --precision).")
    var precision: Precision = .float32

    @OptionGroup(title: "Run") var seed: SeedOption
    @OptionGroup(title: "Run") var threads: ThreadsOption
    @OptionGroup(title: "Run") var jsonOption: JSONOption

    func run() throws {
        try BLASEnvironment.withThreads(threads.count) {
            let spec = data.spec(seed: seed.seed)
            let report: DataReport
            switch precision {
            case .float32: report = try spec.loadWithReport(as: Float.self).report
            case .float64: report = try spec.loadWithReport(as: Double.self).report
            }
            if jsonOption.json {
                print(String(decoding: try RecordJSON.encode(report), as: UTF8.self))
            } else {
                print(DataInspect.text(report, precision: precision))
            }
        }
    }

    /// The report as lines of text.
    static func text(_ r: DataReport, precision: Precision) -> String {
        var lines = ["data set: \(r.name)"]
        if let s = r.imageShape { lines.append("images: \(s[0]) channel(s), \(s[1])×\(s[2]) pixels (\(s.reduce(1, *)) values each)") }
        for split in r.splits {
            let perClass = zip(r.classNames, split.classCounts).map { "\($0) \($1)" }.joined(separator: ", ")
            lines.append("\(split.name): \(split.count) images; per class: \(perClass)")
        }
        func names(_ classes: [Int]) -> String {
            classes.map { r.classNames.indices.contains($0) && r.classNames[$0] != "\($0)" ? "\($0) \(r.classNames[$0])" : "\($0)" }.joined(separator: ", ")
        }
        if !r.negativeClasses.isEmpty {
            lines.append("binary task: negative = {\(names(r.negativeClasses))}; positive = {\(names(r.positiveClasses))}")
        }
        let n = max(r.n, 1)
        if let negatives = r.negatives, let positives = r.positives {
            lines.append(String(format: "N = %d, d0 = %d (%@); labels: %d negative (%.2f%%), %d positive (%.2f%%)",
                                r.n, r.d0, precision.rawValue, negatives, 100 * Double(negatives) / Double(n),
                                positives, 100 * Double(positives) / Double(n)))
        } else {
            lines.append(String(format: "N = %d, d0 = %d (%@); real-valued targets: mean %.4g, std %.4g (no classes)",
                                r.n, r.d0, precision.rawValue, r.targetMean ?? .nan, r.targetStd ?? .nan))
        }
        if let m = r.pixelMean, let s = r.pixelStd { lines.append(String(format: "pixels (scaled): mean %.4f, std %.4f", m, s)) }
        lines.append(String(format: "inputs: mean %.4g, std %.4g", r.featureMean, r.featureStd))
        if let e = r.covarianceEigenvalueRange { lines.append(String(format: "covariance eigenvalues (ZCA): %.3g … %.3g", e[0], e[1])) }
        lines.append("time: " + r.steps.map { step in
            String(format: "%@ %.2f s", step.name, step.seconds) + (step.note.isEmpty ? "" : " (\(step.note))")
        }.joined(separator: "; "))
        lines.append("cache: \(r.cache)")
        lines.append("blas: \(BLASEnvironment.coreName), \(BLASEnvironment.threads) thread(s)")
        return lines.joined(separator: "\n")
    }
}
