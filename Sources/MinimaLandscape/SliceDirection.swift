import Linalg
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining

/// Which weights a slice moves: the hidden layer `W̃ = [W, b]`, the output layer `z̃ = (z, b_z)`,
/// or both (biases only when the network has them).
public enum SliceMove: String, Codable, Sendable, CaseIterable {
    case w = "W", z, all

    /// Whether parameter `index` of `layout` moves (depth 1).
    func moves(_ index: Int, _ layout: ParameterLayout) -> Bool {
        let isOutput = layout.output.contains(index) || index == layout.outputBias
        switch self {
        case .w: return !isOutput
        case .z: return isOutput
        case .all: return true
        }
    }
}

/// How a slice direction is chosen.
public enum SliceDirectionKind: Codable, Equatable, Sendable {
    /// Gaussian, filter-normalised (Li et al. 2018): row i of the hidden-layer part gets the norm
    /// `‖w̃_i‖`, the output part the norm `‖z̃‖` (z is the output layer's single row).
    case random
    /// `θ' − θ` towards the weights in a folder: α = 1 is the other network.
    case towards(String)
    /// The eigenvector of the largest (or smallest) eigenvalue of the Hessian restricted to the
    /// moving weights, scaled to their norm.
    case hessianMax, hessianMin
    /// Towards the least-squares fit of the network's region (`RegionSolution.network(like:)`):
    /// α = 1 has outputs `ŷ_A` and MSE `MSE_A` as long as no pre-activation changes sign.
    case regionFit

    /// Parses `random`, `to:DIR`, `hessian-max`, `hessian-min`, `region-fit`.
    public init(parsing text: String) throws {
        switch text {
        case "random": self = .random
        case "hessian-max": self = .hessianMax
        case "hessian-min": self = .hessianMin
        case "region-fit": self = .regionFit
        default:
            guard text.hasPrefix("to:"), text.count > 3 else {
                throw MinimaError.invalidValue(field: .sliceDirection, message:
                    "unknown direction '\(text)': use random, to:DIR, hessian (two: largest and smallest eigenvalue), hessian-max, hessian-min or region-fit")
            }
            self = .towards(String(text.dropFirst(3)))
        }
    }

    /// The words `init(parsing:)` reads.
    public var text: String {
        switch self {
        case .random: return "random"
        case .towards(let dir): return "to:" + dir
        case .hessianMax: return "hessian-max"
        case .hessianMin: return "hessian-min"
        case .regionFit: return "region-fit"
        }
    }

    /// A comma-separated list of one or two directions; `hessian` alone stands for
    /// `hessian-max,hessian-min`.
    public static func list(parsing text: String) throws -> [SliceDirectionKind] {
        if text == "hessian" { return [.hessianMax, .hessianMin] }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(parts.count) else {
            throw MinimaError.invalidValue(field: .sliceDirection, message: "give one direction (a line) or two separated by a comma (a plane), got '\(text)'")
        }
        return try parts.map { try SliceDirectionKind(parsing: $0) }
    }
}

/// A direction `D` through a one-hidden-layer network's weights θ, in `ParameterLayout` order:
/// the slice is `θ + α·D` (and `+ β·D₂` for a plane). Entries of weights that do not move are 0.
public struct SliceDirection: Sendable {
    public var kind: SliceDirectionKind
    /// `D`, one entry per parameter.
    public var vector: [Double]
    /// The seed and generator stream id of a random direction.
    public var seed: UInt64?
    public var stream: UInt64?
    /// Hessian directions: the Ritz value and its residual bound (Lanczos).
    public var eigenvalue: Double?
    public var eigenvalueBound: Double?

    /// `‖D‖`.
    public var norm: Double { Linalg.norm(vector) }

    /// The rows filter normalisation scales: one per hidden unit (`w̃_i = (w_i, b_i)`), then the
    /// output layer `z̃ = (z, b_z)`.
    static func rows(_ layout: ParameterLayout, units: Int, d0: Int) -> [[Int]] {
        var out: [[Int]] = (0..<units).map { i in
            Array(layout.weights[0].lowerBound + i * d0 ..< layout.weights[0].lowerBound + (i + 1) * d0)
                + (layout.biases.map { [$0[0].lowerBound + i] } ?? [])
        }
        out.append(Array(layout.output) + (layout.outputBias.map { [$0] } ?? []))
        return out
    }

