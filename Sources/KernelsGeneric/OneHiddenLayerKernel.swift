/// The forward and backward pass of a one-hidden-layer network (docs/theory.md §1,
/// `f(x) = zᵀφ(W x + b) + b_z`) fused into two register-tiled loops over cache-sized row blocks,
/// for networks whose weights stay in cache (Minima uses it up to d0·d1 = 16384).
///
/// At such sizes a BLAS GEMM spends most of its time packing its operands, not multiplying
/// (OpenBLAS 0.3.21's `dgemm` reaches about 40% of the core's peak at N = 400, d0 = 20,
/// d1 = 40): these loops read X and W in place, keep tiles of 4 rows × 2 vectors of units in
/// registers (`KernelScalar.Lanes`, this module's vector width; a hidden width of an odd number
/// of vectors ends with a tile of 4 rows × 1 vector), and compute the
/// pre-activations `P = X Wᵀ + b` and, after the output residuals, the weight gradient
/// `∂W = δᵀX` with `δ_{ni} = g_n z_i a(p_{ni})`. Callers must check that the CPU runs this
/// module's instruction set (`Kernels` does).
public final class OneHiddenLayerKernel<Scalar: KernelScalar> {
    typealias Vector = Scalar.Lanes
    public let d0: Int
    public let d1: Int
    /// Hidden width padded to whole vectors, in vectors.
    let vectors: Int
    /// Scalars per vector.
    var lanes: Int { Vector.scalarCount }
    /// Rows per block of the fused loop.
    let blockRows: Int
    /// `Wᵀ` padded (d0 × vectors), z and b padded, `P`/δ of one row block (blockRows × vectors),
    /// `∂Wᵀ` (d0 × vectors) followed by `∂z` and `∂b`, and a block's `z ⊙ φ(P)`.
    let wt, zp, bp, pd, gt, qd: UnsafeMutablePointer<Vector>
    /// A block's rows of X and entries of y, gathered when the batch is given by row indices.
    let gathered: UnsafeMutablePointer<Scalar>

    /// Buffers for the kernel; batches may have any number of rows (`capacity`, the largest
    /// batch expected, only bounds the row block).
    public init(d0: Int, d1: Int, capacity: Int) {
        self.d0 = d0
        self.d1 = d1
        let lanes = Vector.scalarCount
        vectors = (d1 + lanes - 1) / lanes
        // About 16 KiB of inputs and deltas per block, a multiple of 4 rows.
        let perRow = (d0 + vectors * lanes) * MemoryLayout<Scalar>.size
        blockRows = max(4, min(max(1, capacity), 16384 / perRow) / 4 * 4)
        func make(_ n: Int) -> UnsafeMutablePointer<Vector> {
            let p = UnsafeMutablePointer<Vector>.allocate(capacity: max(1, n))
            p.initialize(repeating: Vector(), count: max(1, n))
            return p
        }
        wt = make(d0 * vectors)
        zp = make(vectors)
        bp = make(vectors)
        pd = make(blockRows * vectors)
        gt = make((d0 + 2) * vectors)   // ∂Wᵀ, then ∂z and ∂b
        qd = make(blockRows * vectors)
        gathered = .allocate(capacity: blockRows * (d0 + 1))
        gathered.initialize(repeating: 0, count: blockRows * (d0 + 1))
    }

    deinit {
        for p in [wt, zp, bp, pd, gt, qd] { p.deallocate() }
        gathered.deallocate()
    }

