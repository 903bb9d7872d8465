import MinimaCore
import MinimaData
import MinimaModel
import MinimaLandscape
/// Angular volumes `V(R) = P_{W∼N(0,I)}(W ∈ R)` (docs/theory.md §2, Definition 3) of the unions of
/// regions the paper bounds, accumulated region by region: each region adds its weight (its
/// exact volume, or 1 per Monte Carlo draw that landed in it) to the classes it belongs to.
public struct AngularVolume: Codable, Sendable, Equatable {
    /// The ε grid of `L_ε` (MCE > ε).
    public var epsilons: [Double]
    /// Total weight added (1 for exact volumes; the number of draws for Monte Carlo).
    public var total: Double = 0
    /// `V(G)`: regions holding a global minimum (e = 0).
    public var global: Double = 0
    /// Regions holding a sub-optimal DLM (e ≠ 0), any MCE.
    public var suboptimal: Double = 0
    /// `V(L_ε)` for each ε of `epsilons`: sub-optimal DLMs with MCE > ε.
    public var lossAbove: [Double]
    /// `V(none)`: regions without a DLM.
    public var none: Double = 0
    /// Regions GLPK did not decide within its time limit.
    public var undecided: Double = 0
    /// `P(rank(A∘X) < N)`.
    public var rankDeficient: Double = 0

    public init(epsilons: [Double]) {
        self.epsilons = epsilons
        lossAbove = epsilons.map { _ in 0 }
    }

    /// Adds a region of weight `w` with classification `c`; `n` is the number of samples N.
    public mutating func add(_ c: RegionClassification, weight w: Double, samples n: Int) {
        total += w
        switch c.content {
        case .global: global += w
        case .suboptimal:
            suboptimal += w
            // L_ε needs an MCE: real-valued targets count in no L_ε (`minima volume` refuses them).
            for (k, eps) in epsilons.enumerated() where (c.mce ?? -.infinity) > eps { lossAbove[k] += w }
        case .none: none += w
        case .undecided: undecided += w
        }
        if c.rank < n { rankDeficient += w }
    }

    /// Sums two tallies over the same ε grid.
    public static func + (a: AngularVolume, b: AngularVolume) -> AngularVolume {
        precondition(a.epsilons == b.epsilons, "tallies over different ε grids")
        var s = a
        s.total += b.total; s.global += b.global; s.suboptimal += b.suboptimal; s.none += b.none
        s.undecided += b.undecided; s.rankDeficient += b.rankDeficient
        for k in s.lossAbove.indices { s.lossAbove[k] += b.lossAbove[k] }
        return s
    }

    /// The quantities in a fixed order, for tables, with their values.
    public var quantities: [(VolumeQuantity, Double)] {
        [(.global, global), (.suboptimal, suboptimal)]
            + zip(epsilons, lossAbove).map { (.lossAbove(epsilon: $0), $1) }
            + [(.none, none), (.rankDeficient, rankDeficient), (.undecided, undecided)]
    }
}
