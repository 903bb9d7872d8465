/// The forward and backward pass of a two-hidden-layer network (docs/theory.md §1,
/// `f(x) = zᵀφ(W₂ φ(W₁x + b₁) + b₂) + b_z`) fused over cache-sized row blocks from the register
/// tiles of `RegisterTiles`, for networks whose weights stay in cache.
///
/// Per block: `P₁ = X W₁ᵀ + b₁`, `H₁ = φ(P₁)`, `P₂ = H₁ W₂ᵀ + b₂`, the residuals and
/// `δ₂ = g ⊙ z ⊙ a(P₂)`, `∂W₂ᵀ += H₁ᵀ δ₂`, `δ₁ = (δ₂ W₂) ⊙ a(P₁)` and `∂W₁ᵀ += Xᵀ δ₁`, each a
/// product of rows read in place with weights padded to whole vectors (at these sizes a BLAS GEMM
/// spends most of its time packing). Callers must check that the CPU runs this module's
/// instruction set (`Kernels` does).
public final class TwoHiddenLayerKernel<Scalar: KernelScalar> {
    typealias Vector = Scalar.Lanes
    public let d0: Int, d1: Int, d2: Int
    /// Hidden widths padded to whole vectors, in vectors.
    let v1: Int, v2: Int
    /// Rows per block.
    let blockRows: Int
    /// `W₁ᵀ` (d0 × v1), `W₂ᵀ` (d1 × v2), `W₂` (d2 × v1), biases, z, a zero vector start.
    let w1t, w2t, w2, b1, b2, zp, zero: UnsafeMutablePointer<Vector>
    /// One block's `P₁` (then `δ₁`), `H₁` (then `δ₂ W₂`), `P₂` (then `δ₂`) and scratch.
    let p1, h1, p2, q2: UnsafeMutablePointer<Vector>
    /// `∂W₁ᵀ` then `∂b₁`; `∂W₂ᵀ` then `∂z` and `∂b₂`.
    let g1, g2: UnsafeMutablePointer<Vector>

    /// Buffers for the kernel; batches may have any number of rows (`capacity` bounds the block).
    public init(d0: Int, d1: Int, d2: Int, capacity: Int) {
        self.d0 = d0
        self.d1 = d1
        self.d2 = d2
        let lanes = Vector.scalarCount
        v1 = (d1 + lanes - 1) / lanes
        v2 = (d2 + lanes - 1) / lanes
        // About 16 KiB of inputs, activations and deltas per block, a multiple of 4 rows.
        let perRow = (d0 + 2 * (v1 + v2) * lanes) * MemoryLayout<Scalar>.size
        blockRows = max(4, min(max(1, capacity), 16384 / perRow) / 4 * 4)
        func make(_ n: Int) -> UnsafeMutablePointer<Vector> {
            let p = UnsafeMutablePointer<Vector>.allocate(capacity: max(1, n))
            p.initialize(repeating: Vector(), count: max(1, n))
            return p
        }
        w1t = make(d0 * v1); w2t = make(d1 * v2); w2 = make(d2 * v1)
        b1 = make(v1); b2 = make(v2); zp = make(v2); zero = make(v1)
        p1 = make(blockRows * v1); h1 = make(blockRows * v1); p2 = make(blockRows * v2); q2 = make(blockRows * v2)
        g1 = make((d0 + 1) * v1); g2 = make((d1 + 2) * v2)
    }

    deinit {
        for p in [w1t, w2t, w2, b1, b2, zp, zero, p1, h1, p2, q2, g1, g2] { p.deallocate() }
    }

