import Foundation
import Linalg
import MinimaCore
import MinimaData
import MinimaModel
import MinimaLandscape

/// What a differentiable region `D_A` holds (docs/theory.md §2).
public enum RegionContent: String, Codable, Sendable, CaseIterable {
    /// A DLM with zero residual `e = 0`: a global minimum (counts towards `G`).
    case global
    /// A DLM with `e ≠ 0`: a sub-optimal differentiable local minimum (towards `L_ε` if MCE > ε).
    case suboptimal
    /// No DLM in the region.
    case none
    /// GLPK ran out of its time limit: the region was not decided (reported, never guessed).
    case undecided
}

/// The verdict on one region and the numbers behind it.
public struct RegionClassification: Codable, Sendable, Equatable {
    public var content: RegionContent
    /// `rank(A∘X)` by `KhatriRao.rank` with its default route and tolerance, the certificate's.
    public var rank: Int
    /// MSE and MCE of the region's only possible DLM output `ŷ_A` (its least-squares fit); the
    /// MCE is nil (null in JSON) for real-valued targets.
    public var mse: Double
    @NullWhenAbsent public var mce: Double?
    /// The margin `t` of the solution GLPK found (normalised units, see `RegionClassifier`);
    /// nil when no DLM exists or none was needed (ŷ_A = 0 is reached by z = 0).
    public var margin: Double?
}

/// Decides what a region `D_A` holds for data `(X, y)` (docs/theory.md §2).
///
/// Inside `D_A` the only possible DLM output is `ŷ_A = P_A y`. A DLM exists iff
/// `ŷ_A = (A∘X)ᵀ u` for some `u` whose unit blocks satisfy `u_i ∈ C_i ∪ (−C_i) ∪ {0}`, with
/// `C_i = {w : sign(wᵀx_n) = S_in ∀n}` the open cone of unit i (the sign of `z_i` is free; a
/// zero block is `z_i = 0`). Then `(W, z)` with `z_i w_i = u_i` reaches the region's least-squares
/// optimum, so it is a local minimum; conversely every DLM has residual `e_A` (Lemma 2).
///
/// Open cones become a homogeneous program with a margin: find `(u, λ, t)` with
/// `(A∘X)ᵀ u = λ ŷ_A`, `s_i S_in x_nᵀ u_i ≥ t`, `λ ≥ t`, entries of u in [−1, 1], λ ∈ [0, 1]
/// (dividing by λ > 0 gives a point of the open set, and the box only fixes the scale). The open
/// set is non-empty iff the largest margin t is > 0. **Tolerance:** X is divided by its largest
/// |entry| and ŷ_A by its largest |entry| before the program is built, so every coefficient is at
/// most 1 in magnitude; a region counts as holding a DLM when a margin `t ≥ τ = 1e-6` is found,
/// ten times GLPK's primal feasibility tolerance (`tol_bnd = 1e-7`), below which a margin cannot be
/// told from 0. Regions thinner than that are reported `none`.
///
/// The sign choices `s_i ∈ {+1, −1, 0}` are searched in one of three exact ways:
/// `.enumerate`, one LP per choice (3^{d1} programs, small d1 only); `.mixedInteger`, one GLPK
/// MIP with two binaries per unit (big-M = 1 in the normalised units, stopped at the first
/// feasible point); `.branchAndBound` (the default), a depth-first search over the units in which
/// units not yet assigned are left free (`conv(C_i ∪ −C_i ∪ {0}) = R^{d0}`, so that LP is a
/// relaxation), first over closed cones (two branches per unit, chosen by row bounds; no
/// solution there means no DLM; units probed at the root), then over open cones and zero blocks: a node whose LP margin is below τ is pruned, a node whose free units already lie
/// in `±C_i` (margin ≥ τ) or at 0 is a solution, otherwise the worst free unit is branched on,
/// the sign its LP solution leans to first. One GLPK problem is re-solved from its last basis
/// (dual simplex) as bounds change, which is what makes it fast. All three agree (tested).
public struct RegionClassifier: Sendable {
    public enum Method: String, Codable, Sendable, CaseIterable {
        /// `.branchAndBound`.
        case automatic
        /// Depth-first search over sign choices with LP bounds (see the type's documentation).
        case branchAndBound
        /// One LP per sign choice of z (3^{d1} of them).
        case enumerate
        /// One MIP with binaries for z_i > 0 and z_i < 0.
        case mixedInteger
    }

