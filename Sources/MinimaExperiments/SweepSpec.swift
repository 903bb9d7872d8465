import Foundation
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining
import MinimaLandscape
import MinimaRuns
import MinimaVolume

/// Which of the paper's figures a sweep feeds (docs/theory.md §4); the report draws it.
public enum FigureKind: String, Codable, Sendable, CaseIterable {
    /// Final MCE and MSE against #params/N, mean ± std, one curve per depth.
    case figure1
    /// Final margin `min |w_iᵀ x_n|` against final MSE, one point per run.
    case figure2
}

/// A declarative grid of training runs (a JSON file; schema in docs/experiments.md).
///
/// ```json
/// { "name": "figure1", "figure": "figure1", "repetitions": 30, "seed": 0, "precision": "float64",
///   "data": { "source": "gaussian" },
///   "training": { "optimizer": "adam", "learningRate": 0.01, "epochs": 2000 },
///   "grid": { "n": [1000], "d0": { "paramsOverN": [0.1, 1, 10] }, "depth": [1, 2], "width": "d0" } }
/// ```
///
/// The grid's axes multiply; three quantities may be derived instead of listed:
/// `N = ⌊d0²/k⌋` (`"n": {"d0SquaredOver": k}`, Figure 2's `N = ⌊d²/5⌋`),
/// `d1 = ⌈f·N/d0⌉` (`"width": {"fractions": [f, …]}`, so that d0·d1 ≈ f·N), and
/// `d0` = the size whose #params is nearest `r·N` (`"d0": {"paramsOverN": [r, …]}`).
/// Every grid point runs `repetitions` times with seeds `seed, seed+1, …` (the same seed draws
/// the data, the initial weights and the batch order, so repetition r of every grid point with
/// the same N and d0 sees the same data).
public struct SweepSpec: Sendable {
    /// Names the sweep in records and reports (letters, digits, `.`, `_`, `-`).
    public var name: String
    public var description: String = ""
    public var figure: FigureKind? = nil
    /// The data set; `n` and `d0` are filled in from the grid. New sources work unchanged.
    public var data = DataSpec()
    /// Training settings shared by every run; grid axes override single fields.
    public var training = TrainingConfiguration()
    public var precision: Precision = .float64
    public var repetitions: Int = 1
    public var seed: UInt64 = 0
    public var grid = SweepGrid()
    /// The JSON text the spec was read from (kept with the results).
    public var text: String = ""

    /// Reads and checks a spec file.
    public static func load(_ path: String) throws -> SweepSpec {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MinimaError.invalidFile(path: path, message: FileManager.default.fileExists(atPath: path)
                ? "cannot be read" : "no such sweep spec")
        }
        return try parse(data, file: path)
    }

    /// Parses and checks the JSON text of a spec; `file` names it in error messages.
    public static func parse(_ data: Data, file: String) throws -> SweepSpec {
        let root = try JSONFields.parse(data, file: file)
        try root.rejectUnknownKeys(["name", "description", "figure", "data", "training", "precision",
                                    "repetitions", "seed", "grid"])
        guard let name = try root.string("name") else { throw root.fail("name", "is required (a short name such as \"figure1\")") }
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }), name.first != "." else {
            throw root.fail("name", "must be letters, digits, '.', '_' or '-' (it names files), got \"\(name)\"")
        }
        var spec = SweepSpec(name: name)
        spec.text = String(decoding: data, as: UTF8.self)
        spec.description = try root.string("description") ?? ""
        if let f = try root.cases("figure", of: FigureKind.self) { spec.figure = f.first }
        if let p = try root.cases("precision", of: Precision.self) { spec.precision = p[0] }
        if let r = try root.int("repetitions") {
            guard r > 0 else { throw root.fail("repetitions", "must be a positive integer, got \(r)") }
            spec.repetitions = r
        }
        if let s = try root.int("seed") {
            guard s >= 0 else { throw root.fail("seed", "must be ≥ 0, got \(s)") }
            spec.seed = UInt64(s)
        }
        if let d = try root.partial("data", defaults: DataSpec()) { spec.data = d }
        if let t = try root.partial("training", defaults: TrainingConfiguration()) { spec.training = t }
        if let g = try root.object("grid") { spec.grid = try SweepGrid(g) }
        _ = try spec.expand(file: file)
        return spec
    }

    public init(name: String) { self.name = name }
}

