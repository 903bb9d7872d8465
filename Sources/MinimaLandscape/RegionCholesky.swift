import Linalg
import MinimaCore

/// The full right preconditioner of the region's least squares, `P = R⁻¹` with
/// `RᵀR = G + E`: G is the normal matrix `(A∘X)(A∘X)ᵀ` of the d0·d1 unknowns, in d1×d1 tiles
/// `G_ij = Σ_n A_in A_jn x_n x_nᵀ` (each one symmetric), and E a tiny diagonal shift. LSQR then
/// sees `(A∘X)ᵀR⁻¹`, whose nonzero singular values are all about 1: where the per-unit blocks of
/// `RegionPreconditioner` leave the coupling between units (the Marchenko–Pastur spread of a
/// nearly square design), this removes it, and the fit converges in a few iterations.
///
/// **Arithmetic.** Everything in Float64: the tiles of G by `?syrk` over the samples both units
/// see (weights `A_in A_jn`), the tiled right-looking Cholesky factorisation by `?potrf`,
/// `?trsm`, `?syrk` and `?gemm` on t×t tiles, and the two substitutions per LSQR iteration by
/// `?gemv` and `?trsv`. A Float32 factorisation would halve the memory, but G of a nearly square
/// design is so ill-conditioned (and, rank deficient, singular) that its Float32 rounding needs
/// shifts that bring back hundreds of iterations.
///
/// **Shift.** Tile k's diagonal gets `E_rr = c·G_rr` before its factorisation, from `c = √ε`,
/// multiplied by 10 on that tile while `?potrf` fails; a column a unit never sees (`G_rr = 0`)
/// takes the tile's largest diagonal entry instead. Adding E to a diagonal tile just before it
/// is factored is the same as adding it to G at the start, so `RᵀR = G + E` up to rounding. G of
/// a nearly square design is nearly singular (of a rank-deficient one, singular): in directions
/// where its eigenvalues are below the factor's rounding error, a smaller shift lets R⁻¹ amplify
/// that error without bound and LSQR diverges (on the tests' pixel-like design: c = 1e-12 does
/// not converge in 500 iterations, 1e-10 takes 27, 1e-8 11, 1e-6 34). E only damps directions
/// with eigenvalues below c·G_rr. E is diagonal and positive, so P is nonsingular and the fitted
/// values are those of `(A∘X)ᵀ`; `largestShift` reports the largest c used.
///
/// **Zero inputs.** Input columns that are zero on every sample (pixels that never light up)
/// give zero columns of the design; they are left out of the tiles (t = the others) and P is the
/// identity on them. The intercept column is scaled by `1/√N`.
///
/// Cost: `d1(d1+1)/2·t²` doubles for the tiles (10.3 GB for d1 = 16, t = 3072; 16.6 GB for
/// d1 = 89, t = 719), `Σ_{i≤j} |samples with A_in A_jn ≠ 0|·t²` multiply-adds to sum G,
/// `(d1·t)³/3` to factor it, and two passes over the tiles per LSQR iteration.
struct RegionCholesky: RightPreconditioner {
    let d0: Int, d1: Int, intercept: Bool
    /// The input columns (of d0) with a nonzero entry; t = `kept.count`.
    let kept: [Int]
    /// `R_ij` for i ≤ j, t×t row-major each (`R_ii` upper triangular).
    let tiles: TileStore
    let interceptScale: Double
    let threads: Int
    /// The largest shift factor c any tile needed.
    let largestShift: Double

    /// The first shift factor c: `√ε` ≈ 1.5e-8.
    static let initialShift = Double.ulpOfOne.squareRoot()
    /// Samples gathered per `?syrk` while summing a tile.
    static let chunkRows = 1024

    var t: Int { kept.count }