    /// Inputs, N×d0 (rows x_n), Float64.
    public let x: Matrix<Double>
    /// Targets y.
    public let y: [Double]
    /// Leaky-ReLU slope ρ.
    public let slope: Double
    public let coding: LabelCoding
    public var method: Method = .automatic
    /// GLPK time limit per region, seconds.
    public var timeLimitSeconds: Double = 60

    /// Margin tolerance τ in normalised units (see the type's documentation).
    public static let marginTolerance = 1e-6
    /// `e = 0` when `‖e‖ ≤ 1e-8·‖y‖`: the least-squares residual of a consistent system in
    /// Float64 is ~1e-14 relative; 1e-8 leaves room for ill-conditioned `A∘X`.
    public static let residualTolerance = 1e-8

    public init<Scalar: LinalgScalar>(data: Dataset<Scalar>, slope: Double, method: Method = .automatic) {
        x = data.x.converted(to: Double.self)
        y = data.y.map { Double($0) }
        self.slope = slope
        coding = data.coding
        self.method = method
    }

    /// Classifies the region of `pattern` (d1 units × N samples).
    public func classify(_ pattern: RegionPattern) throws -> RegionClassification {
        precondition(pattern.samples == x.rows, "pattern has \(pattern.samples) samples, X has \(x.rows)")
        let design = pattern.khatriRao(inputs: x, slope: slope)
        let rank: KhatriRaoRank, fit: RegionSolution
        do {
            rank = try design.rank()
            fit = try RegionFit.solve(design, y: y, coding: coding, method: .dense)
        } catch {
            throw MinimaError.numerical("rank or least-squares fit of a region failed: \(error)")
        }
        var result = RegionClassification(content: .none, rank: rank.rank, mse: fit.fit.mse,
                                          mce: fit.fit.mce, margin: nil)
        let yNorm = y.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let isExact = norm(fit.residual) <= RegionClassifier.residualTolerance * max(yNorm, .leastNormalMagnitude)
        let fittedMax = fit.fitted.reduce(0) { max($0, abs($1)) }
        if fittedMax <= RegionClassifier.residualTolerance * yNorm {
            // ŷ_A = 0 is reached by z = 0 with any W in the region.
            result.content = isExact ? .global : .suboptimal
            return result
        }
        let outcome = try reachable(pattern: pattern, m: design.explicitTransposed(), fitted: fit.fitted.map { $0 / fittedMax })
        switch outcome {
        case .solved(let t):
            result.content = isExact ? .global : .suboptimal
            result.margin = t
        case .infeasible: result.content = .none
        case .timeLimit: result.content = .undecided
        }
        return result
    }

    /// Whether `ŷ` (scaled to max |entry| 1) is `(A∘X)ᵀu` with admissible unit blocks.
    func reachable(pattern: RegionPattern, m: Matrix<Double>, fitted: [Double]) throws -> LinearProgram.Outcome {
        let d1 = pattern.units
        let scale = x.elements.reduce(0) { max($0, abs($1)) }
        let xs = Matrix(rows: x.rows, columns: x.columns, elements: x.elements.map { $0 / max(scale, .leastNormalMagnitude) })
        let ms = Matrix(rows: m.rows, columns: m.columns, elements: m.elements.map { $0 / max(scale, .leastNormalMagnitude) })
        switch method {
        case .automatic, .branchAndBound: return try branchAndBound(pattern, xs, ms, fitted)
        case .mixedInteger: return try mixedInteger(pattern, xs, ms, fitted)
        case .enumerate: break
        }
        var anyTimeLimit = false
        for choice in RegionClassifier.signChoices(d1) {
            switch try signChoiceLP(pattern, xs, ms, fitted, choice) {
            case .solved(let t) where t >= RegionClassifier.marginTolerance: return .solved(objective: t)
            case .timeLimit: anyTimeLimit = true
            default: continue
            }
        }
        return anyTimeLimit ? .timeLimit : .infeasible
    }

    /// All of {+1, −1, 0}^{d1}, those without zero blocks first (most regions that hold a DLM
    /// use every unit).
    static func signChoices(_ d1: Int) -> [[Int]] {
        var all: [[Int]] = [[]]
        for _ in 0..<d1 { all = all.flatMap { c in [1, -1, 0].map { c + [$0] } } }
        return all.sorted { $0.filter { $0 == 0 }.count < $1.filter { $0 == 0 }.count }
    }

