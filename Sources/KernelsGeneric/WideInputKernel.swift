/// The forward and backward pass of a one-hidden-layer network `f(x) = zᵀφ(W x + b) + b_z` with
/// wide inputs and few units (d0 in the hundreds or thousands, d1 ≤ 128: MNIST's and CIFAR-10's
/// shapes), fused over blocks of the batch's rows that stay in the second-level cache.
///
/// For each block: the pre-activations `P = X Wᵀ + b` as dot products along the inputs (tiles of
/// 4 rows × 4 units, vectors over j; W's rows and X's rows are both contiguous), then the output
/// residuals and `δ_{ni} = g_n z_i a(p_{ni})`, then `∂W += δᵀX` (tiles of 4 units × 4 vectors of
/// inputs) while the block's rows are still in cache: X is read from memory once per step. Both
/// tiles are 3 wide instead of 4 where the instruction set has 16 vector registers, not 32. Rows
/// may be given by index (a minibatch's rows of the whole data set), so nothing is gathered.
public final class WideInputKernel<Scalar: KernelScalar> {
    typealias Vector = Scalar.Lanes
    public let d0: Int
    public let d1: Int
    /// Rows per block: about 256 KiB of inputs, a multiple of 4, so that W and ∂W fit in a 1 MiB
    /// second-level cache beside them (CIFAR-10's shape: 192 KiB each). CIFAR-shaped epochs on
    /// AVX-512: 0.10 s at 256 KiB, 0.12 s at 512 KiB, 0.115 s at 128 KiB.
    let blockRows: Int
    /// The block's pre-activations, then deltas (blockRows × d1); its row pointers; ∂z and ∂b.
    let pd: UnsafeMutablePointer<Scalar>
    let rowPointers: UnsafeMutablePointer<UnsafePointer<Scalar>>
    let gz, gb: UnsafeMutablePointer<Scalar>

    /// Buffers for batches of any number of rows (`capacity` bounds the block).
    public init(d0: Int, d1: Int, capacity: Int) {
        self.d0 = d0
        self.d1 = d1
        let perRow = max(1, d0 * MemoryLayout<Scalar>.size)
        blockRows = max(4, min((max(1, capacity) + 3) / 4 * 4, (1 << 18) / perRow / 4 * 4))
        pd = .allocate(capacity: blockRows * d1)
        pd.initialize(repeating: 0, count: blockRows * d1)
        rowPointers = .allocate(capacity: blockRows)
        gz = .allocate(capacity: d1)
        gb = .allocate(capacity: d1)
    }

    deinit {
        pd.deallocate(); rowPointers.deallocate(); gz.deallocate(); gb.deallocate()
    }