/// The axes of a sweep (the spec's `grid` object). Unset axes take the spec's single values.
public struct SweepGrid: Sendable {
    /// Samples N: a list, or derived from d0.
    public enum Samples: Sendable, Equatable {
        case list([Int])
        /// `N = ⌊d0²/k⌋` (Figure 2: k = 5).
        case d0SquaredOver(Int)
    }
    /// Input dimension d0: a list, or derived from N and the width rule.
    public enum InputDimension: Sendable, Equatable {
        case list([Int])
        /// For each ratio r, the d0 whose network has #params nearest r·N.
        case paramsOverN([Double])
    }
    /// Width of every hidden layer (d1 = d2 = width).
    public enum Width: Sendable, Equatable {
        /// `d1 (= d2) = d0` (the paper's `d = d0 = d1`).
        case d0
        case list([Int])
        /// `d1 = ⌈f·N/d0⌉`, so that d0·d1 ≈ f·N.
        case fractions([Double])
    }

    public var n: Samples? = nil
    public var d0: InputDimension? = nil
    /// Hidden layers (1 or 2), all of width `width`.
    public var depth: [Int] = [1]
    public var width: Width = .d0
    /// Explicit hidden widths (replaces `depth` and `width`), e.g. `[[40], [20, 30]]`.
    public var hidden: [[Int]]? = nil
    /// Leaky-ReLU slopes ρ.
    public var slope: [Double] = [0]
    public var bias: Bool = false
    public var optimizer: [OptimizerKind]? = nil
    public var learningRate: [Double]? = nil
    public var epochs: [Int]? = nil
    public var batchSize: [Int]? = nil

    public init() {}

    /// At most how many grid points these axes make (nil: more than `Int` counts).
    func sizeBound(depths: Int) -> Int? {
        func count<T>(_ axis: [T]?) -> Int { max(1, axis?.count ?? 1) }
        let samples: Int = switch n { case .list(let ns)?: ns.count; default: 1 }
        let dims: Int = switch d0 { case .list(let ds)?: ds.count; case .paramsOverN(let rs)?: rs.count; case nil: 1 }
        let widths: Int = switch width { case .list(let ws): ws.count; case .fractions(let fs): fs.count; case .d0: 1 }
        return MemoryBudget.product([max(1, depths), max(1, samples), max(1, dims), max(1, widths), count(slope),
                                     count(optimizer), count(learningRate), count(epochs), count(batchSize)])
    }