    /// Filter normalisation (Li et al. 2018): each row of `d` (see `rows`) scaled to the norm of
    /// the same row of `parameters`; a zero row of `d` stays zero.
    public static func filterNormalised(_ d: [Double], like network: Network<Double>) -> [Double] {
        precondition(network.shape.depth == 1, "slices need one hidden layer")
        var out = d
        for row in rows(network.layout, units: network.shape.hidden[0], d0: network.shape.d0) {
            let dn = row.reduce(0) { $0 + d[$1] * d[$1] }.squareRoot()
            let wn = row.reduce(0) { $0 + network.parameters[$1] * network.parameters[$1] }.squareRoot()
            guard dn > 0 else { continue }
            for k in row { out[k] = d[k] * wn / dn }
        }
        return out
    }

    /// A seeded Gaussian direction in the moving weights, filter-normalised: the slice's direction
    /// `index` (0 or 1) draws from `seed`'s `sliceDirections` stream of that index.
    public static func random(like network: Network<Double>, move: SliceMove, seed: UInt64, index: Int) -> SliceDirection {
        var rng = SeededGenerator(seed: seed, stream: .sliceDirections, index: index)
        let layout = network.layout
        let raw = (0..<layout.count).map { k in move.moves(k, layout) ? rng.normal() : 0 }
        return SliceDirection(kind: .random, vector: filterNormalised(raw, like: network), seed: seed,
                              stream: RandomStream.sliceDirections.id(index))
    }

    /// `other − network` in the moving weights.
    public static func towards(_ other: Network<Double>, from network: Network<Double>, move: SliceMove, kind: SliceDirectionKind) -> SliceDirection {
        precondition(other.shape == network.shape, "both networks need the same shape")
        let layout = network.layout
        let d = (0..<layout.count).map { k in move.moves(k, layout) ? other.parameters[k] - network.parameters[k] : 0 }
        return SliceDirection(kind: kind, vector: d)
    }

    /// The Ritz vector of the largest (`largest`) or smallest eigenvalue of the Hessian of the
    /// MSE restricted to the moving weights, by `steps` Lanczos steps on exact Hessian-vector
    /// products; scaled to the norm of the moving weights, its sign chosen so that its largest
    /// entry is positive.
    public static func hessian(_ hessian: Hessian, move: SliceMove, largest: Bool, steps: Int, seed: UInt64) throws -> SliceDirection {
        let network = hessian.network
        let layout = network.layout
        let moving = (0..<layout.count).filter { move.moves($0, layout) }
        let full = { (v: [Double]) -> [Double] in
            var x = [Double](repeating: 0, count: layout.count)
            for (k, i) in moving.enumerated() { x[i] = v[k] }
            return x
        }
        let r = try Lanczos.extremeEigenvalues(dimension: moving.count, steps: steps, seed: seed, vectors: true) { v in
            let hv = hessian.vectorProduct(full(v))
            return moving.map { hv[$0] }
        }
        var v = full(largest ? r.maxVector! : r.minVector!)
        let scale = Linalg.norm(moving.map { network.parameters[$0] })
        let top = v.indices.max { abs(v[$0]) < abs(v[$1]) }!
        let sign: Double = v[top] < 0 ? -1 : 1
        let vn = Linalg.norm(v)
        for k in v.indices { v[k] *= sign * (scale > 0 ? scale : 1) / vn }
        return SliceDirection(kind: largest ? .hessianMax : .hessianMin, vector: v,
                              eigenvalue: largest ? r.max : r.min, eigenvalueBound: largest ? r.maxBound : r.minBound)
    }

    /// Towards the region's least-squares fit (`RegionFit`), moving W̃ only (z is kept, so the
    /// output part is 0): the fit `u = vec(diag(z)W̃)` maps back to `w̃_i = u_i / z_i`.
    public static func regionFit(_ network: Network<Double>, data: Dataset<Double>) throws -> (SliceDirection, RegionFit) {
        let solution = try RegionSolution.fit(network, data: data)
        let target = solution.network(like: network)
        return (towards(target, from: network, move: .w, kind: .regionFit), solution.fit)
    }
}
