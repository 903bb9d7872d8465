import Testing
import Linalg

/// `leastSquares` with its default tolerance: the effective rank of a rank-deficient system and
/// the projection of the right-hand side onto the column space.
@Suite("LeastSquaresRank")
struct LeastSquaresRankTests {
    @Test func rankDeficientProjection() throws {
        // Columns 1 and 3 equal: rank 2. b = (1, 2, 5) projects onto span{(1,0,0), (0,1,0)}.
        let a = Matrix<Double>([[1, 0, 1], [0, 1, 0], [0, 0, 0]])
        let (x, rank) = try a.leastSquares([1, 2, 5])
        #expect(rank == 2)
        let fitted = a.times(x)
        #expect(abs(fitted[0] - 1) < 1e-14 && abs(fitted[1] - 2) < 1e-14 && abs(fitted[2]) < 1e-14)
        // least norm: the weight of the repeated column is split evenly
        #expect(abs(x[0] - 0.5) < 1e-14 && abs(x[2] - 0.5) < 1e-14)
    }
}
