import ArgumentParser
import Foundation
import Minima

/// `minima volume`: angular volumes of the differentiable regions for one configuration
/// (Monte Carlo, and exact when d0 = 2), or the volume study against N.
struct Volume: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the angular volumes V(G), V(L_ε), V(none) and P(rank(A∘X) < N) of a one-hidden-layer network's differentiable regions.",
        discussion: """
            Draws W ~ N(0, I) (d1×d0) --samples times, finds its region (the signs of W X), and \
            decides with GLPK whether the region holds a global minimum (G), a sub-optimal \
            differentiable local minimum (L_ε when its MCE > ε) or none. Each estimate comes with \
            a 95% Clopper–Pearson interval and the smallest volume the sample resolves. \
            --data-seeds K repeats this on K synthetic data sets and pools the counts (the \
            expectation over X of Theorem 6). --exact (d0 = 2 only) enumerates every region and \
            prints the exact volumes as well. Region programs grow with N·d1: keep N·d1 in the \
            hundreds (e.g. --n 16 --d0 4 --hidden 8). --study runs the study of V(L_ε) and \
            V(L_ε)/V(G) against N (d0 = round(c0·√N), d1 = ⌈c1·N/d0⌉, Gaussian X, random labels) \
            and prints one row per N; the data and network flags other than --slope are then refused.
            """)

    @OptionGroup(title: "Run") var memory: MemoryOption
    @OptionGroup(title: "Data") var data: DataOptions
    @OptionGroup(title: "Network") var network: NetworkOptions

    @Option(help: "Draws of W per data set (default 2000; 400 with --study; 0 with --exact: exact volumes only).")
    var samples: Int?

    @OptionGroup(title: "Run") var seedOption: SeedOption
    var seed: UInt64 { seedOption.seed }

    @Option(help: "Number of synthetic data sets (seeds data-seed, data-seed+1, …) to average over (default 1; 3 with --study).")
    var dataSeeds: Int?

    @Option(help: ArgumentHelp("ε grid of L_ε (MCE > ε), comma-separated.", valueName: "list"))
    var eps: String = "0,0.1,0.2"

    @Option(name: .customLong("method"), help: "Region program: automatic (one LP per sign choice of z for d1 ≤ 4, else one MIP; the default), enumerate, mixedInteger (not with --study).")
    var methodOption: RegionClassifier.Method?
    var method: RegionClassifier.Method { methodOption ?? .automatic }

    @Flag(help: "Also compute the exact volumes by enumerating every region (d0 = 2 only).")
    var exact: Bool = false

    @OptionGroup(title: "Run") var threadsOption: ThreadsOption
    var threads: Int { threadsOption.count }
    @OptionGroup(title: "Run") var quiet: QuietOption

    @Flag(help: "Run the volume study against N instead of one configuration.")
    var study: Bool = false

    @Option(help: ArgumentHelp("Study sizes N, comma-separated (with --study; default 8,12,16,20,24).", valueName: "list"))
    var studySizes: String?

    @Option(help: "Study: c0 in d0 = max(2, round(c0·√N)) (with --study; default 1).")
    var d0Factor: Double?

    @Option(help: "Study: c1 in d1 = ⌈c1·N/d0⌉, d0·d1 ≈ c1·N (with --study; default 2).")
    var d1Factor: Double?

    @OptionGroup(title: "Run") var outOption: OutOption
    var out: String? { outOption.out }

    @OptionGroup(title: "Run") var json: JSONOption

    func validate() throws {
        if let samples, samples < 0 { throw MinimaError.invalidOption(flag: "--samples", message: "must be non-negative, got \(samples)") }
        if let dataSeeds, dataSeeds < 1 { throw MinimaError.invalidOption(flag: "--data-seeds", message: "must be at least 1, got \(dataSeeds)") }
        if study {
            // The study draws its own data and widths: only --slope of those flags applies.
            if let flag = (data.given + network.given.filter { $0 != "--slope" }).first {
                throw MinimaError.invalidOption(flag: flag, message: "does not apply with --study, which draws Gaussian data with random labels and its own d0 and d1 (--study-sizes, --d0-factor, --d1-factor)")
            }
            if exact { throw MinimaError.invalidOption(flag: "--exact", message: "does not apply with --study") }
            if methodOption != nil { throw MinimaError.invalidOption(flag: "--method", message: "does not apply with --study, which uses the automatic region programs") }
        } else if let flag = [(studySizes != nil, "--study-sizes"), (d0Factor != nil, "--d0-factor"), (d1Factor != nil, "--d1-factor")].first(where: \.0)?.1 {
            throw MinimaError.invalidOption(flag: flag, message: "applies with --study only")
        }
        let samples = self.samples ?? (study ? 400 : 2000), dataSeeds = self.dataSeeds ?? (study ? 3 : 1)
        guard let draws = MemoryBudget.product(samples, dataSeeds) else {
            throw MinimaError.invalidOption(flag: "--samples", message: "\(samples) draws × --data-seeds \(dataSeeds) does not fit in a 64-bit count")
        }
        if !study, let n = data.declaredN, let d0 = data.declaredD0, let d1 = try network.widths().first {
            // Each worker's draw W (d1×d0) and, in the worst case, one cached region pattern per
            // draw: d1 rows of ⌈N/64⌉ words, and about 64 bytes of table entry.
            let pattern = MemoryBudget.sum(MemoryBudget.product(d1, n / 64 + 1, 8), 64)
            try MemoryBudget.check(bytes: MemoryBudget.sum(MemoryBudget.product(d1, d0, 8, threads), pattern.flatMap { MemoryBudget.product(draws, $0) }),
                                   what: "--samples \(samples) × --data-seeds \(dataSeeds) draws, each region a pattern of N·d1 = \(n)·\(d1) signs")
        }
        if data.labels == .real {
            throw MinimaError.invalidOption(flag: "--labels", message: "real does not apply to minima volume: V(L_ε) sorts sub-optimal minima by their MCE (--eps), which real-valued targets do not have")
        }
        _ = try epsilonList()
        if study { _ = try parseList(studySizes ?? "8,12,16,20,24", flag: "--study-sizes") { Int($0) } }
    }

    func run() throws {
        let epsilons = try epsilonList()
        if study { return try runStudy(epsilons, samples: samples ?? 400, dataSeeds: dataSeeds ?? 3) }
        let samples = self.samples ?? 2000, dataSeeds = self.dataSeeds ?? 1
        let widths = try network.widths()
        guard widths.count == 1, let d1 = widths.first, d1 > 0 else {
            throw MinimaError.invalidOption(flag: "--hidden", message: "volumes are defined for one hidden layer: give one positive width d1, got '\(network.hidden ?? "")'")
        }
        guard !network.bias else { throw MinimaError.invalidOption(flag: "--bias", message: "the regions of docs/theory.md §2 are for networks without biases") }
        _ = try network.shape(d0: 1)   // checks --slope
        let rho = network.slopeValue
        guard samples > 0 || exact else { throw MinimaError.invalidOption(flag: "--samples", message: "must be positive without --exact") }
        let baseSpec = data.spec(seed: seed)
        if baseSpec.source == .npy && dataSeeds > 1 {
            throw MinimaError.invalidOption(flag: "--data-seeds", message: "averaging over data sets needs synthetic data (--dataset gaussian or teacher), not npy")
        }
        let seeds = (0..<dataSeeds).map { baseSpec.seed &+ UInt64($0) }
        let load = { (s: UInt64) throws -> Dataset<Double> in
            var spec = baseSpec
            spec.seed = s
            return try spec.load()
        }
        let first = try load(seeds[0])
        if exact && first.d0 != 2 {
            throw MinimaError.invalidOption(flag: "--exact", message: "exact volumes need d0 = 2, got d0 = \(first.d0)")
        }
        if (MemoryBudget.product(first.n, d1) ?? .max) > 400 {
            FileHandle.standardError.write(Data("warning: N·d1 = \(first.n * d1): each region needs a search that grows exponentially with d1; this may take very long (see docs/volumes.md)\n".utf8))
        }
        say("N = \(first.n), d0 = \(first.d0), d1 = \(d1), ρ = \(rho), data: \(first.name)\(dataSeeds > 1 ? " (+\(dataSeeds - 1) more seeds)" : "")")

        var record = VolumeRecord(command: CommandLine.arguments.joined(separator: " "))
        var exactVolume: AngularVolume?
        if exact {
            guard first.d0 == 2 else { throw MinimaError.invalidOption(flag: "--exact", message: "exact volumes need d0 = 2, got d0 = \(first.d0)") }
            var sum: AngularVolume?
            var regions = 0
            let started = Date()
            for s in seeds {
                let (v, r) = try ExactVolume2D.volumes(data: try load(s), units: d1, slope: rho, epsilons: epsilons, method: method)
                sum = sum.map { $0 + v } ?? v
                regions += r
            }
            var mean = sum!
            let k = Double(seeds.count)
            mean = AngularVolume.scaled(mean, by: 1 / k)
            exactVolume = mean
            record.exact = mean
            say(String(format: "exact: %d regions classified in %.2f s", regions, Date().timeIntervalSince(started)))
        }
        if samples > 0 {
            var mc = MonteCarloVolume(units: d1, samples: samples, seed: seed, epsilons: epsilons)
            mc.threads = threads
            mc.method = method
            mc.progress = ProgressPrinter(quiet: quiet.quiet).report
            let avg = try mc.average(dataSeeds: seeds, slope: rho, data: load)
            record.monteCarlo = avg
            let over = seeds.count > 1 ? " over \(seeds.count) data sets" : ""
            say("Monte Carlo: \(samples * seeds.count) draws\(over), " + String(format: "%d regions classified in %.2f s (%.1f regions/s); resolvable volume %.2e",
                         avg.regionsClassified, avg.seconds, avg.regionsPerSecond, avg.resolution))
            printTable(avg.estimates, exact: exactVolume)
        } else if let e = exactVolume {
            for (q, v) in e.quantities { say(q.name.padding(toLength: 16, withPad: " ", startingAt: 0) + String(format: "%.6f", v)) }
        }
        if let out { try record.write(to: out); say("results written to \(out)") }
        if json.json { print(String(decoding: try RecordJSON.encode(record), as: UTF8.self)) }
    }

    private func printTable(_ estimates: [VolumeEstimate], exact: AngularVolume?) {
        let exactValues = exact.map { Dictionary(uniqueKeysWithValues: $0.quantities.map { ($0.0, $0.1) }) }
        say("quantity         estimate   95% interval             hits" + (exact != nil ? "    exact" : ""))
        for e in estimates {
            var line = e.quantity.name.padding(toLength: 16, withPad: " ", startingAt: 0)
            line += String(format: " %.6f   [%.6f, %.6f]  %6d", e.value.estimate, e.value.lower, e.value.upper, e.value.successes)
            if let x = exactValues?[e.quantity] { line += String(format: "   %.6f", x) }
            say(line)
        }
    }

    private func runStudy(_ epsilons: [Double], samples: Int, dataSeeds: Int) throws {
        guard samples > 0 else { throw MinimaError.invalidOption(flag: "--samples", message: "the study needs at least one draw per data set") }
        var c = VolumeStudy.Configuration()
        c.sizes = try parseList(studySizes ?? "8,12,16,20,24", flag: "--study-sizes") { Int($0) }
        c.d0Factor = d0Factor ?? 1
        c.d1Factor = d1Factor ?? 2
        c.samples = samples
        c.dataSeeds = dataSeeds
        c.seed = seed
        c.epsilons = epsilons
        c.slope = network.slopeValue
        c.threads = threads
        _ = try network.shape(d0: 1)
        try c.validate()
        say("volume study: Gaussian X, random ±1 labels, ρ = \(c.slope), \(c.samples) draws × \(c.dataSeeds) data sets per N")
        say("    N   d0   d1  V(G) [95%]                      " + epsilons.map { VolumeQuantity.lossAbove(epsilon: $0).name + " upper  ratio upper  exponent" }.joined(separator: "  ") + "  regions/s   secs")
        let result = try VolumeStudy.run(c, progress: ProgressPrinter(quiet: quiet.quiet).report) { p in
            let g = p.volumes.estimates.estimate(of: .global)!
            var line = String(format: "%5d %4d %4d  %.4f [%.4f, %.4f]      ", p.n, p.d0, p.d1, g.estimate, g.lower, g.upper)
            for r in p.ratios {
                let l = p.volumes.estimates.estimate(of: .lossAbove(epsilon: r.epsilon))!
                line += String(format: "%6d/%-6d %.2e  %.2e  ", l.successes, l.trials, l.upper, r.upper)
                line += (r.exponent.map { String(format: "%8.2f", $0) } ?? "       -") + "  "
            }
            line += String(format: "%9.1f %6.1f", p.regionsPerSecond, p.seconds)
            say(line)
            fflush(nil)   // all output streams: one row per N appears as soon as it is measured
        }
        for t in result.trends {
            let slope = t.slope.map { String(format: "%.2f", $0) } ?? "n/a (fewer than two sizes with hits)"
            say("ε = \(VolumeQuantity.text(epsilon: t.epsilon)): slope of ln V(L_ε) against the exponent γ_ε N^{3/4}(d0 d1)^{1/4} = \(slope) over N = \(t.sizes.map(String.init).joined(separator: ",")) (Theorem 6: ≤ −1 asymptotically)")
        }
        say(String(format: "study finished in %.1f s", result.seconds) + " (BLAS core \(result.blasCoreName), \(c.threads) threads)")
        if let out { try RecordJSON.write(result, to: out); say("results written to \(out)") }
        if json.json { print(String(decoding: try RecordJSON.encode(result), as: UTF8.self)) }
    }

    /// The ε grid of --eps, each in [0, 1).
    private func epsilonList() throws -> [Double] {
        let epsilons = try parseList(eps, flag: "--eps") { Double($0) }
        if let bad = epsilons.first(where: { !($0 >= 0 && $0 < 1) }) {
            throw MinimaError.invalidOption(flag: "--eps", message: "every ε must be in [0, 1), got \(bad)")
        }
        return epsilons
    }

    /// A line of the text report (none with --json, where stdout holds the JSON alone).
    private func say(_ line: String) {
        if !json.json { print(line) }
    }
}

/// Parses a comma-separated list, naming the flag on error.
func parseList<T>(_ text: String, flag: String, _ parse: (String) -> T?) throws -> [T] {
    let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    let values = parts.map(parse)
    guard !parts.isEmpty, values.allSatisfy({ $0 != nil }) else {
        throw MinimaError.invalidOption(flag: flag, message: "expected a comma-separated list of numbers, got '\(text)'")
    }
    return values.map { $0! }
}

extension RegionClassifier.Method: ExpressibleByArgument {}
