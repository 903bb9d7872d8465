import Linalg
import MinimaCore
import MinimaData
import MinimaModel

/// A right preconditioner for the region's least squares, `P = diag(R_i⁻¹)·(Ĉ^{-1/2} ⊗ I)`:
/// exact per-unit blocks coupled by the pattern's correlation. The normal-equation matrix
/// `(A∘X)(A∘X)ᵀ` has d0×d0 blocks `M_ii' = Σ_n A_in A_i'n x_n x_nᵀ`. Each diagonal block
/// `M_i = Σ_n A_in² x_n x_nᵀ` (the inputs unit i sees, weighted by its slopes) is factored as
/// `M_i = R_iᵀR_i` (Cholesky), which makes it the identity; what is left between units is about
/// `ĉ_ii'·I`, with `Ĉ = D^{-1/2}(AᵀA)D^{-1/2}` the correlation of the units' slopes (for ReLU,
/// units active on many of the same samples couple strongly: Ĉ has one eigenvalue near d1/2),
/// which `Ĉ^{-1/2}` removes. LSQR is run on `(A∘X)ᵀP` and the solution mapped back by P.
///
/// **Tolerances.** `M_i` gets `τ_i = max(N, d0)·ε·max diag(M_i)` added to its diagonal (the
/// rounding level of the Gram sum), so that pixels a unit never sees (zero rows of `M_i`) and
/// directions lost to rounding leave it positive definite; P stays nonsingular, so the range of
/// `(A∘X)ᵀP` and the fitted values are those of `(A∘X)ᵀ` exactly. Directions in the null space of
/// Ĉ (dead or identical units, eigenvalues below d1·ε·λ_max) are dropped: `(A∘X)ᵀ` is zero on
/// them, so the fitted values are unchanged. The intercept column is scaled by `1/√N`.
///
/// `RegionCholesky` goes further (the whole normal matrix) where its factor fits in memory.
///
/// Cost: `d1·d0²` doubles for the factors (1.2 GB at d0 = 3072, d1 = 16), one Gram product of
/// the active samples per unit to build them, and two triangular solves per unit per LSQR
/// iteration.
struct RegionPreconditioner: RightPreconditioner {
    package let d0: Int, d1: Int, intercept: Bool
    /// `Ĉ^{-1/2}` (pseudo-inverse square root), d1×d1.
    package let q: Matrix<Double>
    /// The Cholesky factors `R_i` (upper, row-major d0×d0), one after another.
    let factors: [Double]
    let interceptScale: Double

    package init(_ design: KhatriRao<Double>) throws {
        d0 = design.d0; d1 = design.d1; intercept = design.intercept
        let n = design.n
        let c = design.slopes.gram(.transposed)
        let scale = (0..<d1).map { c[$0, $0] > 0 ? 1 / c[$0, $0].squareRoot() : 0 }
        var m = c
        for i in 0..<d1 { for j in 0..<d1 { m[i, j] *= scale[i] * scale[j] } }
        let (values, vectors) = try m.symmetricEigen(vectors: true)
        let top = values.last ?? 0
        // Eigenvalues below d1·ε·λ_max are rounding noise of a singular Ĉ: dropped.
        let cut = Double(d1) * Double.ulpOfOne * top
        let v = vectors!
        var scaled = v
        for j in 0..<d1 {
            let f = values[j] > cut ? 1 / values[j].squareRoot() : 0
            for i in 0..<d1 { scaled[i, j] *= f }
        }
        q = Matrix.product(scaled, .none, v, .transposed)
        factors = try Self.unitFactors(design)
        interceptScale = 1 / Double(Swift.max(1, n)).squareRoot()
    }