    /// Bytes the factor and its workspace take for `design` with `workers` threads (nil: overflow).
    static func bytes(_ design: KhatriRao<Double>, workers: Int) -> Int? {
        let t = design.d0, d1 = design.d1
        let tiles = MemoryBudget.product(d1, d1 + 1, t, t, 4)   // d1(d1+1)/2 tiles of 8 bytes
        let work = MemoryBudget.product(Swift.max(1, workers), chunkRows, t, 8)
        return MemoryBudget.sum(tiles, work, MemoryBudget.product(t, t, 8))
    }

    init(_ design: KhatriRao<Double>, shift: Double? = nil, threads requested: Int? = nil, progress: ProgressHandler? = nil) throws {
        let n = design.n, width = design.d0
        d0 = width; d1 = design.d1; intercept = design.intercept
        threads = Swift.max(1, requested ?? BLASEnvironment.threads)
        interceptScale = 1 / Double(Swift.max(1, n)).squareRoot()
        var nonzero = [Bool](repeating: false, count: width)
        design.inputs.elements.withUnsafeBufferPointer { px in
            for s in 0..<n { for j in 0..<width where px[s * width + j] != 0 { nonzero[j] = true } }
        }
        kept = (0..<width).filter { nonzero[$0] }
        tiles = try TileStore(units: d1, size: kept.count)
        let started = ContinuousClock.now
        let gramDiagonal = Self.sumTiles(design, kept: kept, into: tiles, workers: threads, started: started, progress: progress)
        largestShift = try Self.factor(tiles, gramDiagonal: gramDiagonal, shift: shift ?? Self.initialShift, workers: threads,
                                       started: started, progress: progress)
    }

    /// Fills the upper tiles with G (`?syrk` over the samples both units see, weighted by
    /// `A_in A_jn`; the off-diagonal tiles mirrored to full) and returns G's diagonal (d1·t).
    private static func sumTiles(_ design: KhatriRao<Double>, kept: [Int], into tiles: TileStore, workers: Int,
                                 started: ContinuousClock.Instant, progress: ProgressHandler?) -> [Double] {
        let n = design.n, d0 = design.d0, d1 = design.d1, t = kept.count
        let pairs = (0..<d1).flatMap { i in (i..<d1).map { (i, $0) } }
        let gram = SharedDoubles(count: d1 * t)
        let counter = ProgressCounter(total: pairs.count, started: started, note: "normal matrix", estimates: true, progress: progress)
        design.slopes.elements.withUnsafeBufferPointer { pa in
            design.inputs.elements.withUnsafeBufferPointer { px in
                let slopes = SendablePointer(UnsafeMutablePointer(mutating: pa.baseAddress!))
                let inputs = SendablePointer(UnsafeMutablePointer(mutating: px.baseAddress!))
                let split = pairs.count >= 2 * workers
                BLASEnvironment.withThreads(split ? 1 : workers) {
                    WorkSplit.perform(count: pairs.count, workers: split ? workers : 1) { _, share in
                        let rows = UnsafeMutablePointer<Double>.allocate(capacity: chunkRows * Swift.max(1, t))
                        defer { rows.deallocate() }
                        let a = slopes.pointer, x = inputs.pointer
                        for q in share {
                            let (i, j) = pairs[q]
                            let tile = tiles.tile(i, j)
                            tile.initialize(repeating: 0, count: t * t)
                            // Positive and negative weights A_in·A_jn (negative only for negative slopes).
                            for sign in [1.0, -1.0] {
                                var filled = 0
                                for s in 0..<n {
                                    let w = a[s * d1 + i] * a[s * d1 + j]
                                    guard sign > 0 ? w > 0 : w < 0 else { continue }
                                    let f = abs(w).squareRoot(), src = x + s * d0, dst = rows + filled * t
                                    for c in 0..<t { dst[c] = f * src[kept[c]] }
                                    filled += 1
                                    if filled == chunkRows { Double.syrk(.transposed, t, filled, sign, rows, t, 1, tile, t); filled = 0 }
                                }
                                if filled > 0 { Double.syrk(.transposed, t, filled, sign, rows, t, 1, tile, t) }
                            }
                            if i == j { for r in 0..<t { gram.pointer[i * t + r] = tile[r * t + r] } }
                            else { for r in 0..<t { for c in (r + 1)..<Swift.max(r + 1, t) { tile[c * t + r] = tile[r * t + c] } } }
                            counter.step()
                        }
                    }
                }
            }
        }
        return Array(UnsafeBufferPointer(start: gram.pointer, count: d1 * t))
    }

