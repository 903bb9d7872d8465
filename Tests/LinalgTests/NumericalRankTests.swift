import Testing
import Linalg

/// The one rank tolerance `max(m, n)·ε·σ_max`, by `rank()` and by `leastSquares`.
@Suite("Numerical rank")
struct NumericalRankTests {
    @Test("known ranks: the tolerance is max(m, n)·ε·σ_max")
    func knownRanks() throws {
        let a = Matrix<Double>([[2, 0, 0], [0, 1, 0], [0, 0, 1e-15]])
        let r = try a.rank()
        #expect(r.tolerance == 3 * Double.ulpOfOne * 2)
        #expect(r.rank == 2)   // 1e-15 ≤ 1.33e-15
        #expect(try Matrix<Double>([[2, 0, 0], [0, 1, 0], [0, 0, 2e-15]]).rank().rank == 3)
        // 3×5: max(m, n) = 5. Row 3 = row 1 + row 2, so rank 2 exactly.
        let wide = Matrix<Double>([[1, 2, 3, 4, 5], [0, 1, 0, 1, 0], [1, 3, 3, 5, 5]])
        let w = try wide.rank()
        #expect(w.rank == 2)
        #expect(w.tolerance == 5 * Double.ulpOfOne * w.singularValues[0])
        #expect(try Matrix<Double>(rows: 4, columns: 2).rank().rank == 0)
        // Float32: ε = 1.19e-7, so 1e-6 counts and 1e-7 does not (2×2: tolerance 2.4e-7).
        #expect(try Matrix<Float>([[1, 0], [0, 1e-6]]).rank().rank == 2)
        #expect(try Matrix<Float>([[1, 0], [0, 1e-7]]).rank().rank == 1)
    }

    @Test("leastSquares treats as zero exactly the singular values rank() does")
    func leastSquaresUsesTheSameTolerance() throws {
        // σ₃ = 4e-16 lies between ε (LAPACK's machine-precision rcond) and 3ε: not a rank.
        let a = Matrix<Double>([[1, 0, 0], [0, 1, 0], [0, 0, 4e-16]])
        let (x, rank) = try a.leastSquares([1, 1, 1])
        #expect(rank == 2)
        #expect(try a.rank().rank == 2)
        #expect(x[2] == 0)   // the least-norm solution ignores the direction treated as zero
        let b = Matrix<Double>([[1, 0, 0], [0, 1, 0], [0, 0, 1e-15]])
        #expect(try b.leastSquares([1, 1, 1]).rank == 3)
        #expect(try b.rank().rank == 3)
    }
}
