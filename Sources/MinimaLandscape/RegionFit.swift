import Linalg
import MinimaCore
import MinimaData
import MinimaModel

/// How the region's least-squares problem is solved.
public enum FitMethod: String, Codable, Sendable, CaseIterable {
    /// Dense when the N×p design has at most `RegionFit.defaultDenseLimit` entries, else LSQR.
    case auto
    /// `?gelsd` (SVD-based minimum-norm least squares) on the explicit `(A∘X)ᵀ`.
    case dense
    /// Matrix-free LSQR on the products of `KhatriRao`, right-preconditioned (`FitPreconditioner`).
    case lsqr
}

/// The right preconditioner of an LSQR region fit.
public enum FitPreconditioner: String, Codable, Sendable, CaseIterable {
    /// `full` when its factor and the design fit in the memory budget, else `units`.
    case auto
    /// The Cholesky factor of the whole normal matrix, Float64 tiles (`RegionCholesky`): a few
    /// iterations, at the price of summing and factoring the d0·d1 × d0·d1 matrix first.
    case full
    /// Exact per-unit blocks coupled by the units' slope correlation (`RegionPreconditioner`):
    /// cheap to build, but it leaves the coupling between units, so a nearly square design needs
    /// thousands of iterations.
    case units

    /// What `auto` chooses for `design` with `threads` workers: full when
    /// `RegionCholesky.bytes` plus the design itself twice over (its inputs and pattern, and
    /// the LSQR vectors and products) fit in `MemoryBudget.available`.
    static func resolve(_ kind: FitPreconditioner, _ design: KhatriRao<Double>, threads: Int) -> FitPreconditioner {
        guard kind == .auto else { return kind }
        let designBytes = MemoryBudget.product(design.n, design.d0 + design.d1, 8, 2)
        guard let bytes = MemoryBudget.sum(RegionCholesky.bytes(design, workers: threads), designBytes) else { return .units }
        return bytes <= MemoryBudget.available ? .full : .units
    }
}

/// The best any point of the region `D_A` can do (docs/theory.md §2): the least-squares fit
/// `ŷ_A = P_A y` (orthogonal projection of y onto the row space of `A∘X`), its residual
/// `e_A = y − ŷ_A`, `MSE_A = ‖e_A‖²/N` and `MCE_A`. By Lemma 2, every DLM inside `D_A` has
/// residual `e_A`. Computed in Float64.
///
/// A fit may start from weights `u₀` (the trained network's `vec(diag(z) W)`): the problem is then
/// solved for the correction `δ = argmin ‖(y − (A∘X)ᵀu₀) − (A∘X)ᵀδ‖`, so `‖(A∘X)ᵀδ‖` is
/// `‖e − e_A‖`, the distance of the network's outputs from the region's DLM, computed without
/// cancellation; near a DLM the matrix-free solver then starts next to its answer.
///
/// **Tolerances.** Dense: `rcond = max(N, p)·ε`, the rank tolerance of `KhatriRao.rank`
/// (`NumericalRank.relativeTolerance`; singular values below `rcond·σ_max` are treated as zero,
/// giving the minimum-norm solution). LSQR: see `LSQR`;
/// `achievedTolerance` is recomputed at the end from the true residual as the smaller of LSQR's
/// two stopping measures: `‖(A∘X) e_A‖ / (‖A∘X‖_F·‖e_A‖)` (how far `e_A` is from orthogonal to
/// the region's row space; 0 for an exact projection) and `‖e_A‖/‖y‖` (the fit is exact: when
/// y lies in the row space, e_A is rounding noise and its direction means nothing).
public struct RegionFit: Codable, Equatable, Sendable {
    /// `dense` or `lsqr` (the method used).
    public var method: FitMethod
    /// `MSE_A = ‖e_A‖²/N`.
    public var mse: Double
    /// `MCE_A`: fraction of `ŷ_A` on the wrong side of the threshold, and how many; nil (null
    /// in JSON) for real-valued targets.
    @NullWhenAbsent public var mce: Double?
    @NullWhenAbsent public var errors: Int?
    /// LSQR iterations (0 for dense).
    public var iterations: Int
    /// The preconditioner of an LSQR fit (nil for dense).
    @NullWhenAbsent public var preconditioner: FitPreconditioner?
    /// Seconds spent building it (nil for dense).
    @NullWhenAbsent public var preconditionerSeconds: Double?
    /// The largest diagonal shift factor c of the full preconditioner (`RegionCholesky`).
    @NullWhenAbsent public var preconditionerShift: Double?
    /// Whether LSQR met its tolerance, both in its own running estimates and, within a factor
    /// `trueResidualSlack`, in `achievedTolerance` recomputed from the true residual (always
    /// true for dense).
    public var converged: Bool
    /// How far above the requested tolerance the recomputed measure may be for an LSQR fit to
    /// count as converged: 100, room for the preconditioner's rescaling of the measure (a fit that
    /// truly converged lands within 10× on the tests' problems; a drifted one lands far above).
    public static let trueResidualSlack = 100.0
    /// The tolerance asked for (LSQR) or rcond (dense).
    public var requestedTolerance: Double
    /// min(`‖(A∘X) e_A‖ / (‖A∘X‖_F‖e_A‖)`, `‖e_A‖/‖y‖`), recomputed from the final residual.
    public var achievedTolerance: Double
    /// Effective rank `?gelsd` used (dense only).
    public var effectiveRank: Int?
    /// `‖(A∘X)ᵀδ‖`: how far the fit moved the outputs from the starting weights (= `‖e − e_A‖`
    /// when started from the network).
    public var correctionNorm: Double
    public var seconds: Double
}

