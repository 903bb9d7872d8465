import Foundation
import Linalg
import MinimaCore

/// Turns labelled images into the binary data set `(X, y)` a run trains on: choose the split(s),
/// map classes to labels (`ClassSplit`) or draw random labels, take a seeded subset, scale the
/// pixels and apply the preprocessing steps. Every step is timed into a `DataReport`.
public enum BinaryTask {
    /// The whole pipeline for an image source (no cache).
    package static func build<Scalar: LinalgScalar>(_ spec: DataSpec) throws -> (Dataset<Scalar>, DataReport) {
        var report = DataReport()
        let splits = try Timed.run("read", note: spec.path ?? "", into: &report) { try spec.readSplits() }
        let train = splits.train
        report.classNames = train.classNames
        report.imageShape = [train.channels, train.height, train.width]
        report.splits = [DataReport.Split(name: "train", count: train.count, classCounts: train.classCounts)]
        if let test = splits.test {
            report.splits.append(DataReport.Split(name: "test", count: test.count, classCounts: test.classCounts))
        }
        var images = train
        if spec.mergeTest {
            guard let test = splits.test else {
                throw MinimaError.invalidValue(field: .mergeTest, message: "\(spec.path!) has no test split to merge")
            }
            images = images.appending(test)
        }
        // Class → label.
        var positive: [Bool]
        if spec.randomLabels && spec.classes == nil {
            positive = []
        } else {
            let split = try ClassSplit.parse(spec.classes ?? "halves", classNames: images.classNames)
            report.negativeClasses = split.negative
            report.positiveClasses = split.positive
            let kept = images.labels.indices.filter { split.isPositive(images.labels[$0]) != nil }
            if kept.count < images.count { images = images.selecting(kept) }
            positive = images.labels.map { split.isPositive($0)! }
        }
        if let limit = spec.limit {
            guard limit <= images.count else {
                throw MinimaError.invalidValue(field: .limit, message: "asks for \(limit) samples but the task has \(images.count)")
            }
            var rng = SeededGenerator(seed: spec.seed, stream: .subset)
            let chosen = rng.permutation(images.count).prefix(limit).sorted()
            images = images.selecting(chosen)
            if !positive.isEmpty { positive = chosen.map { positive[$0] } }
        }
        let coding = spec.labels
        // `DataSpec.validate` refuses real targets for image sources: their labels are classes.
        guard let classes = coding.classes else { preconditionFailure("image data sets have class labels, not real targets") }
        let y: [Scalar] = spec.randomLabels
            ? randomLabels(count: images.count, classes: classes, seed: spec.seed)
            : positive.map { Scalar(classes.label(positive: $0)) }
        let p = spec.preprocessing
        var x: Matrix<Scalar> = Timed.run("scale", note: p.scale == .unit ? "bytes/255" : "bytes as 0…255", into: &report) {
            FeatureTransform.pixels(images, divisor: p.scale == .unit ? 255 : 1)
        }
        let stats = moments(x)
        report.pixelMean = stats.mean
        report.pixelStd = stats.std
        if p.pool > 1 {
            guard p.pool <= images.height, p.pool <= images.width else {
                throw MinimaError.invalidValue(field: .pool, message: "\(p.pool)×\(p.pool) blocks leave 0 features: the images are \(images.width)×\(images.height) pixels (at most \(min(images.width, images.height)))")
            }
            x = Timed.run("pool", note: "\(p.pool)×\(p.pool) average", into: &report) {
                FeatureTransform.averagePool(x, channels: images.channels, height: images.height, width: images.width, factor: p.pool).x
            }
        }
        // Unpooled pixels are still 8-bit levels over the divisor: ZCA can use them exactly.
        try transformFeatures(&x, p, seed: spec.seed, pixelDivisor: p.pool > 1 ? nil : (p.scale == .unit ? 255 : 1), report: &report)
        let name = "\(spec.source.rawValue):\(spec.path!)" + (spec.randomLabels ? " random labels" : " classes \(spec.classes ?? "halves")")
        let data = Dataset(x: x, y: y, coding: coding, name: name)
        report.name = name
        summarise(data, into: &report)
        return (data, report)
    }

