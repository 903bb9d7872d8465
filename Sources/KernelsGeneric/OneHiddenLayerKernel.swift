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
            let (s, g) = RegisterTiles.residualsAndDeltas(pd, scratch: qd, vectors: vectors, y: yb, rows: count, z: zp, bz: bz,
                                                          slope: slope, scale: scale, gz: gt + d0 * vectors,
                                                          gb: gradB == nil ? nil : gt + (d0 + 1) * vectors)
            sse += s
            gbz += g
            backward(xb, rows: count)
            start += count
        }
        store(gradW: gradW, gradB: gradB, gradZ: gradZ, gradBz: gradBz, gbz: gbz, accumulate: accumulate)
        return sse
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

    /// `P = X Wᵀ + b` over a row block (`RegisterTiles.product`).
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    func forward(_ x: UnsafePointer<Scalar>, rows: Int) {
        RegisterTiles.product(x, ldx: d0, inputs: d0, rows: rows, wt, vectors: vectors, start: bp, into: pd)
    }

    /// `∂Wᵀ += Xᵀ δ` over a row block (`RegisterTiles.accumulateTransposed`).
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    func backward(_ x: UnsafePointer<Scalar>, rows: Int) {
        RegisterTiles.accumulateTransposed(x, ldx: d0, inputs: d0, rows: rows, pd, vectors: vectors, into: gt)
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