    /// The tiled Cholesky factorisation in place (right-looking, upper): for each k, factor the
    /// shifted diagonal tile, solve the tiles right of it, update the trailing tiles. Returns the
    /// largest shift factor used.
    private static func factor(_ tiles: TileStore, gramDiagonal: [Double], shift: Double, workers: Int,
                               started: ContinuousClock.Instant, progress: ProgressHandler?) throws -> Double {
        let units = tiles.units, t = tiles.size
        var largest = 0.0
        let backup = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(1, t * t))
        defer { backup.deallocate() }
        let counter = ProgressCounter(total: units, started: started, note: "Cholesky factor", estimates: false, progress: progress)
        for k in 0..<units where t > 0 {
            let d = tiles.tile(k, k), dk = k
            backup.update(from: d, count: t * t)
            let g = gramDiagonal[(k * t)..<((k + 1) * t)]
            let fallback = g.max().map { $0 > 0 ? $0 : 1 } ?? 1
            var c = shift
            while true {
                for (r, gr) in g.enumerated() { d[r * t + r] += c * (gr > 0 ? gr : fallback) }
                let info = BLASEnvironment.withThreads(workers) { Double.potrf(t, d, t) }
                if info == 0 { break }
                d.update(from: backup, count: t * t)
                c *= 10
                guard c <= 1 else {
                    throw MinimaError.numerical("the Cholesky factor of the region's normal matrix failed at unit \(k) even with a shift of G's diagonal (LAPACK info \(info))")
                }
            }
            largest = Swift.max(largest, c)
            // R_kj = R_kk⁻ᵀ G_kj, then G_ij −= R_kiᵀ R_kj for k < i ≤ j.
            let right = Array((k + 1)..<units)
            parallel(right.count, workers: workers) { q in Double.trsm(.transposed, t, t, tiles.tile(dk, dk), t, tiles.tile(dk, right[q]), t) }
            let trailing = ((k + 1)..<units).flatMap { i in (i..<units).map { (i, $0) } }
            parallel(trailing.count, workers: workers) { q in
                let (i, j) = trailing[q]
                if i == j { Double.syrk(.transposed, t, t, -1, tiles.tile(dk, i), t, 1, tiles.tile(i, i), t) }
                else { Double.gemm(.transposed, .none, t, t, t, -1, tiles.tile(dk, i), t, tiles.tile(dk, j), t, 1, tiles.tile(i, j), t) }
            }
            counter.step()
        }
        return largest
    }

    /// `body(q)` for q in 0..<count: split between `workers` one-thread BLAS workers when there
    /// are enough items, else in order with BLAS's own threads.
    private static func parallel(_ count: Int, workers: Int, _ body: @Sendable (Int) -> Void) {
        if count >= 2 * workers && workers > 1 {
            BLASEnvironment.withThreads(1) { WorkSplit.perform(count: count, workers: workers) { _, share in for q in share { body(q) } } }
        } else {
            BLASEnvironment.withThreads(workers) { for q in 0..<count { body(q) } }
        }
    }

    /// `P x = R⁻¹ x` on the kept coordinates (back substitution over the tiles), the identity on
    /// the others, `x_int/√N` on the intercept.
    func apply(_ x: [Double]) -> [Double] {
        var out = x
        var y = gather(x)
        let t = self.t
        BLASEnvironment.withThreads(threads) {
            y.withUnsafeMutableBufferPointer { py in
                let y0 = py.baseAddress!
                for i in (0..<d1).reversed() where t > 0 {
                    // y_i = R_ii⁻¹ (x_i − Σ_{j>i} R_ij y_j)
                    for j in (i + 1)..<d1 { Double.gemv(.none, t, t, -1, tiles.tile(i, j), t, y0 + j * t, 1, 1, y0 + i * t, 1) }
                    Double.trsv(.none, t, tiles.tile(i, i), t, y0 + i * t, 1)
                }
            }
        }
        scatter(y, into: &out)
        if intercept { out[d1 * d0] = x[d1 * d0] * interceptScale }
        return out
    }

    /// `Pᵀ v = R⁻ᵀ v` (forward substitution), the identity and the intercept scale as in `apply`.
    func applyTransposed(_ v: [Double]) -> [Double] {
        var out = v
        var z = gather(v)
        let t = self.t
        BLASEnvironment.withThreads(threads) {
            z.withUnsafeMutableBufferPointer { pz in
                let z0 = pz.baseAddress!
                for i in 0..<d1 where t > 0 {
                    // z_i = R_ii⁻ᵀ (v_i − Σ_{j<i} R_jiᵀ z_j)
                    for j in 0..<i { Double.gemv(.transposed, t, t, -1, tiles.tile(j, i), t, z0 + j * t, 1, 1, z0 + i * t, 1) }
                    Double.trsv(.transposed, t, tiles.tile(i, i), t, z0 + i * t, 1)
                }
            }
        }
        scatter(z, into: &out)
        if intercept { out[d1 * d0] = v[d1 * d0] * interceptScale }
        return out
    }

    private func gather(_ x: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: d1 * t)
        for i in 0..<d1 { for (c, j) in kept.enumerated() { y[i * t + c] = x[i * d0 + j] } }
        return y
    }

    private func scatter(_ y: [Double], into out: inout [Double]) {
        for i in 0..<d1 { for (c, j) in kept.enumerated() { out[i * d0 + j] = y[i * t + c] } }
    }
}