    /// `Σ_n (y_n − f(x_n))²` over `rows` samples, and the gradient of `scale·Σ (y_n − f(x_n))²`
    /// written (or with `accumulate`, added) into `gradW` (d1×d0), `gradZ` (d1) and, when the
    /// network has biases, `gradB` (d1) and `gradBz`. Sample n is row `order[n]` of `x`
    /// (row-major, d0 columns) when `order` is given (each block's rows are then gathered into
    /// a cache-sized buffer), else row n. `slope` is the leaky-ReLU ρ; `a(0) = ρ`.
    // Not `exported`: the generic entry, which the `OneHiddenLayerPass` witness calls, must
    // dispatch to these specialisations (an exported one does not, and the generic body runs).
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    public func sumOfSquaresAndGradient(x: UnsafePointer<Scalar>, y: UnsafePointer<Scalar>, order: UnsafePointer<Int>?, rows: Int,
                                        w: UnsafePointer<Scalar>, b: UnsafePointer<Scalar>?, z: UnsafePointer<Scalar>,
                                        bz: Scalar, slope: Scalar, scale: Scalar,
                                        gradW: UnsafeMutablePointer<Scalar>, gradB: UnsafeMutablePointer<Scalar>?,
                                        gradZ: UnsafeMutablePointer<Scalar>, gradBz: UnsafeMutablePointer<Scalar>?,
                                        accumulate: Bool) -> Scalar {
        load(w: w, b: b, z: z)
        (gt + 0).update(repeating: Vector(), count: (d0 + 2) * vectors)
        var sse: Scalar = 0, gbz: Scalar = 0
        // Row blocks small enough that their inputs and deltas stay in the first-level cache
        // between the forward and the backward loop.
        var start = 0
        while start < rows {
            let count = min(blockRows, rows - start)
            var xb = x + start * d0, yb = y + start
            if let order {
                for n in 0..<count {
                    let r = order[start + n]
                    (gathered + n * d0).update(from: x + r * d0, count: d0)
                    gathered[blockRows * d0 + n] = y[r]
                }
                xb = UnsafePointer(gathered)
                yb = UnsafePointer(gathered + blockRows * d0)
            }
            forward(xb, rows: count)
            let (s, g) = residualsAndDeltas(yb, rows: count, bz: bz, slope: slope, scale: scale, biases: gradB != nil)
            sse += s
            gbz += g
            backward(xb, rows: count)
            start += count
        }
        store(gradW: gradW, gradB: gradB, gradZ: gradZ, gradBz: gradBz, gbz: gbz, accumulate: accumulate)
        return sse
    }

    /// Outputs, residuals and `δ_n = g_n·z ⊙ a(p_n)` in place of `p_n`, with `g_n = −2·scale·r_n`;
    /// adds `Σ g_n φ(p_n)` to `∂z` and, with `biases`, `Σ δ_n` to `∂b`. Returns `Σ r_n²` and
    /// `∂b_z = Σ g_n`.
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    func residualsAndDeltas(_ y: UnsafePointer<Scalar>, rows: Int, bz: Scalar, slope rho: Scalar, scale: Scalar,
                            biases: Bool) -> (Scalar, Scalar) {
        // Plain scalar loops over whole rows of the padded width: LLVM vectorises them with
        // selects (SIMD masks on this generic vector type lower to lane-by-lane code). The block's
        // products z ⊙ φ(p) are all written before the first is read back as vectors, so no
        // vector load waits on the narrower stores that wrote it.
        let nv = vectors, width = nv * lanes
        let ps = UnsafeMutableRawPointer(pd).assumingMemoryBound(to: Scalar.self)
        let qs = UnsafeMutableRawPointer(qd).assumingMemoryBound(to: Scalar.self)
        let zs = UnsafeMutableRawPointer(zp).assumingMemoryBound(to: Scalar.self)
        let gz = UnsafeMutableRawPointer(gt + d0 * nv).assumingMemoryBound(to: Scalar.self), gb = gz + width
        for n in 0..<rows {
            let p = ps + n * width, q = qs + n * width
            for i in 0..<width {
                let u = p[i]
                q[i] = zs[i] * (u > 0 ? u : rho * u)
            }
        }
        var sse: Scalar = 0, gbz: Scalar = 0
        for n in 0..<rows {
            // f = b_z + Σ z_i φ(p_i), summed in vectors, then across the lanes.
            var fv = Vector()
            for v in 0..<nv { fv += qd[n * nv + v] }
            let r = y[n] - (fv.sum() + bz)
            sse += r * r
            let g = -2 * scale * r
            gbz += g
            let p = ps + n * width
            for i in 0..<width {
                let u = p[i]
                let a: Scalar = u > 0 ? 1 : rho
                gz[i] += g * a * u
                p[i] = g * zs[i] * a
            }
            // Apart: a condition inside the loop above becomes a masked store, slow on some CPUs.
            if biases { for i in 0..<width { gb[i] += p[i] } }
        }
        return (sse, gbz)
    }

