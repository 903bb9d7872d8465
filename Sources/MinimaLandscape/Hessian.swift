import Linalg
import MinimaCore
import MinimaData
import MinimaModel

/// The exact Hessian of `MSE(θ) = (1/N)·‖y − f(X; θ)‖²` with respect to every parameter θ
/// (`ParameterLayout` order: W1, b1, W2, b2, z, bz), at weights inside a differentiable region.
///
/// Inside a region the activation slopes `A_l` are constant, so f is a polynomial in θ (degree 2
/// for one hidden layer, 3 for two) and its second derivatives are exact, not approximations:
///
///     ∇²MSE = (2/N)·JᵀJ + Σ_n g_n ∇²f_n,    J_n = ∂f_n/∂θ,   g_n = (2/N)(f_n − y_n).
///
/// Notation (one sample per ROW): `H̃_{l−1}` is layer l's input with a column of ones appended
/// when the network has biases (`H̃_0 = X̃`), `W̃_l = [W_l, b_l]`, `P_l = H̃_{l−1} W̃_lᵀ`,
/// `A_l = a(P_l)`, `H_l = A_l ⊙ P_l`, `f = H_L z + b_z`.
///
/// `∇²f_n` is nonzero only between parameters of different layers. One hidden layer:
/// `∂²f/∂z_i∂W̃_ik = a_i x̃_k`. Two hidden layers: `∂²f/∂z_i∂W̃2_ij = a2_i h̃1_j`,
/// `∂²f/∂z_i∂W̃1_jk = a2_i W2_ij a1_j x̃_k` and `∂²f/∂W2_ij∂W̃1_jk = z_i a2_i a1_j x̃_k`; summed
/// with weights g_n these are the GEMMs `(g⊙A2)ᵀH̃1` and `M_i = (g⊙a2_i⊙A1)ᵀX̃`.
///
/// `vectorProduct` is Pearlmutter's R-operator (forward-mode differentiation of
/// back-propagation) with the slopes held fixed, the exact `∇²MSE·v` at the cost of about three
/// gradients; `dense` builds the whole matrix (`JᵀJ` by `?syrk` over chunks of samples).
/// At a point where a pre-activation is exactly 0 the MSE has no Hessian; both return the
/// Hessian of the region `A = a(P)` with `a(0) = ρ`, as `Network` does.
public struct Hessian: Sendable {
    public let network: Network<Double>
    public let data: Dataset<Double>
    package let shape: NetworkShape
    package let bias: Int
    /// Per layer: `H̃_{l−1}` (N × (d_{l−1}+bias)), `A_l` (N×d_l), `H_l` (N×d_l).
    package let inputs: [Matrix<Double>]
    package let slopes: [Matrix<Double>]
    package let hidden: [Matrix<Double>]
    /// `W̃_l` (d_l × (d_{l−1}+bias)), z, b_z.
    package let weights: [Matrix<Double>]
    package let z: [Double]
    /// `g = (2/N)(f − y)`.
    package let g: [Double]
    /// `flatIndex[k]`: where entry k of the augmented order (W̃1 row-major, W̃2, z, b_z) sits in
    /// `ParameterLayout`'s order.
    let flatIndex: [Int]

    public init(network: Network<Double>, data: Dataset<Double>) {
        precondition(network.shape.d0 == data.d0, "network d0 \(network.shape.d0) ≠ data d0 \(data.d0)")
        self.network = network
        self.data = data
        shape = network.shape
        bias = shape.bias ? 1 : 0
        let layout = network.layout
        let widths = shape.widths
        var index: [Int] = []
        var ws: [Matrix<Double>] = []
        for l in 0..<shape.depth {
            let dIn = widths[l], dOut = widths[l + 1], cols = dIn + bias
            var w = Matrix<Double>(rows: dOut, columns: cols)
            for j in 0..<dOut {
                for k in 0..<cols {
                    let flat = k < dIn ? layout.weights[l].lowerBound + j * dIn + k : layout.biases![l].lowerBound + j
                    index.append(flat)
                    w[j, k] = network.parameters[flat]
                }
            }
            ws.append(w)
        }
        index.append(contentsOf: layout.output)
        if let ob = layout.outputBias { index.append(ob) }
        flatIndex = index
        weights = ws
        z = network.outputWeights
        var ins: [Matrix<Double>] = [], sl: [Matrix<Double>] = [], hs: [Matrix<Double>] = []
        var h = data.x
        for l in 0..<shape.depth {
            let hin = Hessian.augment(h, bias == 1)
            var pre = Matrix.product(hin, .none, ws[l], .transposed)
            var a = pre
            for k in pre.elements.indices {
                let s = pre.elements[k] > 0 ? 1 : shape.slope
                a.elements[k] = s
                pre.elements[k] *= s
            }
            ins.append(hin); sl.append(a); hs.append(pre)
            h = pre
        }
        inputs = ins; slopes = sl; hidden = hs
        let f = network.outputs(data)
        let scale = 2 / Double(Swift.max(1, data.n))
        g = zip(f, data.y).map { scale * ($0 - $1) }
    }

