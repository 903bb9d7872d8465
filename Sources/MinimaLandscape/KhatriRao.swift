import Linalg
import MinimaCore
import MinimaData
import MinimaModel

/// The Khatri-Rao product `A∘X = [a_1⊗x_1, …, a_N⊗x_N]` (docs/theory.md §2): d0·d1 × N, column n the
/// Kronecker product of the pattern column `a_n` with the sample `x_n`. Inside the region `D_A`
/// the network's outputs are `f(X) = (A∘X)ᵀ u` with `u = vec(diag(z) W)`, so `(A∘X)ᵀ` is the
/// design matrix of the region's least-squares problem.
///
/// **Orientation.** Built from `slopes` (N×d1 = `Aᵀ`) and `inputs` (N×d0 = `Xᵀ`), one sample per
/// row. Entry `(i·d0 + j, n)` of `A∘X` is `A_in·x_nj`, so `u` is laid out like `W1` in
/// `ParameterLayout` (row-major d1×d0): `u[i·d0 + j] = z_i·W_ij`. `explicitTransposed()` returns
/// `(A∘X)ᵀ` (N × p, one sample per row), the layout every API here uses for the design matrix.
///
/// **Intercept.** With `intercept` the design gets one more column of ones (the output bias
/// `b_z`), p = d0·d1 + 1. Hidden biases are handled by the caller appending a column of ones to
/// the inputs (`x̃_n = (x_n, 1)`, `w̃_i = (w_i, b_i)`).
///
/// The matrix-free products cost two GEMMs of N×d0×d1 and never form the N×p matrix:
/// `(A∘X)ᵀ u` is the row sum of `Aᵀ ⊙ (Xᵀ Uᵀ)` (U = u as d1×d0), and `(A∘X) v` is
/// `(Aᵀ ⊙ v)ᵀ Xᵀ` read as a vector of length d1·d0 (row-scaling Aᵀ by v, i.e. `A·diag(v)·Xᵀ`).
public struct KhatriRao<Scalar: LinalgScalar>: Sendable {
    /// `Aᵀ`, N×d1.
    public let slopes: Matrix<Scalar>
    /// `Xᵀ`, N×d0.
    public let inputs: Matrix<Scalar>
    /// Whether a trailing column of ones (output bias) is part of the design.
    public let intercept: Bool

    public init(slopes: Matrix<Scalar>, inputs: Matrix<Scalar>, intercept: Bool = false) {
        precondition(slopes.rows == inputs.rows,
                     "pattern has \(slopes.rows) samples (rows), inputs \(inputs.rows)")
        self.slopes = slopes
        self.inputs = inputs
        self.intercept = intercept
    }

    /// Samples N (columns of `A∘X`).
    public var n: Int { inputs.rows }
    /// Input dimension d0.
    public var d0: Int { inputs.columns }
    /// Units d1.
    public var d1: Int { slopes.columns }
    /// Rows of `A∘X` (unknowns of the region's fit): d0·d1, plus 1 with an intercept.
    public var p: Int { d0 * d1 + (intercept ? 1 : 0) }

    /// `(A∘X)ᵀ` materialised: N × p, row n = `a_n ⊗ x_n` (then 1 with an intercept).
    public func explicitTransposed() -> Matrix<Scalar> {
        let n = self.n, d0 = self.d0, d1 = self.d1, p = self.p
        var k = Matrix<Scalar>(rows: n, columns: p)
        slopes.elements.withUnsafeBufferPointer { pa in
            inputs.elements.withUnsafeBufferPointer { px in
                k.elements.withUnsafeMutableBufferPointer { pk in
                    for s in 0..<n {
                        let row = pk.baseAddress! + s * p
                        let x = px.baseAddress! + s * d0
                        for i in 0..<d1 {
                            let a = pa[s * d1 + i]
                            let out = row + i * d0
                            for j in 0..<d0 { out[j] = a * x[j] }
                        }
                        if intercept { row[p - 1] = 1 }
                    }
                }
            }
        }
        return k
    }