    /// Copies W (transposed), b and z into the padded vector buffers.
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    func load(w: UnsafePointer<Scalar>, b: UnsafePointer<Scalar>?, z: UnsafePointer<Scalar>) {
        let nv = vectors
        let wts = UnsafeMutableRawPointer(wt).assumingMemoryBound(to: Scalar.self)
        let zs = UnsafeMutableRawPointer(zp).assumingMemoryBound(to: Scalar.self)
        let bs = UnsafeMutableRawPointer(bp).assumingMemoryBound(to: Scalar.self)
        for i in 0..<d1 {
            for j in 0..<d0 { wts[j * nv * lanes + i] = w[i * d0 + j] }
            zs[i] = z[i]
            bs[i] = b?[i] ?? 0
        }
    }

    /// `P = X Wᵀ + b` over a row block, in register tiles of 4 rows × 2 vectors of units (× 1 for
    /// the last vector of an odd width).
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    func forward(_ x: UnsafePointer<Scalar>, rows: Int) {
        let nv = vectors, d0 = self.d0
        var n = 0
        while n + 4 <= rows {
            let x0 = x + n * d0, x1 = x0 + d0, x2 = x1 + d0, x3 = x2 + d0
            var v = 0
            while v + 2 <= nv {
                var a00 = bp[v], a01 = bp[v + 1], a10 = a00, a11 = a01, a20 = a00, a21 = a01, a30 = a00, a31 = a01
                for j in 0..<d0 {
                    let w0 = wt[j * nv + v], w1 = wt[j * nv + v + 1]
                    let s0 = Vector(repeating: x0[j]), s1 = Vector(repeating: x1[j])
                    let s2 = Vector(repeating: x2[j]), s3 = Vector(repeating: x3[j])
                    a00.multiplyAdd(s0, w0); a01.multiplyAdd(s0, w1)
                    a10.multiplyAdd(s1, w0); a11.multiplyAdd(s1, w1)
                    a20.multiplyAdd(s2, w0); a21.multiplyAdd(s2, w1)
                    a30.multiplyAdd(s3, w0); a31.multiplyAdd(s3, w1)
                }
                let p = pd + n * nv + v
                p[0] = a00; p[1] = a01; p[nv] = a10; p[nv + 1] = a11
                p[2 * nv] = a20; p[2 * nv + 1] = a21; p[3 * nv] = a30; p[3 * nv + 1] = a31
                v += 2
            }
            if v < nv {
                // The last vector of an odd width: 4 rows × 1 vector.
                var a0 = bp[v], a1 = a0, a2 = a0, a3 = a0
                for j in 0..<d0 {
                    let w0 = wt[j * nv + v]
                    a0.multiplyAdd(Vector(repeating: x0[j]), w0); a1.multiplyAdd(Vector(repeating: x1[j]), w0)
                    a2.multiplyAdd(Vector(repeating: x2[j]), w0); a3.multiplyAdd(Vector(repeating: x3[j]), w0)
                }
                let p = pd + n * nv + v
                p[0] = a0; p[nv] = a1; p[2 * nv] = a2; p[3 * nv] = a3
            }
            n += 4
        }
        while n < rows {
            let xr = x + n * d0
            for v in 0..<nv {
                var a = bp[v]
                for j in 0..<d0 { a.multiplyAdd(Vector(repeating: xr[j]), wt[j * nv + v]) }
                pd[n * nv + v] = a
            }
            n += 1
        }
    }

