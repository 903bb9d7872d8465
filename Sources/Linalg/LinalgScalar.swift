import CLinearAlgebra

/// Whether a BLAS operand is used as stored or transposed (`op(A) = A` or `Aᵀ`).
public enum Transpose: Sendable {
    case none, transposed
    var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// A real scalar that OpenBLAS and LAPACKE compute with: `Float` (the `s` routines) or
/// `Double` (the `d` routines). Every routine works on row-major storage.
///
/// The static functions are the thin, pointer-level layer; `Matrix` builds the readable API on
/// top of them. Hot loops call these directly on preallocated buffers.
public protocol LinalgScalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable, CustomStringConvertible
where RawSignificand: FixedWidthInteger {
    /// The numpy dtype string of this scalar, little-endian (`<f4` or `<f8`).
    static var npyDescriptor: String { get }
    /// `C ← α·op(A)·op(B) + β·C` (`?gemm`); `op(A)` is m×k, `op(B)` is k×n, C is m×n.
    static func gemm(_ transA: Transpose, _ transB: Transpose, _ m: Int, _ n: Int, _ k: Int,
                     _ alpha: Self, _ a: UnsafePointer<Self>, _ lda: Int,
                     _ b: UnsafePointer<Self>, _ ldb: Int,
                     _ beta: Self, _ c: UnsafeMutablePointer<Self>, _ ldc: Int)
    /// `y ← α·op(A)·x + β·y` (`?gemv`); A is m×n as stored.
    static func gemv(_ trans: Transpose, _ m: Int, _ n: Int, _ alpha: Self,
                     _ a: UnsafePointer<Self>, _ lda: Int, _ x: UnsafePointer<Self>, _ incx: Int,
                     _ beta: Self, _ y: UnsafeMutablePointer<Self>, _ incy: Int)
    /// Upper triangle of `C ← α·op(A)·op(A)ᵀ + β·C` (`?syrk`); C is n×n, `op(A)` is n×k.
    static func syrk(_ trans: Transpose, _ n: Int, _ k: Int, _ alpha: Self,
                     _ a: UnsafePointer<Self>, _ lda: Int,
                     _ beta: Self, _ c: UnsafeMutablePointer<Self>, _ ldc: Int)
    /// Cholesky factor `C = RᵀR` (`?potrf`) of the symmetric positive definite n×n C, upper
    /// triangle read; R (upper) overwrites it. Returns LAPACK's info (> 0: not positive definite).
    static func potrf(_ n: Int, _ c: UnsafeMutablePointer<Self>, _ ldc: Int) -> Int
    /// `x ← op(R)⁻¹ x` for the upper triangular n×n R (`?trsv`).
    static func trsv(_ trans: Transpose, _ n: Int, _ r: UnsafePointer<Self>, _ ldr: Int,
                     _ x: UnsafeMutablePointer<Self>, _ incx: Int)
    /// `B ← op(R)⁻¹ B` for the upper triangular m×m R and the m×n B (`?trsm`, R on the left).
    static func trsm(_ trans: Transpose, _ m: Int, _ n: Int, _ r: UnsafePointer<Self>, _ ldr: Int,
                     _ b: UnsafeMutablePointer<Self>, _ ldb: Int)
    /// `y ← α·x + y` (`?axpy`).
    static func axpy(_ n: Int, _ alpha: Self, _ x: UnsafePointer<Self>, _ incx: Int,
                     _ y: UnsafeMutablePointer<Self>, _ incy: Int)
    /// `xᵀy` (`?dot`).
    static func dot(_ n: Int, _ x: UnsafePointer<Self>, _ incx: Int,
                    _ y: UnsafePointer<Self>, _ incy: Int) -> Self
    /// Euclidean norm `‖x‖₂` (`?nrm2`), computed without overflow.
    static func nrm2(_ n: Int, _ x: UnsafePointer<Self>, _ incx: Int) -> Self
    /// Singular values only (`?gesdd`, jobz = 'N'); A (m×n) is overwritten. Returns LAPACK's info.
    static func gesddValues(_ m: Int, _ n: Int, _ a: UnsafeMutablePointer<Self>, _ lda: Int,
                            _ s: UnsafeMutablePointer<Self>) -> Int
    /// Eigenvalues (ascending) and, if `vectors`, eigenvectors in the **rows** of the row-major
    /// A (`?syevd`, upper triangle read). A symmetric matrix is its own transpose, so the routine
    /// is called in LAPACK's column-major order (lower triangle there) and LAPACKE copies and
    /// transposes nothing: for n = 3072 that saves about a second. Returns LAPACK's info.
    static func syevd(_ vectors: Bool, _ n: Int, _ a: UnsafeMutablePointer<Self>, _ lda: Int,
                      _ w: UnsafeMutablePointer<Self>) -> Int
    /// Minimum-norm least squares `min ‖A·X − B‖` by SVD (`?gelsd`); B (max(m,n)×nrhs) is
    /// overwritten by X in its first n rows. `rcond` < 0 means machine precision.
    static func gelsd(_ m: Int, _ n: Int, _ nrhs: Int, _ a: UnsafeMutablePointer<Self>, _ lda: Int,
                      _ b: UnsafeMutablePointer<Self>, _ ldb: Int, _ s: UnsafeMutablePointer<Self>,
                      _ rcond: Self, _ rank: inout Int) -> Int
}

/// Workspace sizes of `?syevd` (LAPACK's documented minimum): with eigenvectors
/// lwork = 1 + 6n + 2n², liwork = 3 + 5n; values only lwork = 2n + 1, liwork = 1.
@inline(__always)
func syevdWorkspace(_ vectors: Bool, _ n: Int) -> (lwork: Int, liwork: Int) {
    guard n > 1 else { return (1, 1) }
    return vectors ? (1 + 6 * n + 2 * n * n, 3 + 5 * n) : (2 * n + 1, 1)
}

extension Float: LinalgScalar {
    public static var npyDescriptor: String { "<f4" }
    @inline(__always)
    public static func gemm(_ transA: Transpose, _ transB: Transpose, _ m: Int, _ n: Int, _ k: Int,
                            _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
                            _ b: UnsafePointer<Float>, _ ldb: Int,
                            _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA.cblas, transB.cblas, blasint(m), blasint(n), blasint(k),
                    alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
    @inline(__always)
    public static func gemv(_ trans: Transpose, _ m: Int, _ n: Int, _ alpha: Float,
                            _ a: UnsafePointer<Float>, _ lda: Int, _ x: UnsafePointer<Float>, _ incx: Int,
                            _ beta: Float, _ y: UnsafeMutablePointer<Float>, _ incy: Int) {
        cblas_sgemv(CblasRowMajor, trans.cblas, blasint(m), blasint(n), alpha, a, blasint(lda),
                    x, blasint(incx), beta, y, blasint(incy))
    }
    public static func syrk(_ trans: Transpose, _ n: Int, _ k: Int, _ alpha: Float,
                            _ a: UnsafePointer<Float>, _ lda: Int,
                            _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        cblas_ssyrk(CblasRowMajor, CblasUpper, trans.cblas, blasint(n), blasint(k), alpha, a,
                    blasint(lda), beta, c, blasint(ldc))
    }
    public static func potrf(_ n: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) -> Int {
        // Row-major upper is column-major lower: no transposing copy, and the factor L (C = LLᵀ)
        // read row-major is R = Lᵀ.
        Int(LAPACKE_spotrf(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "L")), Int32(n), c, Int32(ldc)))
    }
    public static func trsv(_ trans: Transpose, _ n: Int, _ r: UnsafePointer<Float>, _ ldr: Int,
                            _ x: UnsafeMutablePointer<Float>, _ incx: Int) {
        cblas_strsv(CblasRowMajor, CblasUpper, trans.cblas, CblasNonUnit, blasint(n), r, blasint(ldr),
                    x, blasint(incx))
    }
    public static func trsm(_ trans: Transpose, _ m: Int, _ n: Int, _ r: UnsafePointer<Float>, _ ldr: Int,
                            _ b: UnsafeMutablePointer<Float>, _ ldb: Int) {
        cblas_strsm(CblasRowMajor, CblasLeft, CblasUpper, trans.cblas, CblasNonUnit, blasint(m), blasint(n),
                    1, r, blasint(ldr), b, blasint(ldb))
    }
    public static func axpy(_ n: Int, _ alpha: Float, _ x: UnsafePointer<Float>, _ incx: Int,
                            _ y: UnsafeMutablePointer<Float>, _ incy: Int) {
        cblas_saxpy(blasint(n), alpha, x, blasint(incx), y, blasint(incy))
    }
    public static func dot(_ n: Int, _ x: UnsafePointer<Float>, _ incx: Int,
                           _ y: UnsafePointer<Float>, _ incy: Int) -> Float {
        cblas_sdot(blasint(n), x, blasint(incx), y, blasint(incy))
    }
    public static func nrm2(_ n: Int, _ x: UnsafePointer<Float>, _ incx: Int) -> Float {
        cblas_snrm2(blasint(n), x, blasint(incx))
    }
    public static func gesddValues(_ m: Int, _ n: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int,
                                   _ s: UnsafeMutablePointer<Float>) -> Int {
        // A row-major m×n matrix is its n×m transpose in column-major order, with the same
        // singular values: calling the column-major routine avoids LAPACKE's transposing copy.
        Int(LAPACKE_sgesdd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), Int32(n), Int32(m),
                           a, Int32(lda), s, nil, 1, nil, 1))
    }
    public static func syevd(_ vectors: Bool, _ n: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int,
                             _ w: UnsafeMutablePointer<Float>) -> Int {
        // The _work variant with exact workspace sizes: LAPACKE_ssyevd's workspace query returns
        // lwork = 1 + 6n + 2n² as a Float, which rounds below the true size once it passes 2^24
        // (n ≳ 2900, e.g. CIFAR-10's 3072×3072 covariance) and SSYEVD then rejects it.
        let (lwork, liwork) = syevdWorkspace(vectors, n)
        var work = [Float](repeating: 0, count: lwork)
        var iwork = [Int32](repeating: 0, count: liwork)
        return Int(LAPACKE_ssyevd_work(LAPACK_COL_MAJOR, CChar(UInt8(ascii: vectors ? "V" : "N")),
                                       CChar(UInt8(ascii: "L")), Int32(n), a, Int32(lda), w,
                                       &work, Int32(lwork), &iwork, Int32(liwork)))
    }
    public static func gelsd(_ m: Int, _ n: Int, _ nrhs: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int,
                             _ b: UnsafeMutablePointer<Float>, _ ldb: Int, _ s: UnsafeMutablePointer<Float>,
                             _ rcond: Float, _ rank: inout Int) -> Int {
        var r: Int32 = 0
        let info = LAPACKE_sgelsd(LAPACK_ROW_MAJOR, Int32(m), Int32(n), Int32(nrhs),
                                  a, Int32(lda), b, Int32(ldb), s, rcond, &r)
        rank = Int(r)
        return Int(info)
    }
}