    /// `R_i` with `R_iᵀR_i = M_i + τ_i I` for every unit, from the active samples in chunks.
    private static func unitFactors(_ design: KhatriRao<Double>) throws -> [Double] {
        let n = design.n, d0 = design.d0, d1 = design.d1
        let block = d0 * d0
        var factors = [Double](repeating: 0, count: d1 * block)
        let chunk = Swift.max(1, Swift.min(n, 2048))
        var rows = [Double](repeating: 0, count: chunk * d0)
        try factors.withUnsafeMutableBufferPointer { pf in
            try design.slopes.elements.withUnsafeBufferPointer { pa in
                try design.inputs.elements.withUnsafeBufferPointer { px in
                    try rows.withUnsafeMutableBufferPointer { pr in
                        for i in 0..<d1 {
                            let mi = pf.baseAddress! + i * block
                            var filled = 0
                            func flush() {
                                guard filled > 0 else { return }
                                Double.syrk(.transposed, d0, filled, 1, pr.baseAddress!, d0, 1, mi, d0)
                                filled = 0
                            }
                            for s in 0..<n {
                                let a = pa[s * d1 + i]
                                guard a != 0 else { continue }
                                let src = px.baseAddress! + s * d0, dst = pr.baseAddress! + filled * d0
                                for j in 0..<d0 { dst[j] = a * src[j] }
                                filled += 1
                                if filled == chunk { flush() }
                            }
                            flush()
                            try factorUnitGram(mi, size: d0, samples: n, unit: i)
                            // Zero the lower triangle: R is upper.
                            for r in 1..<Swift.max(1, d0) { for col in 0..<r { mi[r * d0 + col] = 0 } }
                        }
                    }
                }
            }
        }
        return factors
    }

    /// `M ← R` with `RᵀR = M + τI` for a unit's input Gram M (upper triangle, row-major
    /// size×size; the lower triangle is overwritten), `τ = max(N, size)·ε·max diag(M)`, grown
    /// 100-fold while `?potrf` fails (at most 6 times).
    static func factorUnitGram(_ mi: UnsafeMutablePointer<Double>, size d0: Int, samples n: Int, unit i: Int) throws {
        var largest = 0.0
        for j in 0..<d0 { largest = Swift.max(largest, mi[j * d0 + j]) }
        var tau = largest > 0 ? Double(Swift.max(n, d0)) * Double.ulpOfOne * largest : 1
        let diagonal = (0..<d0).map { mi[$0 * d0 + $0] }
        // potrf overwrites the upper triangle only: a copy in the lower one rebuilds M_i when a
        // retry needs a larger shift.
        for r in 0..<d0 { for col in (r + 1)..<Swift.max(r + 1, d0) { mi[col * d0 + r] = mi[r * d0 + col] } }
        for attempt in 0... {
            if attempt > 0 {
                for r in 0..<d0 { for col in (r + 1)..<Swift.max(r + 1, d0) { mi[r * d0 + col] = mi[col * d0 + r] } }
            }
            for j in 0..<d0 { mi[j * d0 + j] = diagonal[j] + tau }
            let info = Double.potrf(d0, mi, d0)
            if info == 0 { break }
            guard attempt < 6 else {
                throw MinimaError.numerical("the Cholesky factor of unit \(i)'s input Gram failed (LAPACK info \(info))")
            }
            tau *= 100
        }
    }

    /// `P x`: mix the units' blocks by Ĉ^{-1/2}, then solve `R_i y_i = (·)_i`.
    func apply(_ x: [Double]) -> [Double] {
        let mixed = Matrix(rows: d1, columns: d0, elements: Array(x[0..<(d1 * d0)]))
        var out = Matrix.product(q, .none, mixed, .none).elements
        solve(&out, .none)
        if intercept { out.append(x[d1 * d0] * interceptScale) }
        return out
    }

    /// `Pᵀ v`: solve `R_iᵀ y_i = v_i`, then mix by Ĉ^{-1/2} (symmetric).
    func applyTransposed(_ v: [Double]) -> [Double] {
        var blocks = Array(v[0..<(d1 * d0)])
        solve(&blocks, .transposed)
        var out = Matrix.product(q, .none, Matrix(rows: d1, columns: d0, elements: blocks), .none).elements
        if intercept { out.append(v[d1 * d0] * interceptScale) }
        return out
    }

    private func solve(_ blocks: inout [Double], _ trans: Transpose) {
        let size = d0 * d0
        factors.withUnsafeBufferPointer { pf in
            blocks.withUnsafeMutableBufferPointer { pb in
                for i in 0..<d1 where d0 > 0 {
                    Double.trsv(trans, d0, pf.baseAddress! + i * size, d0, pb.baseAddress! + i * d0, 1)
                }
            }
        }
    }
}

/// A nonsingular right preconditioner P of the region's least squares: LSQR runs on `(A∘X)ᵀP`
/// and maps its solution back by P.
protocol RightPreconditioner: Sendable {
    /// `P x`.
    func apply(_ x: [Double]) -> [Double]
    /// `Pᵀ v`.
    func applyTransposed(_ v: [Double]) -> [Double]
}