    init(_ g: JSONFields) throws {
        try g.rejectUnknownKeys(["n", "d0", "depth", "width", "hidden", "slope", "bias", "optimizer",
                                 "learningRate", "epochs", "batchSize"])
        if g.object["n"] is [String: Any], let rule = try g.object("n") {
            try rule.rejectUnknownKeys(["d0SquaredOver"])
            guard let k = try rule.int("d0SquaredOver"), k > 0 else {
                throw rule.fail("d0SquaredOver", "must be a positive integer k (N = ⌊d0²/k⌋)")
            }
            n = .d0SquaredOver(k)
        } else if let list = try g.integers("n") {
            n = .list(list)
        }
        if g.object["d0"] is [String: Any], let rule = try g.object("d0") {
            try rule.rejectUnknownKeys(["paramsOverN"])
            guard let r = try rule.numbers("paramsOverN") else { throw rule.fail("paramsOverN", "is required (a list of #params/N ratios)") }
            if let bad = r.first(where: { $0 <= 0 }) { throw rule.fail("paramsOverN", "ratios must be positive, got \(bad)") }
            d0 = .paramsOverN(r)
        } else if let list = try g.integers("d0") {
            d0 = .list(list)
        }
        if let list = try g.integers("depth") {
            if let bad = list.first(where: { !(1...2).contains($0) }) { throw g.fail("depth", "one or two hidden layers are supported, got \(bad)") }
            depth = list
        }
        if g.has("width") {
            if let s = g.object["width"] as? String {
                guard s == "d0" else { throw g.fail("width", "expected \"d0\", a list of widths or {\"fractions\": [...]}, got \"\(s)\"") }
                width = .d0
            } else if g.object["width"] is [String: Any], let rule = try g.object("width") {
                try rule.rejectUnknownKeys(["fractions"])
                guard let f = try rule.numbers("fractions") else { throw rule.fail("fractions", "is required (d1 = ⌈f·N/d0⌉)") }
                if let bad = f.first(where: { $0 <= 0 }) { throw rule.fail("fractions", "must be positive, got \(bad)") }
                width = .fractions(f)
            } else {
                width = .list(try g.integers("width")!)
            }
        }
        if g.has("hidden") {
            guard let lists = g.object["hidden"] as? [Any], !lists.isEmpty else {
                throw g.fail("hidden", "expected a non-empty list of width lists such as [[40], [20, 20]]")
            }
            hidden = try lists.enumerated().map { i, item in
                guard let ws = item as? [Any], (1...2).contains(ws.count) else {
                    throw g.fail("hidden[\(i)]", "expected one or two widths such as [40] or [20, 20], got \(JSONFields.describe(item))")
                }
                return try ws.map { w in
                    guard let k = JSONFields.integer(w), k > 0 else { throw g.fail("hidden[\(i)]", "widths must be positive integers, got \(JSONFields.describe(w))") }
                    return k
                }
            }
            if g.has("depth") || g.has("width") { throw g.fail("hidden", "give either hidden or depth/width, not both") }
        }
        if let s = try g.numbers("slope") {
            if let bad = s.first(where: { $0 == 1 }) { throw g.fail("slope", "ρ = \(bad) makes the network linear (ρ ≠ 1 required)") }
            slope = s
        }
        bias = try g.bool("bias") ?? false
        optimizer = try g.cases("optimizer", of: OptimizerKind.self)
        if let lr = try g.numbers("learningRate") {
            if let bad = lr.first(where: { $0 <= 0 }) { throw g.fail("learningRate", "must be positive, got \(bad)") }
            learningRate = lr
        }
        epochs = try g.integers("epochs")
        batchSize = try g.integers("batchSize", minimum: 0)
    }
}

/// The labels of one grid point (what the report groups and plots by).
public struct GridPoint: Codable, Equatable, Hashable, Sendable {
    /// Samples N (nil when the data set decides it, e.g. npy files).
    public var n: Int?
    /// Input dimension d0 (nil when the data set decides it).
    public var d0: Int?
    /// Hidden widths `[d1]` or `[d1, d2]`.
    public var hidden: [Int]
    /// Trainable parameters (`NetworkShape.parameterCount`: d0·d1 + d1 for one layer without
    /// bias, d0·d1 + d1·d2 + d2 for two).
    public var parameters: Int
    /// `#params / N` (nil when N is unknown).
    public var paramsOverN: Double?
    /// The f of `d1 = ⌈f·N/d0⌉`, when the width was derived so.
    public var fraction: Double?
    /// The r of `"d0": {"paramsOverN": …}`, when d0 was derived so.
    public var targetRatio: Double?
}

/// One run of a sweep: a grid point, a repetition and its full configuration.
public struct SweepRun: Sendable {
    /// Position in the expansion order.
    public var index: Int
    /// Hash of the sweep name and the full configuration: the run's identity and file name.
    public var key: String
    /// Hash of the configuration with every seed set to 0: the grid point's identity.
    public var pointKey: String
    public var point: GridPoint
    public var repetition: Int
    public var config: RunConfiguration
    /// Rough work estimate (epochs·N·#params) used to schedule long runs first and for the ETA.
    public var cost: Double
}

