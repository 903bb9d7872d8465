/// A LAPACK routine reported failure (`info ≠ 0`).
public struct LAPACKError: Error, CustomStringConvertible, Sendable {
    public let routine: String
    public let info: Int
    public var description: String {
        info < 0 ? "\(routine): argument \(-info) was invalid"
                 : "\(routine): the algorithm did not converge (info = \(info))"
    }
}

/// The numerical rank of a matrix and how it was decided.
public struct NumericalRank: Sendable, Equatable {
    /// Number of singular values above `tolerance`.
    public let rank: Int
    /// The threshold used: singular values `σ > tolerance` count.
    public let tolerance: Double
    /// All singular values, descending.
    public let singularValues: [Double]

    /// The one rank tolerance, relative to σ_max, of an m×n matrix in `Scalar`'s precision:
    /// `max(m, n)·ε`. A backward-stable SVD (LAPACK's `?gesdd`, `?gelsd`) computes the singular
    /// values of a matrix within `max(m, n)·ε·σ_max` of the exact ones (up to a modest constant),
    /// so a singular value `σ ≤ max(m, n)·ε·σ_max` cannot be told from zero: the rule of
    /// LAPACK's rank-revealing drivers, `numpy.linalg.matrix_rank` and MATLAB's `rank`. `rank`,
    /// `leastSquares` and the rank of `A∘X` (every route) all use it.
    public static func relativeTolerance<Scalar: LinalgScalar>(rows: Int, columns: Int, as: Scalar.Type) -> Double {
        Double(Swift.max(rows, columns)) * Double(Scalar.ulpOfOne)
    }
}

extension Matrix {
    /// Singular values, descending (`?gesdd` with jobz = 'N').
    public func singularValues() throws -> [Scalar] {
        let k = Swift.min(rows, columns)
        guard k > 0 else { return [] }
        var a = elements
        var s = [Scalar](repeating: 0, count: k)
        let info = a.withUnsafeMutableBufferPointer { pa in
            s.withUnsafeMutableBufferPointer { ps in
                Scalar.gesddValues(rows, columns, pa.baseAddress!, columns, ps.baseAddress!)
            }
        }
        guard info == 0 else { throw LAPACKError(routine: "?gesdd", info: info) }
        return s
    }

    /// Numerical rank: the number of singular values above `tolerance` (`?gesdd`); by default
    /// `NumericalRank.relativeTolerance`·σ_max = `max(m, n)·ε·σ_max`.
    public func rank(tolerance: Double? = nil) throws -> NumericalRank {
        let s = try singularValues().map { Double($0) }
        let sMax = s.first ?? 0
        let tol = tolerance ?? NumericalRank.relativeTolerance(rows: rows, columns: columns, as: Scalar.self) * sMax
        return NumericalRank(rank: s.filter { $0 > tol }.count, tolerance: tol, singularValues: s)
    }

    /// Eigen-decomposition of a symmetric matrix (`?syevd`; only the upper triangle is read):
    /// eigenvalues ascending and, if asked, the orthonormal eigenvectors as the columns of a matrix.
    public func symmetricEigen(vectors: Bool = true) throws -> (values: [Scalar], vectors: Matrix?) {
        let (values, rows) = try symmetricEigenRows(vectors: vectors)
        return (values, rows?.transposed)
    }

    /// `symmetricEigen` with the eigenvectors as the **rows** of the matrix (`Uᵀ`): what `?syevd`
    /// leaves in row-major storage, without a transposing copy.
    public func symmetricEigenRows(vectors: Bool = true) throws -> (values: [Scalar], rows: Matrix?) {
        precondition(rows == columns, "symmetricEigen needs a square matrix, got \(rows)×\(columns)")
        let n = rows
        guard n > 0 else { return ([], vectors ? self : nil) }
        var a = self
        var w = [Scalar](repeating: 0, count: n)
        let info = a.elements.withUnsafeMutableBufferPointer { pa in
            w.withUnsafeMutableBufferPointer { pw in
                Scalar.syevd(vectors, n, pa.baseAddress!, n, pw.baseAddress!)
            }
        }
        guard info == 0 else { throw LAPACKError(routine: "?syevd", info: info) }
        return (w, vectors ? a : nil)
    }

    /// Eigenvalues of a symmetric matrix, ascending (`?syevd`, jobz = 'N').
    public func symmetricEigenvalues() throws -> [Scalar] { try symmetricEigen(vectors: false).values }

    /// Minimum-norm least-squares solution of `A·x ≈ b` (`?gelsd`, SVD-based), with the
    /// effective rank LAPACK used. `rcond`: singular values `σ ≤ rcond·σ_max` are treated as zero;
    /// nil means the rank tolerance `NumericalRank.relativeTolerance` (`max(m, n)·ε`), so the
    /// effective rank is `rank()`'s.
    public func leastSquares(_ b: [Scalar], rcond: Scalar? = nil) throws -> (solution: [Scalar], rank: Int) {
        precondition(b.count == rows, "right-hand side has \(b.count) entries, matrix has \(rows) rows")
        let m = rows, n = columns
        guard m > 0, n > 0 else { return ([Scalar](repeating: 0, count: n), 0) }
        var a = elements
        var rhs = [Scalar](repeating: 0, count: Swift.max(m, n))
        for i in 0..<m { rhs[i] = b[i] }
        var s = [Scalar](repeating: 0, count: Swift.min(m, n))
        var rank = 0
        let info = a.withUnsafeMutableBufferPointer { pa in
            rhs.withUnsafeMutableBufferPointer { pb in
                s.withUnsafeMutableBufferPointer { ps in
                    Scalar.gelsd(m, n, 1, pa.baseAddress!, n, pb.baseAddress!, 1, ps.baseAddress!,
                                 rcond ?? Scalar(NumericalRank.relativeTolerance(rows: m, columns: n, as: Scalar.self)), &rank)
                }
            }
        }
        guard info == 0 else { throw LAPACKError(routine: "?gelsd", info: info) }
        return (Array(rhs[0..<n]), rank)
    }
}