    /// `∂Wᵀ += Xᵀ δ` over a row block, in register tiles of 4 inputs × 2 vectors of units.
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    func backward(_ x: UnsafePointer<Scalar>, rows: Int) {
        let nv = vectors, d0 = self.d0
        var j = 0
        while j + 4 <= d0 {
            var v = 0
            while v + 2 <= nv {
                let g = gt + j * nv + v
                var a00 = g[0], a01 = g[1], a10 = g[nv], a11 = g[nv + 1]
                var a20 = g[2 * nv], a21 = g[2 * nv + 1], a30 = g[3 * nv], a31 = g[3 * nv + 1]
                for n in 0..<rows {
                    let d = pd + n * nv + v
                    let e0 = d[0], e1 = d[1]
                    let xr = x + n * d0 + j
                    let s0 = Vector(repeating: xr[0]), s1 = Vector(repeating: xr[1])
                    let s2 = Vector(repeating: xr[2]), s3 = Vector(repeating: xr[3])
                    a00.multiplyAdd(s0, e0); a01.multiplyAdd(s0, e1)
                    a10.multiplyAdd(s1, e0); a11.multiplyAdd(s1, e1)
                    a20.multiplyAdd(s2, e0); a21.multiplyAdd(s2, e1)
                    a30.multiplyAdd(s3, e0); a31.multiplyAdd(s3, e1)
                }
                g[0] = a00; g[1] = a01; g[nv] = a10; g[nv + 1] = a11
                g[2 * nv] = a20; g[2 * nv + 1] = a21; g[3 * nv] = a30; g[3 * nv + 1] = a31
                v += 2
            }
            if v < nv {
                // The last vector of an odd width: 4 inputs × 1 vector.
                let g = gt + j * nv + v
                var a0 = g[0], a1 = g[nv], a2 = g[2 * nv], a3 = g[3 * nv]
                for n in 0..<rows {
                    let e = pd[n * nv + v]
                    let xr = x + n * d0 + j
                    a0.multiplyAdd(Vector(repeating: xr[0]), e); a1.multiplyAdd(Vector(repeating: xr[1]), e)
                    a2.multiplyAdd(Vector(repeating: xr[2]), e); a3.multiplyAdd(Vector(repeating: xr[3]), e)
                }
                g[0] = a0; g[nv] = a1; g[2 * nv] = a2; g[3 * nv] = a3
            }
            j += 4
        }
        while j < d0 {
            for v in 0..<nv {
                var a = gt[j * nv + v]
                for n in 0..<rows { a.multiplyAdd(Vector(repeating: x[n * d0 + j]), pd[n * nv + v]) }
                gt[j * nv + v] = a
            }
            j += 1
        }
    }

    /// Writes (or adds) the gradients in the network's layout.
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    func store(gradW: UnsafeMutablePointer<Scalar>, gradB: UnsafeMutablePointer<Scalar>?, gradZ: UnsafeMutablePointer<Scalar>,
               gradBz: UnsafeMutablePointer<Scalar>?, gbz: Scalar, accumulate: Bool) {
        let width = vectors * lanes
        let gts = UnsafeMutableRawPointer(gt).assumingMemoryBound(to: Scalar.self)
        let gz = gts + d0 * width, gb = gz + width
        for i in 0..<d1 {
            let zi = gz[i], bi = gb[i]
            if accumulate {
                for j in 0..<d0 { gradW[i * d0 + j] += gts[j * width + i] }
                gradZ[i] += zi
                gradB?[i] += bi
            } else {
                for j in 0..<d0 { gradW[i * d0 + j] = gts[j * width + i] }
                gradZ[i] = zi
                gradB?[i] = bi
            }
        }
        if let gradBz { gradBz.pointee = accumulate ? gradBz.pointee + gbz : gbz }
    }
}