    /// Number of parameters P.
    public var count: Int { flatIndex.count }

    package static func augment(_ m: Matrix<Double>, _ on: Bool) -> Matrix<Double> {
        guard on else { return m }
        var out = Matrix<Double>(rows: m.rows, columns: m.columns + 1, repeating: 1)
        for r in 0..<m.rows { for c in 0..<m.columns { out[r, c] = m[r, c] } }
        return out
    }

    /// Splits a flat parameter-layout vector into `(W̃_l…, z, b_z)` in the augmented order.
    package func split(_ v: [Double]) -> (w: [Matrix<Double>], z: [Double], bz: Double) {
        var k = 0
        var ws: [Matrix<Double>] = []
        for w in weights {
            var m = Matrix<Double>(rows: w.rows, columns: w.columns)
            for e in m.elements.indices { m.elements[e] = v[flatIndex[k]]; k += 1 }
            ws.append(m)
        }
        let zz = (0..<z.count).map { i in v[flatIndex[k + i]] }
        k += z.count
        return (ws, zz, bias == 1 ? v[flatIndex[k]] : 0)
    }

    /// The inverse of `split`.
    package func join(_ w: [Matrix<Double>], _ zz: [Double], _ bz: Double) -> [Double] {
        var out = [Double](repeating: 0, count: count)
        var k = 0
        for m in w { for e in m.elements { out[flatIndex[k]] = e; k += 1 } }
        for e in zz { out[flatIndex[k]] = e; k += 1 }
        if bias == 1 { out[flatIndex[k]] = bz }
        return out
    }

    /// `W_l` without its bias column (d_l × d_{l−1}).
    func dropBias(_ w: Matrix<Double>) -> Matrix<Double> {
        guard bias == 1 else { return w }
        var out = Matrix<Double>(rows: w.rows, columns: w.columns - 1)
        for r in 0..<w.rows { for c in 0..<out.columns { out[r, c] = w[r, c] } }
        return out
    }

    /// `(g zᵀ) ⊙ A` for a column vector g (N) and row vector z (d).
    static func outerMasked(_ g: [Double], _ z: [Double], _ a: Matrix<Double>) -> Matrix<Double> {
        var out = a
        for n in 0..<a.rows { for i in 0..<a.columns { out[n, i] = g[n] * z[i] * a[n, i] } }
        return out
    }

    static func hadamard(_ x: Matrix<Double>, _ y: Matrix<Double>) -> Matrix<Double> {
        Matrix(rows: x.rows, columns: x.columns, elements: zip(x.elements, y.elements).map { $0 * $1 })
    }

    // MARK: Hessian-vector product

    /// The exact product `∇²MSE · v` (v and the result in `ParameterLayout` order), by the
    /// R-operator with the slopes of the current region held fixed.
    public func vectorProduct(_ v: [Double]) -> [Double] {
        precondition(v.count == count, "v has \(v.count) entries, the network \(count) parameters")
        let depth = shape.depth, n = data.n
        let (dw, dz, dbz) = split(v)
        // R-forward: Ṗ_l = Ḣ_{l−1} W_lᵀ + H̃_{l−1} V_lᵀ, Ḣ_l = A_l ⊙ Ṗ_l.
        var dh: [Matrix<Double>] = []
        var prev: Matrix<Double>? = nil
        for l in 0..<depth {
            var dp = Matrix.product(inputs[l], .none, dw[l], .transposed)
            if let p = prev { Matrix.multiply(p, .none, dropBias(weights[l]), .transposed, into: &dp, beta: 1) }
            let h = Hessian.hadamard(slopes[l], dp)
            dh.append(h)
            prev = h
        }
        let top = depth - 1
        let fdot = zip(dh[top].times(z), hidden[top].times(dz)).map { $0 + $1 + dbz }
        let scale = 2 / Double(Swift.max(1, n))
        let gdot = fdot.map { scale * $0 }
        // R-backward.
        let hz = zip(dh[top].times(g, .transposed), hidden[top].times(gdot, .transposed)).map { $0 + $1 }
        let hbz = gdot.reduce(0, +)
        var delta = Hessian.outerMasked(g, z, slopes[top])
        var ddelta = Hessian.outerMasked(gdot, z, slopes[top])
        let extra = Hessian.outerMasked(g, dz, slopes[top])
        ddelta.elements = zip(ddelta.elements, extra.elements).map { $0 + $1 }
        var hw = [Matrix<Double>](repeating: Matrix(rows: 0, columns: 0), count: depth)
        for l in stride(from: top, through: 0, by: -1) {
            // ∂Ẇ_l = Δ̇_lᵀ H̃_{l−1} + Δ_lᵀ Ḣ̃_{l−1} (Ḣ̃ has a zero bias column; Ḣ_0 = 0)
            var m = Matrix.product(ddelta, .transposed, inputs[l], .none)
            if l > 0 {
                let part = Matrix.product(delta, .transposed, dh[l - 1], .none)
                for r in 0..<m.rows { for c in 0..<part.columns { m[r, c] += part[r, c] } }
            }
            hw[l] = m
            if l > 0 {
                let wl = dropBias(weights[l]), vl = dropBias(dw[l])
                var nd = Matrix.product(ddelta, .none, wl, .none)
                Matrix.multiply(delta, .none, vl, .none, into: &nd, beta: 1)
                let below = Hessian.hadamard(Matrix.product(delta, .none, wl, .none), slopes[l - 1])
                ddelta = Hessian.hadamard(nd, slopes[l - 1])
                delta = below
            }
        }
        return join(hw, hz, hbz)
    }

