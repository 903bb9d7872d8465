import ArgumentParser
import Foundation
import Minima

/// `minima slice`: the loss along a line or over a plane through trained weights, with the
/// activation regions drawn in.
struct Slice: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Loss slices through trained weights: exact lines (every activation crossing, polynomial pieces) and planes with their regions.",
        discussion: """
            The network (one hidden layer) comes from --run RUN.json (trained with --save-weights) \
            or from --weights DIR with the data flags, as for `minima certify`. Computed in Float64.

            One direction gives a line θ + α·D, α in --range a:b: every activation crossing \
            α = −w̃_iᵀx̃_n / d̃_iᵀx̃_n in the range, the exact MSE on each piece between crossings (a \
            polynomial in α: quadratic when only W or only z moves, quartic for all), each piece's \
            minimum and its MCE there, and the exact minimum on the line; --points K samples it for \
            slice.csv and the figure. Two directions (A,B) give a plane θ + α·D₁ + β·D₂ over \
            --range × --range on a KxK grid: MSE, MCE, the activations that differ from the centre's \
            pattern and a region id per point, and the activation boundaries (straight lines in the \
            plane) drawn over filled loss contours.

            Directions: random (Gaussian, filter-normalised: row i of the hidden-layer part gets \
            the norm of w̃_i = (w_i, b_i), the output part that of z̃ = (z, b_z)), to:DIR (towards the \
            weights in DIR: α = 1 is that network), hessian-max and hessian-min (eigenvectors of the \
            Hessian of the moving weights, by Lanczos, scaled to their norm), hessian (both, a \
            plane) and region-fit (towards the region's least-squares fit: at α = 1 the MSE is \
            MSE_A while no pre-activation changes sign). Files in --out: slice.csv, crossings.csv \
            and pieces.csv (lines), slice.json, line.svg or plane.svg (and a PNG when rsvg-convert \
            is installed). See docs/landscape.md.
            """)

    @OptionGroup(title: "Run") var memory: MemoryOption
    @OptionGroup var network: TrainedNetworkOptions

    @Option(help: ArgumentHelp("One direction (a line) or two separated by a comma (a plane): random, to:DIR, hessian-max, hessian-min, region-fit; hessian = hessian-max,hessian-min.", valueName: "A[,B]"))
    var direction: String = "random"

    @Option(help: "Weights that move: W (hidden layer, with its biases), z (output layer, with its bias) or all.")
    var move: SliceMove = .all

    @Option(parsing: .unconditional, help: ArgumentHelp("Range of α (and β) along the directions (a may be negative: --range -1:1).", valueName: "a:b"))
    var range: String = "-1:1"

    @Option(help: ArgumentHelp("Grid points: K along a line (default 201), KxK on a plane (default 51x51).", valueName: "K|KxK"))
    var points: String?

    @Option(help: "Lanczos steps for hessian directions.")
    var lanczosSteps: Int = 100

    @Option(help: ArgumentHelp("Folder for the results.", valueName: "DIR"))
    var out: String

    @OptionGroup(title: "Run") var seedOption: SeedOption
    @OptionGroup(title: "Run") var threads: ThreadsOption
    @OptionGroup(title: "Run") var quiet: QuietOption
    @OptionGroup(title: "Run") var jsonOption: JSONOption
    var seed: UInt64 { seedOption.seed }

    /// --range and --points parsed, checked against the number of directions.
    func options() throws -> SliceOptions {
        var o = SliceOptions()
        o.directions = try SliceDirectionKind.list(parsing: direction)
        let ends = range.split(separator: ":", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard ends.count == 2, let a = ends[0], let b = ends[1], a.isFinite, b.isFinite, a < b else {
            throw MinimaError.invalidOption(flag: "--range", message: "expected a:b with finite a < b (e.g. -1:1), got '\(range)'")
        }
        o.range = a...b
        let plane = o.directions.count == 2
        let text = points ?? (plane ? "51x51" : "201")
        let sides = text.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard sides.allSatisfy({ $0 != nil }), sides.count == (plane ? 2 : 1) else {
            throw MinimaError.invalidOption(flag: "--points", message: plane
                ? "a plane (two directions) needs KxK (e.g. 51x51), got '\(text)'"
                : "a line (one direction) needs a count K (e.g. 201), got '\(text)'")
        }
        if plane && sides[0] != sides[1] {
            throw MinimaError.invalidOption(flag: "--points", message: "the grid must be square (KxK), got '\(text)'")
        }
        o.points = sides[0]!
        o.move = move
        o.seed = seed
        o.lanczosSteps = lanczosSteps
        o.workers = threads.count
        return o
    }

    func validate() throws {
        // Everything but the network's shape is checked here, before any file is read.
        try options().validate(shape: NetworkShape(d0: 1, hidden: [1]))
        try OutputPath.checkFolder(out, flag: "--out")
    }

    func run() throws {
        let options = try self.options()
        try options.validate(shape: try network.shape(), network: network.runRecord == nil ? .weights : .run)
        let (net, dataset, spec, source) = try network.load(seed: seed)
        let result = try SliceStudy.run(network: net, data: dataset, options: options, source: source, dataSpec: spec,
                                        progress: ProgressPrinter(quiet: quiet.quiet).report)
        try SliceFiles.write(result, to: out)
        let r = result.record
        if jsonOption.json {
            print(String(decoding: try RecordJSON.encode(r), as: UTF8.self))
            return
        }
        print(String(format: "centre: MSE %.6e, MCE %@", r.centre.mse, NotApplicable.percent(r.centre.mce)))
        if let line = r.line {
            print(String(format: "line along %@ (--move %@), α in [%g, %g]: %d crossings, %d pieces (degree %d)",
                         r.directions[0].kind, r.move.rawValue, r.range[0], r.range[1], line.crossings, line.pieces, line.degree))
            print(String(format: "exact minimum on the line: α = %.10g, MSE %.6e, MCE %@", line.minimum.alpha, line.minimum.mse, NotApplicable.percent(line.minimum.mce)))
        }
        if let plane = r.plane {
            print(String(format: "plane %@ × %@ (--move %@), %d×%d points: %d regions on the grid, %d activation boundaries cross it",
                         r.directions[0].kind, r.directions[1].kind, r.move.rawValue, r.points[0], r.points[1], plane.gridRegions, plane.boundaryLines))
            print(String(format: "lowest grid point: α = %g, β = %g, MSE %.6e, MCE %@", plane.lowest.alpha, plane.lowest.beta, plane.lowest.mse, NotApplicable.percent(plane.lowest.mce)))
        }
        print(String(format: "%.2f s (products %.2f s, grid %.2f s, exact %.2f s); results in %@",
                     r.seconds.total, r.seconds.products, r.seconds.grid, r.seconds.exact, out))
    }
}

extension SliceMove: ExpressibleByArgument {}