    /// Centring, standardisation, ZCA whitening and random projection, as `p` asks, each timed.
    /// `pixelDivisor`: X holds 8-bit pixels over this divisor (`PixelGrid`), which ZCA uses
    /// when no centring or standardisation came first.
    static func transformFeatures<Scalar: LinalgScalar>(_ x: inout Matrix<Scalar>, _ p: Preprocessing, seed: UInt64,
                                                        pixelDivisor: Double? = nil, report: inout DataReport) throws {
        if p.center { Timed.run("center", into: &report) { FeatureTransform.center(&x) } }
        if p.standardize {
            let constant = Timed.run("standardize", into: &report) { FeatureTransform.standardize(&x) }
            if constant > 0 { report.steps[report.steps.count - 1].note = "\(constant) constant features left unscaled" }
        }
        if p.zca {
            let w = try Timed.run("zca", note: "ε = \(p.zcaEpsilon)", into: &report) {
                try FeatureTransform.zcaWhiten(&x, epsilon: p.zcaEpsilon,
                                               pixelDivisor: p.center || p.standardize ? nil : pixelDivisor)
            }
            report.covarianceEigenvalueRange = [w.eigenvalues.first ?? 0, w.eigenvalues.last ?? 0]
            report.steps[report.steps.count - 1].note += String(format: "; covariance %.2f s", w.seconds.covariance)
                + (w.fromPixelLevels ? " (exact, from 8-bit levels)" : "")
                + String(format: ", eigen %.2f s, apply %.2f s", w.seconds.eigen, w.seconds.apply)
        }
        if let k = p.project {
            Timed.run("project", note: "Gaussian, d0 \(x.columns) → \(k)", into: &report) { FeatureTransform.project(&x, to: k, seed: seed) }
        }
    }

    /// A seeded random subset of `limit` samples, in their original order.
    static func subset<Scalar: LinalgScalar>(_ data: Dataset<Scalar>, limit: Int, seed: UInt64) throws -> Dataset<Scalar> {
        guard limit <= data.n else {
            throw MinimaError.invalidValue(field: .limit, message: "asks for \(limit) samples but the data set has \(data.n)")
        }
        var rng = SeededGenerator(seed: seed, stream: .subset)
        let chosen = rng.permutation(data.n).prefix(limit).sorted()
        return Dataset(x: data.x.selectingRows(chosen), y: chosen.map { data.y[$0] }, coding: data.coding, name: data.name)
    }

    /// Labels ±1 (or 0/1) with probability ½ each, from the seed's random-label stream.
    public static func randomLabels<Scalar: LinalgScalar>(count: Int, classes: LabelClasses, seed: UInt64) -> [Scalar] {
        var rng = SeededGenerator(seed: seed, stream: .randomLabels)
        return (0..<count).map { _ in Scalar(classes.label(positive: rng.next() & 1 == 1)) }
    }

    /// N, d0, the label balance (the targets' mean and standard deviation for real targets) and
    /// the moments of the final inputs.
    static func summarise<Scalar: LinalgScalar>(_ data: Dataset<Scalar>, into report: inout DataReport) {
        report.n = data.n
        report.d0 = data.d0
        let counts = data.classCounts
        report.negatives = counts?.negative
        report.positives = counts?.positive
        if counts == nil {
            let targets = moments(Matrix(rows: data.n, columns: 1, elements: data.y))
            report.targetMean = targets.mean
            report.targetStd = targets.std
        }
        let stats = moments(data.x)
        report.featureMean = stats.mean
        report.featureStd = stats.std
    }

    /// Mean and standard deviation of all entries (accumulated in Double).
    static func moments<Scalar: LinalgScalar>(_ x: Matrix<Scalar>) -> (mean: Double, std: Double) {
        guard !x.elements.isEmpty else { return (0, 0) }
        var sum = 0.0, sumSquares = 0.0
        x.elements.withUnsafeBufferPointer { p in
            for v in p { let d = Double(v); sum += d; sumSquares += d * d }
        }
        let n = Double(x.elements.count)
        let mean = sum / n
        return (mean, max(0, sumSquares / n - mean * mean).squareRoot())
    }
}