    /// `(A∘X)ᵀ u` (N entries): the outputs `f(x_n)` of weights `u` (p entries) in this region.
    public func transposeTimes(_ u: [Scalar]) -> [Scalar] {
        precondition(u.count == p, "u has \(u.count) entries, A∘X has \(p) rows")
        let n = self.n, d0 = self.d0, d1 = self.d1
        var pre = [Scalar](repeating: 0, count: n * d1)
        var out = [Scalar](repeating: 0, count: n)
        guard n > 0 else { return out }
        inputs.elements.withUnsafeBufferPointer { px in
            u.withUnsafeBufferPointer { pu in
                pre.withUnsafeMutableBufferPointer { pp in
                    if d0 > 0 && d1 > 0 {
                        // P = Xᵀ·Uᵀ (N×d1), U = u as d1×d0
                        Scalar.gemm(.none, .transposed, n, d1, d0, 1, px.baseAddress!, d0,
                                    pu.baseAddress!, d0, 0, pp.baseAddress!, d1)
                    }
                    slopes.elements.withUnsafeBufferPointer { pa in
                        let c: Scalar = intercept ? pu[p - 1] : 0
                        for s in 0..<n {
                            var f = c
                            for i in 0..<d1 { f += pa[s * d1 + i] * pp[s * d1 + i] }
                            out[s] = f
                        }
                    }
                }
            }
        }
        return out
    }

    /// `(A∘X) v` (p entries) for v with N entries: the gradient-like product `Σ_n v_n (a_n ⊗ x_n)`.
    public func times(_ v: [Scalar]) -> [Scalar] {
        precondition(v.count == n, "v has \(v.count) entries, A∘X has \(n) columns")
        let n = self.n, d0 = self.d0, d1 = self.d1
        var scaled = slopes.elements
        var out = [Scalar](repeating: 0, count: p)
        guard n > 0 else { return out }
        scaled.withUnsafeMutableBufferPointer { pm in
            for s in 0..<n {
                let vs = v[s]
                for i in 0..<d1 { pm[s * d1 + i] *= vs }
            }
            inputs.elements.withUnsafeBufferPointer { px in
                out.withUnsafeMutableBufferPointer { po in
                    if d0 > 0 && d1 > 0 {
                        // (Aᵀ ⊙ v)ᵀ · Xᵀ: d1×d0
                        Scalar.gemm(.transposed, .none, d1, d0, n, 1, pm.baseAddress!, d1,
                                    px.baseAddress!, d0, 0, po.baseAddress!, d0)
                    }
                }
            }
        }
        if intercept { out[p - 1] = v.reduce(0, +) }
        return out
    }

    /// Squared Euclidean norms of the p rows of `A∘X` (columns of the design):
    /// `Σ_n A_in² x_nj²`, i.e. `(Aᵀ⊙Aᵀ)ᵀ (Xᵀ⊙Xᵀ)` by one GEMM; N for the intercept.
    public func squaredRowNorms() -> [Scalar] {
        let a2 = Matrix(rows: n, columns: d1, elements: slopes.elements.map { $0 * $0 })
        let x2 = Matrix(rows: n, columns: d0, elements: inputs.elements.map { $0 * $0 })
        var out = Matrix.product(a2, .transposed, x2, .none).elements
        if intercept { out.append(Scalar(n)) }
        return out
    }

    /// The N×N Gram matrix `(A∘X)ᵀ(A∘X) = (AᵀA) ⊙ (XᵀX)` (plus 1 in every entry with an
    /// intercept): two `?syrk` products and a Hadamard product, `O(N²·(d0 + d1))` work.
    public func gram() -> Matrix<Scalar> {
        var g = inputs.gram(.none)            // Xᵀ X in the paper's orientation: N×N
        let ga = slopes.gram(.none)           // Aᵀ A: N×N
        let one: Scalar = intercept ? 1 : 0
        g.elements.withUnsafeMutableBufferPointer { pg in
            ga.elements.withUnsafeBufferPointer { pa in
                for k in 0..<pg.count { pg[k] = pg[k] * pa[k] + one }
            }
        }
        return g
    }
}