    /// The equality rows `(A∘X)ᵀ u − λ ŷ = 0`, with `column(i, j)` the LP column of u_ij (nil
    /// when block i is fixed at 0) and `lambda` the column of λ.
    private func addFitRows(_ lp: LinearProgram, _ ms: Matrix<Double>, _ fitted: [Double], d0: Int, d1: Int,
                            lambda: Int, columns: (Int, Int) -> [Int]) {
        for n in 0..<ms.rows {
            var terms: [(column: Int, coefficient: Double)] = [(lambda, -fitted[n])]
            for i in 0..<d1 {
                for j in 0..<d0 {
                    let a = ms[n, i * d0 + j]
                    for (k, c) in columns(i, j).enumerated() { terms.append((c, k == 0 ? a : -a)) }
                }
            }
            lp.addRow(terms, lower: 0, upper: 0)
        }
    }

    /// One LP: maximise t for a fixed sign choice s of the units.
    private func signChoiceLP(_ p: RegionPattern, _ xs: Matrix<Double>, _ ms: Matrix<Double>,
                              _ fitted: [Double], _ s: [Int]) throws -> LinearProgram.Outcome {
        let d0 = xs.columns, d1 = p.units, n = xs.rows
        let lp = LinearProgram(maximize: true)
        var first = [Int?](repeating: nil, count: d1)
        for i in 0..<d1 where s[i] != 0 { first[i] = lp.addColumns(d0, lower: -1, upper: 1) }
        let lambda = lp.addColumns(1, lower: 0, upper: 1)
        let t = lp.addColumns(1, lower: nil, upper: 1, objective: 1)
        addFitRows(lp, ms, fitted, d0: d0, d1: d1, lambda: lambda) { i, j in first[i].map { [$0 + j] } ?? [] }
        for i in 0..<d1 {
            guard let f = first[i] else { continue }
            for k in 0..<n {
                let sign = Double(s[i]) * (p.isPositive(unit: i, sample: k) ? 1 : -1)
                var terms: [(column: Int, coefficient: Double)] = (0..<d0).map { (f + $0, sign * xs[k, $0]) }
                terms.append((t, -1))
                lp.addRow(terms, lower: 0, upper: nil)
            }
        }
        lp.addRow([(lambda, 1), (t, -1)], lower: 0, upper: nil)
        return try lp.solveLP(timeLimitSeconds: timeLimitSeconds)
    }

    /// `.branchAndBound`: first the closed relaxation (`u_i ∈ cl C_i ∪ −cl C_i`, which contains
    /// 0, so two branches per unit instead of three); if even that has no solution with λ ≥ τ the
    /// region holds no DLM. Otherwise the exact search over open cones and zero blocks decides.
    private func branchAndBound(_ p: RegionPattern, _ xs: Matrix<Double>, _ ms: Matrix<Double>,
                                _ fitted: [Double]) throws -> LinearProgram.Outcome {
        let deadline = Date().addingTimeInterval(timeLimitSeconds)
        var signs: [Int] = []
        let closed = try depthFirst(p, xs, ms, fitted, open: false, deadline: deadline, signs: &signs)
        guard case .solved = closed else { return closed }
        // The closed solution's signs usually work for the open cones too: try them first.
        return try depthFirst(p, xs, ms, fitted, open: true, deadline: deadline, signs: &signs)
    }

