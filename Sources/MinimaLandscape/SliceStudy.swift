import Foundation
import Linalg
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining

/// What decides a slice: its directions, which weights move, the range and the grid.
public struct SliceOptions: Sendable {
    /// One direction (a line) or two (a plane).
    public var directions: [SliceDirectionKind] = [.random]
    public var move: SliceMove = .all
    /// α (and β on a plane) from `range.lowerBound` to `range.upperBound`.
    public var range: ClosedRange<Double> = -1...1
    /// Grid points per axis.
    public var points: Int = 201
    /// Seed of random directions (direction k draws from the `sliceDirections` stream of index k,
    /// id 100 + k) and of Lanczos.
    public var seed: UInt64 = 0
    public var lanczosSteps: Int = 100
    /// Threads evaluating grid points.
    public var workers: Int = 1

    public init() {}

    /// Checks everything that can be checked before any work; the flags are `minima slice`'s.
    /// `network` names where the shape came from (`.weights` or `.run`).
    public func validate(shape: NetworkShape, network: InputField = .weights) throws {
        guard shape.depth == 1 else {
            throw MinimaError.invalidValue(field: network, message:
                "slices need one hidden layer (with two, layer 2's pre-activations are not affine in α, so the crossings and polynomial pieces do not hold); got hidden = \(shape.hidden.map(String.init).joined(separator: ","))")
        }
        guard (1...2).contains(directions.count) else {
            throw MinimaError.invalidValue(field: .sliceDirection, message: "give one or two directions")
        }
        guard range.lowerBound.isFinite, range.upperBound.isFinite, range.lowerBound < range.upperBound else {
            throw MinimaError.invalidValue(field: .sliceRange, message: "need finite a < b, got \(range.lowerBound):\(range.upperBound)")
        }
        guard points >= 2, points <= (directions.count == 1 ? 1_000_000 : 2001) else {
            throw MinimaError.invalidValue(field: .slicePoints, message:
                "need 2…\(directions.count == 1 ? "1000000" : "2001") points per axis, got \(points)")
        }
        guard lanczosSteps > 0 else { throw MinimaError.invalidValue(field: .lanczosSteps, message: "must be positive, got \(lanczosSteps)") }
        guard workers > 0 else { throw MinimaError.invalidValue(field: .threads, message: "must be positive, got \(workers)") }
        for kind in directions where kind == .regionFit && move == .z {
            throw MinimaError.invalidValue(field: .sliceDirection, message: "region-fit moves W (its fit keeps z): use --move W or all")
        }
        if directions.count == 2, directions[0] == directions[1], directions[0] != .random {
            throw MinimaError.invalidValue(field: .sliceDirection, message: "the two directions of a plane must differ, got \(directions[0].text) twice")
        }
    }
}

/// A slice's results: the record (slice.json), the evaluated grid, and on a line the exact
/// pieces, on a plane the exact regions.
public struct SliceResult: Sendable {
    public var record: SliceRecord
    public var grid: SliceGrid
    public var line: SliceLine?
    public var regions: SliceRegions?
}

