/// The register-tiled loops the fused kernels are made of (one module's vector width,
/// `KernelScalar.Lanes`): a product of rows of scalars with vector-padded weights, its transpose
/// accumulated into a gradient, and the output layer's residuals and deltas. Weights and
/// activations are padded to whole vectors with zeros, so padding lanes stay 0 throughout.
enum RegisterTiles<Scalar: KernelScalar> {
    typealias Vector = Scalar.Lanes

    /// `out[n·nv + v] = start[v] + Σ_j x[n·ldx + j]·w[j·nv + v]` for `rows` rows, `inputs` values
    /// of j and `nv` vectors, in register tiles of 4 rows × 2 vectors (× 1 for the last vector of
    /// an odd count).
    @inline(__always)
    static func product(_ x: UnsafePointer<Scalar>, ldx: Int, inputs: Int, rows: Int, _ w: UnsafePointer<Vector>, vectors nv: Int,
                        start: UnsafePointer<Vector>, into out: UnsafeMutablePointer<Vector>) {
        var n = 0
        while n + 4 <= rows {
            let x0 = x + n * ldx, x1 = x0 + ldx, x2 = x1 + ldx, x3 = x2 + ldx
            var v = 0
            while v + 2 <= nv {
                var a00 = start[v], a01 = start[v + 1], a10 = a00, a11 = a01, a20 = a00, a21 = a01, a30 = a00, a31 = a01
                for j in 0..<inputs {
                    let w0 = w[j * nv + v], w1 = w[j * nv + v + 1]
                    let s0 = Vector(repeating: x0[j]), s1 = Vector(repeating: x1[j])
                    let s2 = Vector(repeating: x2[j]), s3 = Vector(repeating: x3[j])
                    a00.multiplyAdd(s0, w0); a01.multiplyAdd(s0, w1)
                    a10.multiplyAdd(s1, w0); a11.multiplyAdd(s1, w1)
                    a20.multiplyAdd(s2, w0); a21.multiplyAdd(s2, w1)
                    a30.multiplyAdd(s3, w0); a31.multiplyAdd(s3, w1)
                }
                let p = out + n * nv + v
                p[0] = a00; p[1] = a01; p[nv] = a10; p[nv + 1] = a11
                p[2 * nv] = a20; p[2 * nv + 1] = a21; p[3 * nv] = a30; p[3 * nv + 1] = a31
                v += 2
            }
            if v < nv {
                // The last vector of an odd count: 4 rows × 1 vector.
                var a0 = start[v], a1 = a0, a2 = a0, a3 = a0
                for j in 0..<inputs {
                    let w0 = w[j * nv + v]
                    a0.multiplyAdd(Vector(repeating: x0[j]), w0); a1.multiplyAdd(Vector(repeating: x1[j]), w0)
                    a2.multiplyAdd(Vector(repeating: x2[j]), w0); a3.multiplyAdd(Vector(repeating: x3[j]), w0)
                }
                let p = out + n * nv + v
                p[0] = a0; p[nv] = a1; p[2 * nv] = a2; p[3 * nv] = a3
            }
            n += 4
        }
        while n < rows {
            let xr = x + n * ldx
            for v in 0..<nv {
                var a = start[v]
                for j in 0..<inputs { a.multiplyAdd(Vector(repeating: xr[j]), w[j * nv + v]) }
                out[n * nv + v] = a
            }
            n += 1
        }
    }