    // MARK: Dense Hessian

    /// Parameter counts above which `dense` is not used by default (5000² doubles = 200 MB).
    public static var defaultDenseLimit: Int { 5000 }

    /// The whole P×P Hessian in `ParameterLayout` order.
    public func dense() -> Matrix<Double> {
        let pCount = count, depth = shape.depth, n = data.n
        let widths = shape.widths
        // Offsets of each block in the augmented order.
        var offsets: [Int] = []
        var o = 0
        for w in weights { offsets.append(o); o += w.elements.count }
        let zOffset = o
        let bzOffset = zOffset + z.count
        var h = Matrix<Double>(rows: pCount, columns: pCount)
        // Gauss–Newton part (2/N)·JᵀJ, J built for chunks of samples and added by ?syrk.
        let chunk = Swift.max(1, Swift.min(n, 4_000_000 / Swift.max(1, pCount)))
        // Δ̂_l = ∂f/∂P_l for every sample: Δ̂_L = A_L ⊙ 1zᵀ, Δ̂_{l−1} = (Δ̂_l W_l) ⊙ A_{l−1}.
        var dhat = [Matrix<Double>](repeating: Matrix(rows: 0, columns: 0), count: depth)
        dhat[depth - 1] = Hessian.outerMasked([Double](repeating: 1, count: n), z, slopes[depth - 1])
        for l in stride(from: depth - 1, to: 0, by: -1) {
            dhat[l - 1] = Hessian.hadamard(Matrix.product(dhat[l], .none, dropBias(weights[l]), .none), slopes[l - 1])
        }
        var jac = [Double](repeating: 0, count: chunk * pCount)
        var start = 0
        while start < n {
            let rows = Swift.min(chunk, n - start)
            jac.withUnsafeMutableBufferPointer { pj in
                for r in 0..<rows {
                    let s = start + r
                    let row = pj.baseAddress! + r * pCount
                    for l in 0..<depth {
                        let cols = inputs[l].columns
                        for j in 0..<widths[l + 1] {
                            let dj = dhat[l][s, j]
                            let out = row + offsets[l] + j * cols
                            for k in 0..<cols { out[k] = dj * inputs[l][s, k] }
                        }
                    }
                    for i in 0..<z.count { row[zOffset + i] = hidden[depth - 1][s, i] }
                    if bias == 1 { row[bzOffset] = 1 }
                }
                h.elements.withUnsafeMutableBufferPointer { ph in
                    Double.syrk(.transposed, pCount, rows, 2 / Double(n), pj.baseAddress!, pCount,
                                1, ph.baseAddress!, pCount)
                }
            }
            start += rows
        }
        // Mirror the upper triangle.
        for i in 0..<pCount { for j in 0..<i { h[i, j] = h[j, i] } }
        // Second-order part Σ_n g_n ∇²f_n (symmetric entries added to both triangles).
        func add(_ a: Int, _ b: Int, _ value: Double) {
            h[a, b] += value
            h[b, a] += value
        }
        let top = depth - 1
        let gTop = Matrix(rows: n, columns: z.count, elements: (0..<(n * z.count)).map { g[$0 / z.count] * slopes[top].elements[$0] })
        // (z_i, W̃_L[i, ·]): (g⊙A_L)ᵀ H̃_{L−1}
        let c = Matrix.product(gTop, .transposed, inputs[top], .none)
        for i in 0..<c.rows { for k in 0..<c.columns { add(zOffset + i, offsets[top] + i * c.columns + k, c[i, k]) } }
        if depth == 2 {
            let d1 = widths[1], cols = inputs[0].columns
            let w2 = weights[1]
            for i in 0..<widths[2] {
                // M_i = (g ⊙ a2_i ⊙ A1)ᵀ X̃   (d1 × (d0+bias))
                var scaled = slopes[0]
                for s in 0..<n { let f = gTop[s, i]; for j in 0..<d1 { scaled[s, j] *= f } }
                let m = Matrix.product(scaled, .transposed, inputs[0], .none)
                for j in 0..<d1 {
                    for k in 0..<cols {
                        let w1Index = offsets[0] + j * cols + k
                        add(zOffset + i, w1Index, w2[i, j] * m[j, k])
                        add(offsets[1] + i * w2.columns + j, w1Index, z[i] * m[j, k])
                    }
                }
            }
        }
        // Reorder from the augmented order into ParameterLayout's order.
        var out = Matrix<Double>(rows: pCount, columns: pCount)
        for a in 0..<pCount {
            let fa = flatIndex[a]
            for b in 0..<pCount { out[fa, flatIndex[b]] = h[a, b] }
        }
        return out
    }
}
