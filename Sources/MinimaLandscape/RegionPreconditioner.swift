import Linalg
import MinimaCore
import MinimaData
import MinimaModel

/// A right preconditioner for the region's least squares, `P = (AᵀA/N)^{-1/2} ⊗ S⁻¹`, from the
/// Kronecker approximation `(A∘X)(A∘X)ᵀ ≈ (AᵀA/N) ⊗ (XᵀX)` of the normal-equation matrix: block
/// (i, i') is `Σ_n A_in A_i'n x_n x_nᵀ`, which for a pattern weakly correlated with each
/// coordinate is about `(a_iᵀa_i'/N)·XᵀX`. S = diag(‖column j of Xᵀ‖) scales the inputs. The
/// pattern factor removes the strong coupling between units that are active on many of the same
/// samples (for ReLU, AᵀA/N has one eigenvalue ≈ d1/4 against ≈ 1/4 for the others); LSQR is run
/// on `(A∘X)ᵀP` and the solution mapped back by P. Directions in the null space of AᵀA
/// (identical or dead units) are dropped: `(A∘X)ᵀ` is zero on them, so the fitted values are
/// unchanged. P is symmetric, so `Pᵀ = P`.
struct RegionPreconditioner {
    package let d0: Int, d1: Int, intercept: Bool
    /// `(AᵀA/N)^{-1/2}` (pseudo-inverse square root), d1×d1.
    package let q: Matrix<Double>
    /// `1/‖column j of Xᵀ‖` (1 for zero columns).
    let inverseScale: [Double]
    let interceptScale: Double

    package init(_ design: KhatriRao<Double>) throws {
        d0 = design.d0; d1 = design.d1; intercept = design.intercept
        let n = Double(Swift.max(1, design.n))
        var m = design.slopes.gram(.transposed)
        for k in m.elements.indices { m.elements[k] /= n }
        let (values, vectors) = try m.symmetricEigen(vectors: true)
        let top = values.last ?? 0
        // Eigenvalues below d1·ε·λ_max are rounding noise of a singular AᵀA: dropped.
        let cut = Double(d1) * Double.ulpOfOne * top
        let v = vectors!
        var scaled = v
        for j in 0..<d1 {
            let f = values[j] > cut ? 1 / values[j].squareRoot() : 0
            for i in 0..<d1 { scaled[i, j] *= f }
        }
        q = Matrix.product(scaled, .none, v, .transposed)
        let columns = design.d0, rows = design.n
        inverseScale = (0..<columns).map { j -> Double in
            let c = design.inputs.elements.withUnsafeBufferPointer { Double.nrm2(rows, $0.baseAddress! + j, columns) }
            return c > 0 ? 1 / c : 1
        }
        interceptScale = 1 / n.squareRoot()
    }

    /// `P x` (= `Pᵀ x`).
    package func apply(_ x: [Double]) -> [Double] {
        let block = Matrix(rows: d1, columns: d0, elements: Array(x[0..<(d1 * d0)]))
        var out = Matrix.product(q, .none, block, .none).elements
        for i in 0..<d1 { for j in 0..<d0 { out[i * d0 + j] *= inverseScale[j] } }
        if intercept { out.append(x[d1 * d0] * interceptScale) }
        return out
    }
}