    /// `g[j·nv + v] += Σ_n x[n·ldx + j]·d[n·nv + v]` (the gradient `∂Wᵀ += Xᵀ δ`), in register
    /// tiles of 4 inputs × 2 vectors (× 1 for the last vector of an odd count).
    @inline(__always)
    static func accumulateTransposed(_ x: UnsafePointer<Scalar>, ldx: Int, inputs: Int, rows: Int, _ d: UnsafePointer<Vector>,
                                     vectors nv: Int, into gt: UnsafeMutablePointer<Vector>) {
        var j = 0
        while j + 4 <= inputs {
            var v = 0
            while v + 2 <= nv {
                let g = gt + j * nv + v
                var a00 = g[0], a01 = g[1], a10 = g[nv], a11 = g[nv + 1]
                var a20 = g[2 * nv], a21 = g[2 * nv + 1], a30 = g[3 * nv], a31 = g[3 * nv + 1]
                for n in 0..<rows {
                    let e = d + n * nv + v
                    let e0 = e[0], e1 = e[1]
                    let xr = x + n * ldx + j
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
                // The last vector of an odd count: 4 inputs × 1 vector.
                let g = gt + j * nv + v
                var a0 = g[0], a1 = g[nv], a2 = g[2 * nv], a3 = g[3 * nv]
                for n in 0..<rows {
                    let e = d[n * nv + v]
                    let xr = x + n * ldx + j
                    a0.multiplyAdd(Vector(repeating: xr[0]), e); a1.multiplyAdd(Vector(repeating: xr[1]), e)
                    a2.multiplyAdd(Vector(repeating: xr[2]), e); a3.multiplyAdd(Vector(repeating: xr[3]), e)
                }
                g[0] = a0; g[nv] = a1; g[2 * nv] = a2; g[3 * nv] = a3
            }
            j += 4
        }
        while j < inputs {
            for v in 0..<nv {
                var a = gt[j * nv + v]
                for n in 0..<rows { a.multiplyAdd(Vector(repeating: x[n * ldx + j]), d[n * nv + v]) }
                gt[j * nv + v] = a
            }
            j += 1
        }
    }

    /// The output layer over `rows` rows of pre-activations `p` (nv vectors each): outputs
    /// `f_n = b_z + zᵀφ(p_n)`, residuals `r_n = y_n − f_n`, and `δ_n = g_n·z ⊙ a(p_n)` in place of
    /// `p_n`, with `g_n = −2·scale·r_n`; adds `Σ g_n φ(p_n)` to `gz` and, when given, `Σ δ_n` to
    /// `gb`. `q` holds rows × nv vectors of scratch. Returns `Σ r_n²` and `Σ g_n`.
    @inline(__always)
    static func residualsAndDeltas(_ pd: UnsafeMutablePointer<Vector>, scratch qd: UnsafeMutablePointer<Vector>, vectors nv: Int,
                                   y: UnsafePointer<Scalar>, rows: Int, z zp: UnsafePointer<Vector>, bz: Scalar, slope rho: Scalar,
                                   scale: Scalar, gz gzv: UnsafeMutablePointer<Vector>, gb gbv: UnsafeMutablePointer<Vector>?) -> (Scalar, Scalar) {
        // Plain scalar loops over whole rows of the padded width: LLVM vectorises them with
        // selects (SIMD masks on this generic vector type lower to lane-by-lane code). The block's
        // products z ⊙ φ(p) are all written before the first is read back as vectors, so no
        // vector load waits on the narrower stores that wrote it.
        let width = nv * Vector.scalarCount
        let ps = UnsafeMutableRawPointer(pd).assumingMemoryBound(to: Scalar.self)
        let qs = UnsafeMutableRawPointer(qd).assumingMemoryBound(to: Scalar.self)
        let zs = UnsafeRawPointer(zp).assumingMemoryBound(to: Scalar.self)
        let gz = UnsafeMutableRawPointer(gzv).assumingMemoryBound(to: Scalar.self)
        for n in 0..<rows {
            let p = ps + n * width, q = qs + n * width
            for i in 0..<width {
                let u = p[i]
                q[i] = zs[i] * (u > 0 ? u : rho * u)
            }
        }
        // Every row's g_n first (into the first scalar of its row of q, read no more): the rows'
        // sums are independent, so they overlap, where each row's deltas would wait on its sum.
        var sse: Scalar = 0, gbz: Scalar = 0
        for n in 0..<rows {
            // f = b_z + Σ z_i φ(p_i), summed in vectors, then across the lanes.
            var fv = Vector()
            for v in 0..<nv { fv += qd[n * nv + v] }
            let r = y[n] - (fv.sum() + bz)
            sse += r * r
            let g = -2 * scale * r
            gbz += g
            qs[n * width] = g
        }
        for n in 0..<rows {
            let g = qs[n * width]
            let p = ps + n * width
            for i in 0..<width {
                let u = p[i]
                let a: Scalar = u > 0 ? 1 : rho
                gz[i] += g * a * u
                p[i] = g * zs[i] * a
            }
            // Apart: a condition inside the loop above becomes a masked store, slow on some CPUs.
            if let gbv {
                let gb = UnsafeMutableRawPointer(gbv).assumingMemoryBound(to: Scalar.self)
                for i in 0..<width { gb[i] += p[i] }
            }
        }
        return (sse, gbz)
    }
}