/// The upper tiles `(i, i')`, i ≤ i', of a d1×d1 grid of t×t blocks, in one allocation
/// (row by row of the grid).
final class TileStore: @unchecked Sendable {
    let units: Int, size: Int
    let base: UnsafeMutablePointer<Double>

    init(units: Int, size: Int) throws {
        self.units = units; self.size = size
        let count = MemoryBudget.product(units, units + 1, size, size).map { $0 / 2 }
        try MemoryBudget.check(elements: count, of: 8, what: "the region's normal-matrix factor (\(units)·\(units + 1)/2 tiles of \(size)×\(size) doubles)")
        base = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(1, count!))
    }

    deinit { base.deallocate() }

    /// Tile (i, j), i ≤ j.
    func tile(_ i: Int, _ j: Int) -> UnsafeMutablePointer<Double> {
        base + (i * units - i * (i - 1) / 2 + (j - i)) * size * size
    }
}

/// A pointer handed to concurrent workers that write disjoint entries.
struct SendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}

/// Doubles written at disjoint indices by concurrent workers.
final class SharedDoubles: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Double>
    init(count: Int) { pointer = .allocate(capacity: Swift.max(1, count)); pointer.initialize(repeating: 0, count: count) }
    deinit { pointer.deallocate() }
}

/// Counts finished items from concurrent workers and reports them as `.tile` progress.
final class ProgressCounter: @unchecked Sendable {
    private let done = LockedValue<Int>(0)
    let total: Int, started: ContinuousClock.Instant, note: String, estimates: Bool, progress: ProgressHandler?

    /// `estimates`: whether the steps cost about the same, so that the time left can be told.
    init(total: Int, started: ContinuousClock.Instant, note: String, estimates: Bool, progress: ProgressHandler?) {
        self.total = total; self.started = started; self.note = note; self.estimates = estimates; self.progress = progress
    }

    func step() {
        guard let progress else { return }
        let k = done.withLock { $0 += 1; return $0 }
        var event = ProgressEvent(.tile, done: k, of: total, elapsed: (ContinuousClock.now - started).inSeconds, note: note)
        if !estimates { event.eta = nil }
        progress(event)
    }
}
