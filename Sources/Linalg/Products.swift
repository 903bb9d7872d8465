/// Matrix products on `Matrix`, through BLAS. The names say what is computed; the BLAS routine
/// is named in each comment.
extension Matrix {
    /// `C ← α·op(A)·op(B) + β·C` (`?gemm`), in place on `c`.
    public static func multiply(_ a: Matrix, _ transA: Transpose = .none,
                                _ b: Matrix, _ transB: Transpose = .none,
                                into c: inout Matrix, alpha: Scalar = 1, beta: Scalar = 0) {
        let m = transA == .none ? a.rows : a.columns
        let k = transA == .none ? a.columns : a.rows
        let kb = transB == .none ? b.rows : b.columns
        let n = transB == .none ? b.columns : b.rows
        precondition(k == kb, "inner dimensions differ: \(k) vs \(kb)")
        precondition(c.rows == m && c.columns == n, "output must be \(m)×\(n), is \(c.rows)×\(c.columns)")
        guard m > 0, n > 0 else { return }
        if k == 0 {
            // BLAS leaves C·β alone when k = 0; make that explicit.
            for i in c.elements.indices { c.elements[i] *= beta }
            return
        }
        a.elements.withUnsafeBufferPointer { pa in
            b.elements.withUnsafeBufferPointer { pb in
                c.elements.withUnsafeMutableBufferPointer { pc in
                    Scalar.gemm(transA, transB, m, n, k, alpha, pa.baseAddress!, a.columns,
                                pb.baseAddress!, b.columns, beta, pc.baseAddress!, n)
                }
            }
        }
    }

    /// `op(A)·op(B)` as a new matrix (`?gemm`).
    public static func product(_ a: Matrix, _ transA: Transpose = .none,
                               _ b: Matrix, _ transB: Transpose = .none) -> Matrix {
        let m = transA == .none ? a.rows : a.columns
        let n = transB == .none ? b.columns : b.rows
        var c = Matrix(rows: m, columns: n)
        multiply(a, transA, b, transB, into: &c)
        return c
    }

    /// `A·B` as a new matrix (`?gemm`).
    public static func product(_ a: Matrix, _ b: Matrix) -> Matrix { product(a, .none, b, .none) }

    /// `C ← α·A·B + β·C` (`?gemm`), in place on `c`.
    public static func multiply(_ a: Matrix, _ b: Matrix, into c: inout Matrix, alpha: Scalar = 1, beta: Scalar = 0) {
        multiply(a, .none, b, .none, into: &c, alpha: alpha, beta: beta)
    }

    /// `op(A)·x` (`?gemv`).
    public func times(_ x: [Scalar], _ trans: Transpose = .none) -> [Scalar] {
        let inner = trans == .none ? columns : rows
        let outer = trans == .none ? rows : columns
        precondition(x.count == inner, "vector length \(x.count) does not match \(inner)")
        var y = [Scalar](repeating: 0, count: outer)
        guard outer > 0, inner > 0 else { return y }
        elements.withUnsafeBufferPointer { pa in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in
                    Scalar.gemv(trans, rows, columns, 1, pa.baseAddress!, columns,
                                px.baseAddress!, 1, 0, py.baseAddress!, 1)
                }
            }
        }
        return y
    }

    /// The Gram matrix `op(A)·op(A)ᵀ` (`?syrk`, then the lower triangle mirrored):
    /// `.none` gives `A·Aᵀ` (rows×rows), `.transposed` gives `Aᵀ·A` (columns×columns).
    public func gram(_ trans: Transpose = .none, alpha: Scalar = 1) -> Matrix {
        let n = trans == .none ? rows : columns
        let k = trans == .none ? columns : rows
        var c = Matrix(rows: n, columns: n)
        guard n > 0, k > 0 else { return c }
        elements.withUnsafeBufferPointer { pa in
            c.elements.withUnsafeMutableBufferPointer { pc in
                Scalar.syrk(trans, n, k, alpha, pa.baseAddress!, columns, 0, pc.baseAddress!, n)
                for i in 0..<n { for j in 0..<i { pc[i * n + j] = pc[j * n + i] } }
            }
        }
        return c
    }
}

/// Dot product `xᵀy` (`?dot`).
public func dot<Scalar: LinalgScalar>(_ x: [Scalar], _ y: [Scalar]) -> Scalar {
    precondition(x.count == y.count, "vector lengths differ: \(x.count) vs \(y.count)")
    guard !x.isEmpty else { return 0 }
    return x.withUnsafeBufferPointer { px in
        y.withUnsafeBufferPointer { py in Scalar.dot(x.count, px.baseAddress!, 1, py.baseAddress!, 1) }
    }
}

/// Euclidean norm `‖x‖₂` (`?nrm2`).
public func norm<Scalar: LinalgScalar>(_ x: [Scalar]) -> Scalar {
    guard !x.isEmpty else { return 0 }
    return x.withUnsafeBufferPointer { Scalar.nrm2(x.count, $0.baseAddress!, 1) }
}