    /// The depth-first search over sign choices. `open`: cone rows `s_i S_ik x_kᵀu_i ≥ t`,
    /// branches {lean, −lean, 0}, maximise t. Closed: rows `s_i S_ik x_kᵀu_i ≥ 0`, branches
    /// {lean, −lean}, maximise λ (t ≤ λ, so a closed optimum below τ bounds the open one).
    /// `signs`: on return from a solution, the sign choice found (0 = zero block); on entry
    /// to an open search, if not empty, a full sign choice tried first.
    private func depthFirst(_ p: RegionPattern, _ xs: Matrix<Double>, _ ms: Matrix<Double>,
                            _ fitted: [Double], open: Bool, deadline: Date,
                            signs: inout [Int]) throws -> LinearProgram.Outcome {
        let d0 = xs.columns, d1 = p.units, n = xs.rows
        let tau = RegionClassifier.marginTolerance
        let lp = LinearProgram(maximize: true)
        let first = (0..<d1).map { _ in lp.addColumns(d0, lower: -1, upper: 1) }
        let lambda = lp.addColumns(1, lower: 0, upper: 1, objective: open ? 0 : 1)
        let t = open ? lp.addColumns(1, lower: nil, upper: 1, objective: 1) : 0
        addFitRows(lp, ms, fitted, d0: d0, d1: d1, lambda: lambda) { i, j in [first[i] + j] }
        // signed[i] = (S_ik x_k)_k, the cone rows' coefficients; rows[i][h] = first row of unit
        // i's "+" (h = 0) and "−" (h = 1) cone rows, switched off (free) until the unit is assigned.
        var rows = [[Int]](repeating: [0, 0], count: d1)
        var signed = [[Double]](repeating: [], count: d1)
        for i in 0..<d1 {
            signed[i] = (0..<n).flatMap { k in
                (0..<d0).map { j in (p.isPositive(unit: i, sample: k) ? 1 : -1) * xs[k, j] }
            }
            // Closed cones need one row set: the sign is chosen by the bounds (≥ 0 or ≤ 0).
            let rowSigns: [Double] = open ? [1, -1] : [1]
            for (h, sign) in rowSigns.enumerated() {
                for k in 0..<n {
                    var terms: [(column: Int, coefficient: Double)] = (0..<d0).map { (first[i] + $0, sign * signed[i][k * d0 + $0]) }
                    if open { terms.append((t, -1)) }
                    let r = lp.addRow(terms, lower: nil, upper: nil)
                    if k == 0 { rows[i][h] = r }
                }
            }
        }
        if open { lp.addRow([(lambda, 1), (t, -1)], lower: 0, upper: nil) }

        func assign(_ i: Int, _ s: Int?) {
            if open {
                for (h, sign) in [1, -1].enumerated() {
                    for k in 0..<n { lp.setRowBounds(rows[i][h] + k, lower: s == sign ? 0 : nil, upper: nil) }
                }
            } else {
                for k in 0..<n { lp.setRowBounds(rows[i][0] + k, lower: s == 1 ? 0 : nil, upper: s == -1 ? 0 : nil) }
            }
            for j in 0..<d0 { lp.setColumnBounds(first[i] + j, lower: s == 0 ? 0 : -1, upper: s == 0 ? 0 : 1) }
        }
        /// min over samples of ±S_ik x_kᵀu_i: how far u_i is inside C_i (plus) or −C_i (minus).
        func coneMargins(_ i: Int) -> (plus: Double, minus: Double, zero: Bool) {
            let u = (0..<d0).map { lp.value(first[i] + $0) }
            var lo = Double.infinity, hi = -Double.infinity
            for k in 0..<n {
                var v = 0.0
                for j in 0..<d0 { v += signed[i][k * d0 + j] * u[j] }
                lo = min(lo, v); hi = max(hi, v)
            }
            return (lo, -hi, u.allSatisfy { abs($0) <= 1e-12 })
        }
        // A free unit is already admissible when inside a cone by τ (open) or by −1e-9
        // (closed: on the boundary, up to GLPK's rounding).
        let admissible = open ? tau : -1e-9
        var assigned = [Int?](repeating: nil, count: d1)
        var found: [Int] = []
        /// Probing at the root of the closed search: a unit for which one sign admits no
        /// solution must take the other (fixed for the whole search); one for which neither does
        /// proves the region empty. Repeats while it fixes units. (Measured: 13% fewer LPs;
        /// probing at every node costs more than it saves.)
        func probe() throws -> LinearProgram.Outcome? {
            var changed = true
            while changed {
                changed = false
                for i in 0..<d1 where assigned[i] == nil {
                    var works: [Int] = []
                    for sgn in [1, -1] {
                        assign(i, sgn)
                        let r = try lp.resolveLP(timeLimitSeconds: deadline.timeIntervalSinceNow)
                        if r == .timeLimit { assign(i, nil); return .timeLimit }
                        if case .solved(let v) = r, v >= tau { works.append(sgn) }
                    }
                    if works.isEmpty { assign(i, nil); return .infeasible }
                    if works.count == 1 { assigned[i] = works[0]; assign(i, works[0]); changed = true } else { assign(i, nil) }
                }
            }
            return nil
        }
        func search() throws -> LinearProgram.Outcome {
            if Date() > deadline { return .timeLimit }
            let outcome = try lp.resolveLP(timeLimitSeconds: deadline.timeIntervalSinceNow)
            guard case .solved(let best) = outcome else { return outcome }
            if best < tau { return .infeasible }
            var worst: (unit: Int, margin: Double, lean: Int)? = nil
            var margin = best
            var choice = assigned.map { $0 ?? 0 }
            for i in 0..<d1 where assigned[i] == nil {
                let m = coneMargins(i)
                if m.zero { continue }
                let (value, lean) = m.plus >= m.minus ? (m.plus, 1) : (m.minus, -1)
                choice[i] = lean
                if value >= admissible { if open { margin = min(margin, value) }; continue }
                if worst == nil || value < worst!.margin { worst = (i, value, lean) }
            }
            guard let branch = worst else { found = choice; return .solved(objective: margin) }
            var sawTimeLimit = false
            for s in open ? [branch.lean, -branch.lean, 0] : [branch.lean, -branch.lean] {
                assigned[branch.unit] = s
                assign(branch.unit, s)
                let r = try search()
                if case .solved = r { return r }
                if r == .timeLimit { sawTimeLimit = true; break }
            }
            assigned[branch.unit] = nil
            assign(branch.unit, nil)
            return sawTimeLimit ? .timeLimit : .infeasible
        }
        if open && signs.count == d1 {
            for i in 0..<d1 { assign(i, signs[i]) }
            if case .solved(let m) = try lp.resolveLP(timeLimitSeconds: deadline.timeIntervalSinceNow), m >= tau {
                return .solved(objective: m)
            }
            for i in 0..<d1 { assign(i, nil) }
        }
        if !open, let r = try probe() { return r }
        let result = try search()
        signs = found
        return result
    }