/// Computes a loss slice through a one-hidden-layer network (Float64).
public enum SliceStudy {
    /// The slice of `network` on `data`; `progress` follows the grid's points.
    public static func run(network: Network<Double>, data: Dataset<Double>, options: SliceOptions,
                           source: String, dataSpec: DataSpec?,
                           progress: ProgressHandler? = nil) throws -> SliceResult {
        try options.validate(shape: network.shape)
        let plane = options.directions.count == 2
        // P₀, Q₁, Q₂ and the region keys (N×d1 each), and the grid's points.
        try MemoryBudget.check(bytes: MemoryBudget.sum(MemoryBudget.product(data.n, network.shape.hidden[0], 4, 8),
                                                       MemoryBudget.product(options.points, plane ? options.points : 1,
                                                                            MemoryLayout<SlicePoint>.stride)),
                               what: "the slice's pre-activations and grid")
        let clock = ContinuousClock()
        let t0 = clock.now
        var directions: [SliceDirection] = []
        var regionFit: RegionFit? = nil
        var hessian: Hessian? = nil
        for (k, kind) in options.directions.enumerated() {
            switch kind {
            case .random:
                directions.append(.random(like: network, move: options.move, seed: options.seed, index: k))
            case .towards(let folder):
                let other: Network<Double> = try WeightFiles.load(network.shape, from: folder)
                directions.append(.towards(other, from: network, move: options.move, kind: kind))
            case .hessianMax, .hessianMin:
                if hessian == nil { hessian = Hessian(network: network, data: data) }
                directions.append(try .hessian(hessian!, move: options.move, largest: kind == .hessianMax,
                                               steps: options.lanczosSteps, seed: options.seed))
            case .regionFit:
                let (d, fit) = try SliceDirection.regionFit(network, data: data)
                directions.append(d)
                regionFit = fit
            }
            if directions[k].norm == 0 {
                throw MinimaError.invalidValue(field: .sliceDirection, message:
                    "\(kind.text) is the zero vector for --move \(options.move.rawValue) (nothing to slice along)")
            }
        }
        let t1 = clock.now
        // The products, the grid and the exact pieces on the slice's BLAS threads.
        let (span, grid, line, regions, t2, t3, t4) = BLASEnvironment.withThreads(options.workers) {
            let span = SliceSpan(network: network, data: data, directions: directions.map(\.vector))
            let t2 = clock.now
            let values = SliceGrid.values(options.range, count: options.points)
            let grid = SliceGrid.evaluate(span, alphas: values, betas: plane ? values : [0], workers: options.workers, progress: progress)
            let t3 = clock.now
            var line: SliceLine? = nil
            var regions: SliceRegions? = nil
            if plane {
                regions = SliceRegions.compute(span, alphas: options.range, betas: options.range)
            } else {
                line = SliceLine.compute(span, range: options.range)
            }
            return (span, grid, line, regions, t2, t3, clock.now)
        }
        let layout = network.layout
        let record = SliceRecord(
            minimaVersion: MinimaVersion.string, gitCommit: MinimaVersion.gitCommit,
            network: source, shape: network.shape, data: dataSpec, dataName: data.name, n: data.n, d0: data.d0,
            move: options.move, range: [options.range.lowerBound, options.range.upperBound],
            points: plane ? [options.points, options.points] : [options.points], seed: options.seed,
            directions: directions.map { d in
                SliceRecord.Direction(kind: d.kind.text, seed: d.seed, stream: d.stream, norm: d.norm,
                                      normW: norm(d.vector.indices.filter { !SliceMove.z.moves($0, layout) }.map { d.vector[$0] }),
                                      normZ: norm(d.vector.indices.filter { SliceMove.z.moves($0, layout) }.map { d.vector[$0] }),
                                      eigenvalue: d.eigenvalue, eigenvalueBound: d.eigenvalueBound,
                                      lanczosSteps: d.eigenvalue == nil ? nil : options.lanczosSteps)
            },
            regionFit: regionFit, centre: span.point(0, 0),
            line: line.map { SliceRecord.LineSummary(degree: $0.degree, crossings: $0.crossings.count, pieces: $0.pieces.count,
                                                      minimum: $0.minimum) },
            plane: regions.map { r in
                SliceRecord.PlaneSummary(gridRegions: Set(grid.points.map(\.region)).count, boundaryLines: r.lineCount,
                                         lowest: grid.points.min { $0.mse < $1.mse }!)
            },
            workers: options.workers,
            seconds: .init(directions: (t1 - t0).inSeconds, products: (t2 - t1).inSeconds, grid: (t3 - t2).inSeconds,
                           exact: (t4 - t3).inSeconds, total: (t4 - t0).inSeconds))
        return SliceResult(record: record, grid: grid, line: line, regions: regions)
    }
}

/// `slice.json`: everything that decides a slice, and its headline results.
public struct SliceRecord: Codable, Sendable {
    public var minimaVersion: String
    public var gitCommit: String?
    /// The run record or weights folder the network came from.
    public var network: String
    public var shape: NetworkShape
    /// The data set's spec (nil when unknown), name and size.
    public var data: DataSpec?
    public var dataName: String
    public var n: Int
    public var d0: Int
    public var move: SliceMove
    public var range: [Double]
    /// Grid points per axis: [K] on a line, [K, K] on a plane.
    public var points: [Int]
    public var seed: UInt64
    public var directions: [Direction]
    /// The region's least-squares fit, with a region-fit direction.
    public var regionFit: RegionFit?
    public var centre: SlicePoint
    public var line: LineSummary?
    public var plane: PlaneSummary?
    public var workers: Int
    public var seconds: Timing
    /// The files written with this record (set by the writer).
    public var files: [String]? = nil

    public struct Direction: Codable, Sendable {
        /// The direction as given (random, to:DIR, hessian-max, hessian-min, region-fit).
        public var kind: String
        public var seed: UInt64?
        public var stream: UInt64?
        /// `‖D‖`, and the norms of its hidden-layer part `D̃_W` and output part `D̃_z`.
        public var norm: Double
        public var normW: Double
        public var normZ: Double
        public var eigenvalue: Double?
        public var eigenvalueBound: Double?
        public var lanczosSteps: Int?
    }

    public struct LineSummary: Codable, Sendable {
        public var degree: Int
        public var crossings: Int
        public var pieces: Int
        public var minimum: SliceLine.Minimum
    }

    public struct PlaneSummary: Codable, Sendable {
        /// Distinct activation patterns among the grid points.
        public var gridRegions: Int
        /// Activation boundaries (straight lines) crossing the plotted square.
        public var boundaryLines: Int
        /// The grid point with the lowest MSE.
        public var lowest: SlicePoint
    }

    public struct Timing: Codable, Sendable {
        public var directions: Double
        /// The three N×d1 products.
        public var products: Double
        public var grid: Double
        /// The exact line, or the plane's exact regions.
        public var exact: Double
        public var total: Double
    }
}