extension Double: LinalgScalar {
    public static var npyDescriptor: String { "<f8" }
    @inline(__always)
    public static func gemm(_ transA: Transpose, _ transB: Transpose, _ m: Int, _ n: Int, _ k: Int,
                            _ alpha: Double, _ a: UnsafePointer<Double>, _ lda: Int,
                            _ b: UnsafePointer<Double>, _ ldb: Int,
                            _ beta: Double, _ c: UnsafeMutablePointer<Double>, _ ldc: Int) {
        cblas_dgemm(CblasRowMajor, transA.cblas, transB.cblas, blasint(m), blasint(n), blasint(k),
                    alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
    @inline(__always)
    public static func gemv(_ trans: Transpose, _ m: Int, _ n: Int, _ alpha: Double,
                            _ a: UnsafePointer<Double>, _ lda: Int, _ x: UnsafePointer<Double>, _ incx: Int,
                            _ beta: Double, _ y: UnsafeMutablePointer<Double>, _ incy: Int) {
        cblas_dgemv(CblasRowMajor, trans.cblas, blasint(m), blasint(n), alpha, a, blasint(lda),
                    x, blasint(incx), beta, y, blasint(incy))
    }
    public static func syrk(_ trans: Transpose, _ n: Int, _ k: Int, _ alpha: Double,
                            _ a: UnsafePointer<Double>, _ lda: Int,
                            _ beta: Double, _ c: UnsafeMutablePointer<Double>, _ ldc: Int) {
        cblas_dsyrk(CblasRowMajor, CblasUpper, trans.cblas, blasint(n), blasint(k), alpha, a,
                    blasint(lda), beta, c, blasint(ldc))
    }
    public static func potrf(_ n: Int, _ c: UnsafeMutablePointer<Double>, _ ldc: Int) -> Int {
        // Row-major upper is column-major lower: no transposing copy, and the factor L (C = LLᵀ)
        // read row-major is R = Lᵀ.
        Int(LAPACKE_dpotrf(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "L")), Int32(n), c, Int32(ldc)))
    }
    public static func trsv(_ trans: Transpose, _ n: Int, _ r: UnsafePointer<Double>, _ ldr: Int,
                            _ x: UnsafeMutablePointer<Double>, _ incx: Int) {
        cblas_dtrsv(CblasRowMajor, CblasUpper, trans.cblas, CblasNonUnit, blasint(n), r, blasint(ldr),
                    x, blasint(incx))
    }
    public static func trsm(_ trans: Transpose, _ m: Int, _ n: Int, _ r: UnsafePointer<Double>, _ ldr: Int,
                            _ b: UnsafeMutablePointer<Double>, _ ldb: Int) {
        cblas_dtrsm(CblasRowMajor, CblasLeft, CblasUpper, trans.cblas, CblasNonUnit, blasint(m), blasint(n),
                    1, r, blasint(ldr), b, blasint(ldb))
    }
    public static func axpy(_ n: Int, _ alpha: Double, _ x: UnsafePointer<Double>, _ incx: Int,
                            _ y: UnsafeMutablePointer<Double>, _ incy: Int) {
        cblas_daxpy(blasint(n), alpha, x, blasint(incx), y, blasint(incy))
    }
    public static func dot(_ n: Int, _ x: UnsafePointer<Double>, _ incx: Int,
                           _ y: UnsafePointer<Double>, _ incy: Int) -> Double {
        cblas_ddot(blasint(n), x, blasint(incx), y, blasint(incy))
    }
    public static func nrm2(_ n: Int, _ x: UnsafePointer<Double>, _ incx: Int) -> Double {
        cblas_dnrm2(blasint(n), x, blasint(incx))
    }
    public static func gesddValues(_ m: Int, _ n: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int,
                                   _ s: UnsafeMutablePointer<Double>) -> Int {
        // A row-major m×n matrix is its n×m transpose in column-major order, with the same
        // singular values: calling the column-major routine avoids LAPACKE's transposing copy.
        Int(LAPACKE_dgesdd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), Int32(n), Int32(m),
                           a, Int32(lda), s, nil, 1, nil, 1))
    }
    public static func syevd(_ vectors: Bool, _ n: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int,
                             _ w: UnsafeMutablePointer<Double>) -> Int {
        Int(LAPACKE_dsyevd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: vectors ? "V" : "N")),
                           CChar(UInt8(ascii: "L")), Int32(n), a, Int32(lda), w))
    }
    public static func gelsd(_ m: Int, _ n: Int, _ nrhs: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int,
                             _ b: UnsafeMutablePointer<Double>, _ ldb: Int, _ s: UnsafeMutablePointer<Double>,
                             _ rcond: Double, _ rank: inout Int) -> Int {
        var r: Int32 = 0
        let info = LAPACKE_dgelsd(LAPACK_ROW_MAJOR, Int32(m), Int32(n), Int32(nrhs),
                                  a, Int32(lda), b, Int32(ldb), s, rcond, &r)
        rank = Int(r)
        return Int(info)
    }
}