    /// One MIP over every sign choice: u_i = p_i − q_i, binaries b_i (p_i ∈ C_i, z_i > 0) and
    /// c_i (q_i ∈ C_i, z_i < 0), b_i + c_i ≤ 1, |p_ij| ≤ b_i, |q_ij| ≤ c_i,
    /// `S_in x_nᵀ p_i ≥ t − (1 − b_i)` (likewise q), t ∈ [τ, 1].
    private func mixedInteger(_ p: RegionPattern, _ xs: Matrix<Double>, _ ms: Matrix<Double>,
                              _ fitted: [Double]) throws -> LinearProgram.Outcome {
        let d0 = xs.columns, d1 = p.units, n = xs.rows
        let lp = LinearProgram(maximize: true)
        let pFirst = (0..<d1).map { _ in lp.addColumns(d0, lower: -1, upper: 1) }
        let qFirst = (0..<d1).map { _ in lp.addColumns(d0, lower: -1, upper: 1) }
        let b = lp.addColumns(d1, lower: 0, upper: 1, binary: true)
        let c = lp.addColumns(d1, lower: 0, upper: 1, binary: true)
        let lambda = lp.addColumns(1, lower: 0, upper: 1)
        let t = lp.addColumns(1, lower: RegionClassifier.marginTolerance, upper: 1, objective: 1)
        addFitRows(lp, ms, fitted, d0: d0, d1: d1, lambda: lambda) { i, j in [pFirst[i] + j, qFirst[i] + j] }
        for i in 0..<d1 {
            for (first, binary) in [(pFirst[i], b + i), (qFirst[i], c + i)] {
                for k in 0..<n {
                    let sign: Double = p.isPositive(unit: i, sample: k) ? 1 : -1
                    var terms: [(column: Int, coefficient: Double)] = (0..<d0).map { (first + $0, sign * xs[k, $0]) }
                    terms.append((t, -1)); terms.append((binary, -1))
                    lp.addRow(terms, lower: -1, upper: nil)
                }
                for j in 0..<d0 {
                    lp.addRow([(first + j, 1), (binary, -1)], lower: nil, upper: 0)
                    lp.addRow([(first + j, 1), (binary, 1)], lower: 0, upper: nil)
                }
            }
            lp.addRow([(b + i, 1), (c + i, 1)], lower: nil, upper: 1)
        }
        lp.addRow([(lambda, 1), (t, -1)], lower: 0, upper: nil)
        return try lp.solveFirstFeasibleMIP(timeLimitSeconds: timeLimitSeconds)
    }
}

/// Classifications by region, shared by threads: each distinct pattern (up to a relabelling
/// of the units, `RegionPattern.canonical`) is classified once.
public final class RegionCache: @unchecked Sendable {
    private var table: [RegionPattern: RegionClassification] = [:]
    private let lock = NSLock()
    public private(set) var classified = 0

    public init() {}

    /// The classification of `pattern`, computed by `classifier` on a miss. Two threads that
    /// miss the same pattern at once both classify it (same answer); counted once.
    public func classification(of pattern: RegionPattern, by classifier: RegionClassifier) throws -> (RegionClassification, fresh: Bool) {
        let key = pattern.canonical
        lock.lock()
        let hit = table[key]
        lock.unlock()
        if let hit { return (hit, false) }
        let c = try classifier.classify(key)
        lock.lock()
        let fresh = table[key] == nil
        if fresh { table[key] = c; classified += 1 }
        lock.unlock()
        return (c, fresh)
    }

    public var count: Int { lock.lock(); defer { lock.unlock() }; return table.count }
}