    /// `Σ_n (y_n − f(x_n))²` over the `rows` rows of `x` (row-major, d0 columns), and the gradient
    /// of `scale·Σ (y_n − f(x_n))²` written (or with `accumulate`, added) into `gradW1` (d1×d0),
    /// `gradW2` (d2×d1), `gradZ` (d2) and, when the network has biases, `gradB1`, `gradB2` and
    /// `gradBz`. `slope` is the leaky-ReLU ρ of both layers; `a(0) = ρ`.
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    public func sumOfSquaresAndGradient(x: UnsafePointer<Scalar>, y: UnsafePointer<Scalar>, rows: Int,
                                        w1: UnsafePointer<Scalar>, b1 bias1: UnsafePointer<Scalar>?,
                                        w2 weight2: UnsafePointer<Scalar>, b2 bias2: UnsafePointer<Scalar>?,
                                        z: UnsafePointer<Scalar>, bz: Scalar, slope rho: Scalar, scale: Scalar,
                                        gradW1: UnsafeMutablePointer<Scalar>, gradB1: UnsafeMutablePointer<Scalar>?,
                                        gradW2: UnsafeMutablePointer<Scalar>, gradB2: UnsafeMutablePointer<Scalar>?,
                                        gradZ: UnsafeMutablePointer<Scalar>, gradBz: UnsafeMutablePointer<Scalar>?,
                                        accumulate: Bool) -> Scalar {
        let lanes = Vector.scalarCount, width1 = v1 * lanes, width2 = v2 * lanes
        func scalars(_ p: UnsafeMutablePointer<Vector>) -> UnsafeMutablePointer<Scalar> {
            UnsafeMutableRawPointer(p).assumingMemoryBound(to: Scalar.self)
        }
        // The weights, padded with zeros to whole vectors.
        let w1ts = scalars(w1t), w2ts = scalars(w2t), w2s = scalars(w2)
        for i in 0..<d1 {
            for j in 0..<d0 { w1ts[j * width1 + i] = w1[i * d0 + j] }
            scalars(b1)[i] = bias1?[i] ?? 0
        }
        for k in 0..<d2 {
            for i in 0..<d1 {
                w2ts[i * width2 + k] = weight2[k * d1 + i]
                w2s[k * width1 + i] = weight2[k * d1 + i]
            }
            scalars(zp)[k] = z[k]
            scalars(b2)[k] = bias2?[k] ?? 0
        }
        g1.update(repeating: Vector(), count: (d0 + 1) * v1)
        g2.update(repeating: Vector(), count: (d1 + 2) * v2)
        let h1s = scalars(h1), p1s = scalars(p1), p2s = scalars(p2)
        var sse: Scalar = 0, gbz: Scalar = 0
        var start = 0
        while start < rows {
            let count = min(blockRows, rows - start)
            let xb = x + start * d0
            RegisterTiles.product(xb, ldx: d0, inputs: d0, rows: count, w1t, vectors: v1, start: b1, into: p1)
            for k in 0..<(count * width1) {
                let u = p1s[k]
                h1s[k] = u > 0 ? u : rho * u
            }
            RegisterTiles.product(UnsafePointer(h1s), ldx: width1, inputs: d1, rows: count, w2t, vectors: v2, start: b2, into: p2)
            let (s, g) = RegisterTiles.residualsAndDeltas(p2, scratch: q2, vectors: v2, y: y + start, rows: count, z: zp, bz: bz,
                                                          slope: rho, scale: scale, gz: g2 + d1 * v2,
                                                          gb: gradB2 == nil ? nil : g2 + (d1 + 1) * v2)
            sse += s
            gbz += g
            RegisterTiles.accumulateTransposed(UnsafePointer(h1s), ldx: width1, inputs: d1, rows: count, p2, vectors: v2, into: g2)
            // δ₁ = (δ₂ W₂) ⊙ a(P₁), in place of P₁.
            RegisterTiles.product(UnsafePointer(p2s), ldx: width2, inputs: d2, rows: count, w2, vectors: v1, start: zero, into: h1)
            for k in 0..<(count * width1) {
                let a: Scalar = p1s[k] > 0 ? 1 : rho
                p1s[k] = h1s[k] * a
            }
            if gradB1 != nil {
                let gb = scalars(g1 + d0 * v1)
                for n in 0..<count { for i in 0..<width1 { gb[i] += p1s[n * width1 + i] } }
            }
            RegisterTiles.accumulateTransposed(xb, ldx: d0, inputs: d0, rows: count, p1, vectors: v1, into: g1)
            start += count
        }
        // The gradients in the network's layout.
        func put(_ target: UnsafeMutablePointer<Scalar>, _ value: Scalar) {
            if accumulate { target.pointee += value } else { target.pointee = value }
        }
        let g1s = scalars(g1), g2s = scalars(g2)
        for i in 0..<d1 {
            for j in 0..<d0 { put(gradW1 + i * d0 + j, g1s[j * width1 + i]) }
            if let gradB1 { put(gradB1 + i, g1s[d0 * width1 + i]) }
        }
        for k in 0..<d2 {
            for i in 0..<d1 { put(gradW2 + k * d1 + i, g2s[i * width2 + k]) }
            put(gradZ + k, g2s[d1 * width2 + k])
            if let gradB2 { put(gradB2 + k, g2s[(d1 + 1) * width2 + k]) }
        }
        if let gradBz { put(gradBz, gbz) }
        return sse
    }
}