/// A region fit with its vectors.
public struct RegionSolution: Sendable {
    public var fit: RegionFit
    /// `ŷ_A` (N).
    public var fitted: [Double]
    /// `e_A = y − ŷ_A` (N).
    public var residual: [Double]
    /// A minimiser `u` (p): of minimum norm relative to the start for the dense fit; LSQR's is
    /// minimum-norm in the preconditioned coordinates. `ŷ_A` and `e_A` are unique either way.
    public var weights: [Double]
}

extension RegionFit {
    /// Entries of the explicit design above which `auto` uses LSQR (2·10⁷ doubles = 160 MB,
    /// e.g. N = 4000 with d0·d1 = 5000).
    public static var defaultDenseLimit: Int { 20_000_000 }

    /// Solves the region's least-squares problem for targets `y` (labels in `coding`).
    /// `progress` receives LSQR's iterations with its ‖r‖/‖b‖ and normal-equation residual.
    public static func solve(_ design: KhatriRao<Double>, y: [Double], coding: LabelCoding,
                             start: [Double]? = nil, method: FitMethod = .auto,
                             tolerance: Double = 1e-10, maxIterations: Int = 20_000,
                             denseLimit: Int = defaultDenseLimit, preconditioner: FitPreconditioner = .auto,
                             progress: ProgressHandler? = nil) throws -> RegionSolution {
        let n = design.n, p = design.p
        precondition(y.count == n, "y has \(y.count) entries, the design \(n) samples")
        let clock = ContinuousClock()
        let t0 = clock.now
        let u0 = start ?? [Double](repeating: 0, count: p)
        precondition(u0.count == p, "start has \(u0.count) entries, need \(p)")
        let f0 = start == nil ? [Double](repeating: 0, count: n) : design.transposeTimes(u0)
        let r0 = zip(y, f0).map { $0 - $1 }
        let chosen: FitMethod = method == .auto ? (n * p <= denseLimit ? .dense : .lsqr) : method
        let squaredNorms = design.squaredRowNorms()
        var delta: [Double]
        var iterations = 0, converged = true, effectiveRank: Int? = nil
        var usedPreconditioner: FitPreconditioner? = nil, preconditionerSeconds: Double? = nil, shiftUsed: Double? = nil
        let requested: Double
        switch chosen {
        case .dense, .auto:
            let k = design.explicitTransposed()
            let rcond = NumericalRank.relativeTolerance(rows: n, columns: p, as: Double.self)
            let solved = try k.leastSquares(r0, rcond: rcond)
            delta = solved.solution
            effectiveRank = solved.rank
            requested = rcond
        case .lsqr:
            let kind = FitPreconditioner.resolve(preconditioner, design, threads: BLASEnvironment.threads)
            let built = clock.now
            let pre: any RightPreconditioner
            if kind == .full {
                let full = try RegionCholesky(design, progress: progress)
                shiftUsed = full.largestShift
                pre = full
            } else {
                pre = try RegionPreconditioner(design)
            }
            usedPreconditioner = kind
            preconditionerSeconds = (clock.now - built).inSeconds
            let result = LSQR.solve(unknowns: p, rhs: r0, tolerance: tolerance, maxIterations: maxIterations,
                                    apply: { x in design.transposeTimes(pre.apply(x)) },
                                    applyTransposed: { v in pre.applyTransposed(design.times(v)) },
                                    progress: progress)
            delta = pre.apply(result.solution)
            iterations = result.iterations
            converged = result.converged
            requested = tolerance
        }
        let shift = design.transposeTimes(delta)
        let fitted = zip(f0, shift).map { $0 + $1 }
        let residual = zip(r0, shift).map { $0 - $1 }
        let weights = zip(u0, delta).map { $0 + $1 }
        let eNorm = norm(residual)
        let frob = squaredNorms.reduce(0, +).squareRoot()
        // LSQR's two stopping measures, from the true residual: the smaller is the one met.
        let orthogonality = eNorm > 0 && frob > 0 ? norm(design.times(residual)) / (frob * eNorm) : 0
        let yNorm = norm(y)
        let achieved = Swift.min(orthogonality, yNorm > 0 ? eNorm / yNorm : 0)
        // LSQR stops on its running estimates, in the preconditioned coordinates. Asked for a
        // tolerance below what the arithmetic can reach, those estimates drift from the truth
        // and the stopping test can be met by a wrong answer; so a fit counts as converged only
        // when the measure recomputed from the true residual is within `trueResidualSlack`
        // of the tolerance too (the two measures differ by the preconditioner's scaling).
        if chosen == .lsqr { converged = converged && achieved <= RegionFit.trueResidualSlack * tolerance }
        let errors = coding.classes.map { classes in zip(fitted, y).filter { classes.isError(output: $0, label: $1) }.count }
        let d = clock.now - t0
        let fit = RegionFit(method: chosen == .auto ? .dense : chosen, mse: eNorm * eNorm / Double(Swift.max(1, n)),
                            mce: errors.map { Double($0) / Double(Swift.max(1, n)) }, errors: errors,
                            iterations: iterations, preconditioner: usedPreconditioner,
                            preconditionerSeconds: preconditionerSeconds, preconditionerShift: shiftUsed, converged: converged, requestedTolerance: requested,
                            achievedTolerance: achieved, effectiveRank: effectiveRank, correctionNorm: norm(shift),
                            seconds: d.inSeconds)
        return RegionSolution(fit: fit, fitted: fitted, residual: residual, weights: weights)
    }
}