    /// `Σ_n (y_n − f(x_n))²` over `rows` samples, and the gradient of `scale·Σ (y_n − f(x_n))²`
    /// written (or with `accumulate`, added) into `gradW` (d1×d0), `gradZ` (d1) and, with biases,
    /// `gradB` (d1) and `gradBz`. Sample n is row `order[n]` of `x` (row-major, d0 columns) when
    /// `order` is given, else row n. `slope` is the leaky-ReLU ρ; `a(0) = ρ`.
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
        if !accumulate { gradW.update(repeating: 0, count: d1 * d0) }
        gz.update(repeating: 0, count: d1)
        gb.update(repeating: 0, count: d1)
        var sse: Scalar = 0, gbz: Scalar = 0
        var start = 0
        while start < rows {
            let count = min(blockRows, rows - start)
            for n in 0..<count {
                let r = order.map { $0[start + n] } ?? start + n
                rowPointers[n] = x + r * d0
            }
            forward(rows: count, w: w, b: b)
            for n in 0..<count {
                let yn = y[order.map { $0[start + n] } ?? start + n]
                let p = pd + n * d1
                var f = bz
                for i in 0..<d1 {
                    let u = p[i]
                    f += z[i] * (u > 0 ? u : slope * u)
                }
                let r = yn - f
                sse += r * r
                let g = -2 * scale * r
                gbz += g
                for i in 0..<d1 {
                    let u = p[i]
                    let a: Scalar = u > 0 ? 1 : slope
                    gz[i] += g * a * u
                    let delta = g * z[i] * a
                    gb[i] += delta
                    p[i] = delta
                }
            }
            backward(rows: count, gradW: gradW)
            start += count
        }
        for i in 0..<d1 {
            gradZ[i] = accumulate ? gradZ[i] + gz[i] : gz[i]
            if let gradB { gradB[i] = accumulate ? gradB[i] + gb[i] : gb[i] }
        }
        if let gradBz { gradBz.pointee = accumulate ? gradBz.pointee + gbz : gbz }
        return sse
    }

    @inline(__always)
    func load(_ p: UnsafePointer<Scalar>) -> Vector { UnsafeRawPointer(p).loadUnaligned(as: Vector.self) }

    @inline(__always)
    func store(_ v: Vector, _ p: UnsafeMutablePointer<Scalar>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self) }

    /// `x·w` over d0 entries: vectors, then the remainder one by one.
    @inline(__always)
    func dot(_ x: UnsafePointer<Scalar>, _ w: UnsafePointer<Scalar>) -> Scalar {
        let lanes = Vector.scalarCount
        var a = Vector()
        var j = 0
        while j + lanes <= d0 { a.multiplyAdd(load(x + j), load(w + j)); j += lanes }
        var s = a.sum()
        while j < d0 { s += x[j] * w[j]; j += 1 }
        return s
    }

    /// Units per forward tile and input vectors per backward tile: 4 where the instruction set
    /// has 32 vector registers (16 accumulators and 5 operands fit), 3 where it has 16 (12 and 4).
    var tileWidth: Int { vectorRegisters >= 32 ? 4 : 3 }

    /// `P = X Wᵀ + b` over the block's rows, in tiles of 4 rows × `tileWidth` units.
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    func forward(rows: Int, w: UnsafePointer<Scalar>, b: UnsafePointer<Scalar>?) {
        let d0 = self.d0, d1 = self.d1, width = tileWidth
        var n = 0
        while n + 4 <= rows {
            var i = 0
            while i + width <= d1 {
                if width == 4 {
                    forwardTile4(row: n, unit: i, w: w, b: b)
                } else {
                    forwardTile3(row: n, unit: i, w: w, b: b)
                }
                i += width
            }
            while i < d1 {
                for r in 0..<4 { pd[(n + r) * d1 + i] = dot(rowPointers[n + r], w + i * d0) + (b?[i] ?? 0) }
                i += 1
            }
            n += 4
        }
        while n < rows {
            for i in 0..<d1 { pd[n * d1 + i] = dot(rowPointers[n], w + i * d0) + (b?[i] ?? 0) }
            n += 1
        }
    }

    /// `p_{n+r, i+u}`: the accumulated vector `a` summed, the inputs past the last whole vector
    /// added one by one, and the bias.
    @inline(__always)
    func put(_ a: Vector, row n: Int, unit i: Int, x: UnsafePointer<Scalar>, w: UnsafePointer<Scalar>, b: UnsafePointer<Scalar>?) {
        let lanes = Vector.scalarCount, d0 = self.d0
        var s = a.sum()
        for j in d0 / lanes * lanes..<d0 { s += x[j] * w[j] }
        pd[n * d1 + i] = s + (b?[i] ?? 0)
    }

    /// Rows `n..<n+4` × units `i..<i+4` of P.
    @inline(__always)
    func forwardTile4(row n: Int, unit i: Int, w: UnsafePointer<Scalar>, b: UnsafePointer<Scalar>?) {
        let lanes = Vector.scalarCount, d0 = self.d0, whole = d0 / lanes * lanes
        let x0 = rowPointers[n], x1 = rowPointers[n + 1], x2 = rowPointers[n + 2], x3 = rowPointers[n + 3]
        let w0 = w + i * d0, w1 = w0 + d0, w2 = w1 + d0, w3 = w2 + d0
        var a00 = Vector(), a01 = Vector(), a02 = Vector(), a03 = Vector()
        var a10 = Vector(), a11 = Vector(), a12 = Vector(), a13 = Vector()
        var a20 = Vector(), a21 = Vector(), a22 = Vector(), a23 = Vector()
        var a30 = Vector(), a31 = Vector(), a32 = Vector(), a33 = Vector()
        var j = 0
        while j < whole {
            let v0 = load(w0 + j), v1 = load(w1 + j), v2 = load(w2 + j), v3 = load(w3 + j)
            let u0 = load(x0 + j)
            a00.multiplyAdd(u0, v0); a01.multiplyAdd(u0, v1); a02.multiplyAdd(u0, v2); a03.multiplyAdd(u0, v3)
            let u1 = load(x1 + j)
            a10.multiplyAdd(u1, v0); a11.multiplyAdd(u1, v1); a12.multiplyAdd(u1, v2); a13.multiplyAdd(u1, v3)
            let u2 = load(x2 + j)
            a20.multiplyAdd(u2, v0); a21.multiplyAdd(u2, v1); a22.multiplyAdd(u2, v2); a23.multiplyAdd(u2, v3)
            let u3 = load(x3 + j)
            a30.multiplyAdd(u3, v0); a31.multiplyAdd(u3, v1); a32.multiplyAdd(u3, v2); a33.multiplyAdd(u3, v3)
            j += lanes
        }
        put(a00, row: n, unit: i, x: x0, w: w0, b: b); put(a01, row: n, unit: i + 1, x: x0, w: w1, b: b)
        put(a02, row: n, unit: i + 2, x: x0, w: w2, b: b); put(a03, row: n, unit: i + 3, x: x0, w: w3, b: b)
        put(a10, row: n + 1, unit: i, x: x1, w: w0, b: b); put(a11, row: n + 1, unit: i + 1, x: x1, w: w1, b: b)
        put(a12, row: n + 1, unit: i + 2, x: x1, w: w2, b: b); put(a13, row: n + 1, unit: i + 3, x: x1, w: w3, b: b)
        put(a20, row: n + 2, unit: i, x: x2, w: w0, b: b); put(a21, row: n + 2, unit: i + 1, x: x2, w: w1, b: b)
        put(a22, row: n + 2, unit: i + 2, x: x2, w: w2, b: b); put(a23, row: n + 2, unit: i + 3, x: x2, w: w3, b: b)
        put(a30, row: n + 3, unit: i, x: x3, w: w0, b: b); put(a31, row: n + 3, unit: i + 1, x: x3, w: w1, b: b)
        put(a32, row: n + 3, unit: i + 2, x: x3, w: w2, b: b); put(a33, row: n + 3, unit: i + 3, x: x3, w: w3, b: b)
    }

    /// Rows `n..<n+4` × units `i..<i+3` of P.
    @inline(__always)
    func forwardTile3(row n: Int, unit i: Int, w: UnsafePointer<Scalar>, b: UnsafePointer<Scalar>?) {
        let lanes = Vector.scalarCount, d0 = self.d0, whole = d0 / lanes * lanes
        let x0 = rowPointers[n], x1 = rowPointers[n + 1], x2 = rowPointers[n + 2], x3 = rowPointers[n + 3]
        let w0 = w + i * d0, w1 = w0 + d0, w2 = w1 + d0
        var a00 = Vector(), a01 = Vector(), a02 = Vector()
        var a10 = Vector(), a11 = Vector(), a12 = Vector()
        var a20 = Vector(), a21 = Vector(), a22 = Vector()
        var a30 = Vector(), a31 = Vector(), a32 = Vector()
        var j = 0
        while j < whole {
            let v0 = load(w0 + j), v1 = load(w1 + j), v2 = load(w2 + j)
            let u0 = load(x0 + j)
            a00.multiplyAdd(u0, v0); a01.multiplyAdd(u0, v1); a02.multiplyAdd(u0, v2)
            let u1 = load(x1 + j)
            a10.multiplyAdd(u1, v0); a11.multiplyAdd(u1, v1); a12.multiplyAdd(u1, v2)
            let u2 = load(x2 + j)
            a20.multiplyAdd(u2, v0); a21.multiplyAdd(u2, v1); a22.multiplyAdd(u2, v2)
            let u3 = load(x3 + j)
            a30.multiplyAdd(u3, v0); a31.multiplyAdd(u3, v1); a32.multiplyAdd(u3, v2)
            j += lanes
        }
        put(a00, row: n, unit: i, x: x0, w: w0, b: b); put(a01, row: n, unit: i + 1, x: x0, w: w1, b: b)
        put(a02, row: n, unit: i + 2, x: x0, w: w2, b: b)
        put(a10, row: n + 1, unit: i, x: x1, w: w0, b: b); put(a11, row: n + 1, unit: i + 1, x: x1, w: w1, b: b)
        put(a12, row: n + 1, unit: i + 2, x: x1, w: w2, b: b)
        put(a20, row: n + 2, unit: i, x: x2, w: w0, b: b); put(a21, row: n + 2, unit: i + 1, x: x2, w: w1, b: b)
        put(a22, row: n + 2, unit: i + 2, x: x2, w: w2, b: b)
        put(a30, row: n + 3, unit: i, x: x3, w: w0, b: b); put(a31, row: n + 3, unit: i + 1, x: x3, w: w1, b: b)
        put(a32, row: n + 3, unit: i + 2, x: x3, w: w2, b: b)
    }

    /// `∂W += δᵀX` over the block's rows, in tiles of 4 units × `tileWidth` vectors of inputs.
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    func backward(rows: Int, gradW: UnsafeMutablePointer<Scalar>) {
        let d0 = self.d0, d1 = self.d1, width = tileWidth
        let span = width * Vector.scalarCount
        var i = 0
        while i + 4 <= d1 {
            var j = 0
            while j + span <= d0 {
                if width == 4 {
                    backwardTile4(rows: rows, unit: i, input: j, gradW: gradW)
                } else {
                    backwardTile3(rows: rows, unit: i, input: j, gradW: gradW)
                }
                j += span
            }
            for u in 0..<4 { backwardRemainder(rows: rows, unit: i + u, from: j, gradW: gradW) }
            i += 4
        }
        while i < d1 {
            backwardRemainder(rows: rows, unit: i, from: 0, gradW: gradW)
            i += 1
        }
    }

    /// Units `i..<i+4` × inputs `j..<j+4·lanes` of ∂W.
    @inline(__always)
    func backwardTile4(rows: Int, unit i: Int, input j: Int, gradW: UnsafeMutablePointer<Scalar>) {
        let lanes = Vector.scalarCount, d0 = self.d0, d1 = self.d1
        let g0 = gradW + i * d0 + j, g1 = g0 + d0, g2 = g1 + d0, g3 = g2 + d0
        var a00 = load(g0), a01 = load(g0 + lanes), a02 = load(g0 + 2 * lanes), a03 = load(g0 + 3 * lanes)
        var a10 = load(g1), a11 = load(g1 + lanes), a12 = load(g1 + 2 * lanes), a13 = load(g1 + 3 * lanes)
        var a20 = load(g2), a21 = load(g2 + lanes), a22 = load(g2 + 2 * lanes), a23 = load(g2 + 3 * lanes)
        var a30 = load(g3), a31 = load(g3 + lanes), a32 = load(g3 + 2 * lanes), a33 = load(g3 + 3 * lanes)
        for n in 0..<rows {
            let xr = rowPointers[n] + j
            let u0 = load(xr), u1 = load(xr + lanes), u2 = load(xr + 2 * lanes), u3 = load(xr + 3 * lanes)
            let d = pd + n * d1 + i
            let e0 = Vector(repeating: d[0])
            a00.multiplyAdd(e0, u0); a01.multiplyAdd(e0, u1); a02.multiplyAdd(e0, u2); a03.multiplyAdd(e0, u3)
            let e1 = Vector(repeating: d[1])
            a10.multiplyAdd(e1, u0); a11.multiplyAdd(e1, u1); a12.multiplyAdd(e1, u2); a13.multiplyAdd(e1, u3)
            let e2 = Vector(repeating: d[2])
            a20.multiplyAdd(e2, u0); a21.multiplyAdd(e2, u1); a22.multiplyAdd(e2, u2); a23.multiplyAdd(e2, u3)
            let e3 = Vector(repeating: d[3])
            a30.multiplyAdd(e3, u0); a31.multiplyAdd(e3, u1); a32.multiplyAdd(e3, u2); a33.multiplyAdd(e3, u3)
        }
        store(a00, g0); store(a01, g0 + lanes); store(a02, g0 + 2 * lanes); store(a03, g0 + 3 * lanes)
        store(a10, g1); store(a11, g1 + lanes); store(a12, g1 + 2 * lanes); store(a13, g1 + 3 * lanes)
        store(a20, g2); store(a21, g2 + lanes); store(a22, g2 + 2 * lanes); store(a23, g2 + 3 * lanes)
        store(a30, g3); store(a31, g3 + lanes); store(a32, g3 + 2 * lanes); store(a33, g3 + 3 * lanes)
    }

    /// Units `i..<i+4` × inputs `j..<j+3·lanes` of ∂W.
    @inline(__always)
    func backwardTile3(rows: Int, unit i: Int, input j: Int, gradW: UnsafeMutablePointer<Scalar>) {
        let lanes = Vector.scalarCount, d0 = self.d0, d1 = self.d1
        let g0 = gradW + i * d0 + j, g1 = g0 + d0, g2 = g1 + d0, g3 = g2 + d0
        var a00 = load(g0), a01 = load(g0 + lanes), a02 = load(g0 + 2 * lanes)
        var a10 = load(g1), a11 = load(g1 + lanes), a12 = load(g1 + 2 * lanes)
        var a20 = load(g2), a21 = load(g2 + lanes), a22 = load(g2 + 2 * lanes)
        var a30 = load(g3), a31 = load(g3 + lanes), a32 = load(g3 + 2 * lanes)
        for n in 0..<rows {
            let xr = rowPointers[n] + j
            let u0 = load(xr), u1 = load(xr + lanes), u2 = load(xr + 2 * lanes)
            let d = pd + n * d1 + i
            let e0 = Vector(repeating: d[0])
            a00.multiplyAdd(e0, u0); a01.multiplyAdd(e0, u1); a02.multiplyAdd(e0, u2)
            let e1 = Vector(repeating: d[1])
            a10.multiplyAdd(e1, u0); a11.multiplyAdd(e1, u1); a12.multiplyAdd(e1, u2)
            let e2 = Vector(repeating: d[2])
            a20.multiplyAdd(e2, u0); a21.multiplyAdd(e2, u1); a22.multiplyAdd(e2, u2)
            let e3 = Vector(repeating: d[3])
            a30.multiplyAdd(e3, u0); a31.multiplyAdd(e3, u1); a32.multiplyAdd(e3, u2)
        }
        store(a00, g0); store(a01, g0 + lanes); store(a02, g0 + 2 * lanes)
        store(a10, g1); store(a11, g1 + lanes); store(a12, g1 + 2 * lanes)
        store(a20, g2); store(a21, g2 + lanes); store(a22, g2 + 2 * lanes)
        store(a30, g3); store(a31, g3 + lanes); store(a32, g3 + 2 * lanes)
    }

    /// `∂W_{i,j} += Σ_n δ_{ni} x_{nj}` for one unit and the inputs from `from` on: vectors, then
    /// the remainder one by one.
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    func backwardRemainder(rows: Int, unit i: Int, from start: Int, gradW: UnsafeMutablePointer<Scalar>) {
        let lanes = Vector.scalarCount, d0 = self.d0, d1 = self.d1
        let g = gradW + i * d0
        var j = start
        while j + lanes <= d0 {
            var a = load(g + j)
            for n in 0..<rows { a.multiplyAdd(Vector(repeating: pd[n * d1 + i]), load(rowPointers[n] + j)) }
            store(a, g + j)
            j += lanes
        }
        while j < d0 {
            var s = g[j]
            for n in 0..<rows { s += pd[n * d1 + i] * rowPointers[n][j] }
            g[j] = s
            j += 1
        }
    }
}