extension SweepSpec {
    /// Every run of the sweep, in a fixed order (grid points in axis order, repetitions inside).
    /// Throws if a derived quantity cannot be formed or a run's settings are invalid.
    public func expand(file: String = "sweep spec") throws -> [SweepRun] {
        func fail(_ field: String, _ message: String) -> MinimaError {
            .invalidFile(path: file, message: "field \(field): \(message)")
        }
        let hiddenChoices: [(depth: Int, explicit: [Int]?)] = grid.hidden.map { $0.map { ($0.count, $0) } }
            ?? grid.depth.map { ($0, nil) }
        // The grid's size times the repetitions, counted without wrapping, must fit in memory
        // before a single run is listed (a run costs about 4 KiB while listed and scheduled).
        let bound = grid.sizeBound(depths: hiddenChoices.count).flatMap { MemoryBudget.product($0, repetitions) }
        try MemoryBudget.check(elements: bound, of: 4096,
                               what: "\(file): the grid × repetitions (\(bound.map(String.init) ?? "more than 2⁶³") runs)")
        var runs: [SweepRun] = []
        var seenPoints = Set<String>()
        for choice in hiddenChoices {
            // Sizes (N, d0, target ratio) for this depth.
            var sizes: [(n: Int?, d0: Int?, ratio: Double?)] = []
            switch (grid.n, grid.d0) {
            case let (.d0SquaredOver(k), .list(ds)?):
                for d in ds {
                    guard let square = MemoryBudget.product(d, d) else { throw fail("grid.d0", "d0 = \(d) is too large (d0² does not fit in 64 bits)") }
                    let n = square / k
                    guard n > 0 else { throw fail("grid.n", "N = ⌊d0²/\(k)⌋ is 0 for d0 = \(d)") }
                    sizes.append((n, d, nil))
                }
            case (.d0SquaredOver, _):
                throw fail("grid.n", "{\"d0SquaredOver\": k} needs grid.d0 as a list of sizes")
            case let (.list(ns)?, .paramsOverN(rs)?):
                for n in ns {
                    for r in rs { sizes.append((n, try nearestD0(ratio: r, n: n, depth: choice.depth, explicit: choice.explicit, file: file), r)) }
                }
            case (nil, .paramsOverN?):
                throw fail("grid.d0", "{\"paramsOverN\": [...]} needs grid.n as a list of sample counts")
            case let (.list(ns)?, .list(ds)?):
                for n in ns { for d in ds { sizes.append((n, d, nil)) } }
            case let (.list(ns)?, nil):
                for n in ns { sizes.append((n, data.d0, nil)) }
            case let (nil, .list(ds)?):
                for d in ds { sizes.append((data.n, d, nil)) }
            case (nil, nil):
                sizes.append((data.n, data.d0, nil))
            }
            for size in sizes {
                let widths: [(hidden: [Int], fraction: Double?)]
                if let explicit = choice.explicit {
                    widths = [(explicit, nil)]
                } else {
                    switch grid.width {
                    case .d0:
                        guard let d0 = size.d0 else { throw fail("grid.width", "\"d0\" needs d0 (grid.d0 or data.d0)") }
                        widths = [(Array(repeating: d0, count: choice.depth), nil)]
                    case let .list(ws):
                        widths = ws.map { (Array(repeating: $0, count: choice.depth), nil) }
                    case let .fractions(fs):
                        guard let n = size.n, let d0 = size.d0 else {
                            throw fail("grid.width", "{\"fractions\": …} (d1 = ⌈f·N/d0⌉) needs N and d0 (grid.n and grid.d0, or data.n and data.d0)")
                        }
                        widths = try fs.map { f in
                            let d1 = (f * Double(n) / Double(d0)).rounded(.up)
                            guard d1 < 0x1p62 else { throw fail("grid.width", "d1 = ⌈\(f)·N/d0⌉ is too large at N = \(n), d0 = \(d0)") }
                            return (Array(repeating: max(1, Int(d1)), count: choice.depth), f)
                        }
                    }
                }
                for w in widths {
                    for slope in grid.slope {
                        for optimizer in grid.optimizer ?? [training.optimizer] {
                            for lr in grid.learningRate ?? [training.learningRate] {
                                for epochs in grid.epochs ?? [training.epochs] {
                                    for batch in grid.batchSize ?? [training.batchSize] {
                                        let shape = NetworkShape(d0: size.d0 ?? 1, hidden: w.hidden, slope: slope, bias: grid.bias)
                                        guard let params = shape.checkedParameterCount else {
                                            throw fail("grid", "a network of widths \(w.hidden) on d0 = \(size.d0 ?? 1) has more parameters than 64 bits count")
                                        }
                                        let point = GridPoint(n: size.n, d0: size.d0, hidden: w.hidden, parameters: params,
                                                              paramsOverN: size.n.map { Double(params) / Double($0) },
                                                              fraction: w.fraction, targetRatio: size.ratio)
                                        var base = RunConfiguration()
                                        base.data = data
                                        if let n = size.n { base.data.n = n }
                                        if let d0 = size.d0 { base.data.d0 = d0 }
                                        base.network = shape
                                        base.training = training
                                        base.training.optimizer = optimizer
                                        base.training.learningRate = lr
                                        base.training.epochs = epochs
                                        base.training.batchSize = batch
                                        base.precision = precision
                                        base.threads = 1
                                        try check(base, point: point, file: file)
                                        var unseeded = base
                                        unseeded.data.seed = 0; unseeded.seed = 0; unseeded.training.seed = 0
                                        let pointKey = RunKey.hash(name, unseeded)
                                        guard seenPoints.insert(pointKey).inserted else { continue }  // two ratios, one d0
                                        for r in 0..<repetitions {
                                            var c = base
                                            let s = seed &+ UInt64(r)
                                            c.data.seed = s; c.seed = s; c.training.seed = s
                                            let cost = Double(epochs) * Double(size.n ?? 1000) * Double(params)
                                            runs.append(SweepRun(index: runs.count, key: RunKey.hash(name, c), pointKey: pointKey,
                                                                 point: point, repetition: r, config: c, cost: cost))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return runs
    }

    /// The d0 whose network (hidden widths from the width rule) has #params nearest `ratio·n`.
    private func nearestD0(ratio: Double, n: Int, depth: Int, explicit: [Int]?, file: String) throws -> Int {
        if case .fractions = grid.width, explicit == nil {
            throw MinimaError.invalidFile(path: file, message:
                "field grid.d0: {\"paramsOverN\": …} cannot be combined with width {\"fractions\": …} (each derives from the other)")
        }
        func params(_ d: Int) -> Int {
            let hidden: [Int]
            if let explicit { hidden = explicit } else if case let .list(ws) = grid.width {
                hidden = Array(repeating: ws[0], count: depth)
            } else { hidden = Array(repeating: d, count: depth) }
            return NetworkShape(d0: d, hidden: hidden, bias: grid.bias).parameterCount
        }
        if case let .list(ws) = grid.width, ws.count > 1, explicit == nil {
            throw MinimaError.invalidFile(path: file, message:
                "field grid.d0: {\"paramsOverN\": …} needs a single hidden width (width \"d0\" or one number)")
        }
        let target = ratio * Double(n)
        var d = 1
        while Double(params(d)) < target && d < 1_000_000 { d += 1 }
        if d > 1 && abs(Double(params(d - 1)) - target) <= abs(Double(params(d)) - target) { d -= 1 }
        return d
    }

    /// Validates one run's settings, naming the spec field and the grid point at fault.
    private func check(_ c: RunConfiguration, point: GridPoint, file: String) throws {
        do {
            try c.training.validate()
            try c.data.validate()
            try c.checkTargets()
            if point.d0 != nil { try c.network.validate() }
        } catch let MinimaError.invalidValue(field, message) {
            let at = "N=\(point.n.map(String.init) ?? "?"), d0=\(point.d0.map(String.init) ?? "?"), hidden=\(point.hidden)"
            throw MinimaError.invalidFile(path: file, message: "field \(SweepSpec.jsonPath(field)): \(message) (grid point \(at))")
        }
    }

    /// Where a spec file sets `field`: the grid axis that can set it, or its path under
    /// `data` or `training`.
    static func jsonPath(_ field: InputField) -> String {
        switch field {
        case .learningRate: return "grid.learningRate or training.learningRate"
        case .epochs: return "grid.epochs or training.epochs"
        case .batchSize: return "grid.batchSize or training.batchSize"
        case .optimizer: return "grid.optimizer or training.optimizer"
        case .dataN: return "grid.n or data.n"
        case .dataD0, .networkD0: return "grid.d0 or data.d0"
        case .hidden: return "grid.width or grid.hidden"
        case .slope: return "grid.slope"
        default: return field.rawValue
        }
    }
}

/// Stable identities of runs: FNV-1a (64 bit) of the sweep name and the configuration's JSON
/// with sorted keys. Fields that are nil are not encoded, so adding optional fields to the
/// configuration later leaves existing keys unchanged. 64 bits make a collision among even a
/// million runs a ~3·10⁻⁸ event.
public enum RunKey {
    public static func hash(_ sweep: String, _ config: RunConfiguration) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = (try? encoder.encode(config)) ?? Data()
        var h = FNV1a()
        h.combine(Data((sweep + "\n").utf8) + json)
        return h.hex
    }
}