extension RegionSolution {
    /// The region fit as a network like `network` (depth 1): each unit's block `u_i` of
    /// `u = vec(diag(z) W̃)` becomes `w_i = u_i / z_i` (the bias likewise), keeping `z`; a unit
    /// with `z_i = 0` takes `w_i = u_i`, `z_i = 1`. Its outputs are `ŷ_A` as long as no
    /// pre-activation changes sign; the caller measures what it really does.
    public func network(like network: Network<Double>) -> Network<Double> {
        precondition(network.shape.depth == 1, "a region fit maps back to one hidden layer only")
        var out = network
        let layout = network.layout
        let d0 = network.shape.d0, bias = network.shape.bias
        let block = d0 + (bias ? 1 : 0)
        for i in 0..<network.shape.hidden[0] {
            var z = network.parameters[layout.output.lowerBound + i]
            if z == 0 { z = 1; out.parameters[layout.output.lowerBound + i] = 1 }
            for j in 0..<d0 { out.parameters[layout.weights[0].lowerBound + i * d0 + j] = weights[i * block + j] / z }
            if let b = layout.biases { out.parameters[b[0].lowerBound + i] = weights[i * block + d0] / z }
        }
        if let ob = layout.outputBias { out.parameters[ob] = weights[weights.count - 1] }
        return out
    }
}

extension RegionSolution {
    /// `u₀ = vec(diag(z) W̃)` (then b_z): a one-hidden-layer network's own weights in its region's
    /// coordinates, laid out like `KhatriRao`'s unknowns.
    public static func start(_ network: Network<Double>) -> [Double] {
        precondition(network.shape.depth == 1, "a region's coordinates need one hidden layer")
        let layout = network.layout, d0 = network.shape.d0
        let z = network.outputWeights
        var u0: [Double] = []
        for i in 0..<network.shape.hidden[0] {
            for j in 0..<d0 { u0.append(z[i] * network.parameters[layout.weights[0].lowerBound + i * d0 + j]) }
            if let b = layout.biases { u0.append(z[i] * network.parameters[b[0].lowerBound + i]) }
        }
        if let ob = layout.outputBias { u0.append(network.parameters[ob]) }
        return u0
    }

    /// The least-squares fit of the region `network` is in (one hidden layer), started from its
    /// own weights.
    public static func fit(_ network: Network<Double>, data: Dataset<Double>, method: FitMethod = .auto,
                           tolerance: Double = 1e-10) throws -> RegionSolution {
        let layout = network.layout
        let bias = network.shape.bias
        let pattern = ActivationPattern(inputs: data.x, weights: network.weight(0),
                                        biases: layout.biases.map { Array(network.parameters[$0[0]]) },
                                        slope: network.shape.slope)
        let design = KhatriRao(slopes: pattern.slopes, inputs: Hessian.augment(data.x, bias), intercept: bias)
        return try RegionFit.solve(design, y: data.y, coding: data.coding, start: start(network),
                                   method: method, tolerance: tolerance)
    }
}
