import Testing
import Linalg
import Minima

/// One rank of `A∘X` for the certificate and the volume classifier.
@Suite("Rank agreement")
struct RankAgreementTests {
    /// X rows x₁ = (1, 0, 0), x₂ = (0, 1, 0), x₃ = (0, 0, δ); ReLU units w₁ = (1, 1, 1) (active
    /// on all three) and w₂ = (1, 1, −1) (active on x₁, x₂). The rows of `(A∘X)ᵀ` are
    /// (x₁, x₁), (x₂, x₂), (x₃, 0): orthogonal, so σ = √2, √2, δ and σ_min/σ_max = δ/√2.
    static func problem(delta: Double) -> (Network<Double>, Dataset<Double>) {
        let x = Matrix<Double>([[1, 0, 0], [0, 1, 0], [0, 0, delta]])
        var net = Network<Double>(shape: NetworkShape(d0: 3, hidden: [2], slope: 0, bias: false))
        net.parameters = [1, 1, 1, 1, 1, -1, 1, 1]   // W (2×3), then z
        return (net, Dataset(x: x, y: [1, -1, 1]))
    }

    @Test("where the old tolerances disagreed, certify and the volume classifier give one rank",
          arguments: [(1e-9, 3), (1e-12, 3), (1e-17, 2)])
    func certificateAndClassifierAgree(delta: Double, expected: Int) throws {
        let (net, data) = Self.problem(delta: delta)
        let relative = delta / 2.0.squareRoot()
        let tau = NumericalRank.relativeTolerance(rows: 3, columns: 6, as: Double.self)   // 6ε
        #expect(tau == 6 * Double.ulpOfOne)
        // The rules before: the volume code's rcond 1e-10, certify's Gram route (σ > √τ·σ_max, the
        // route its auto took for N ≤ p) and its SVD route (σ > τ·σ_max).
        let oldVolume = relative > 1e-10 ? 3 : 2
        let oldGram = relative > tau.squareRoot() ? 3 : 2
        let oldSVD = relative > tau ? 3 : 2
        if delta == 1e-9 { #expect(oldVolume == 3 && oldGram == 2) }    // σ between 1e-10 and √τ
        if delta == 1e-12 { #expect(oldVolume == 2 && oldSVD == 3) }    // σ between τ and 1e-10

        var options = CertificateOptions()
        options.hessian = false
        let certificate = try Certificate.make(network: net, data: data, options: options)
        let (pattern, _) = RegionPattern.of(weights: net.weight(0), inputs: data.x)
        let region = try RegionClassifier(data: data, slope: 0).classify(pattern)
        #expect(certificate.rank == expected)
        #expect(certificate.rankMethod == .svd)
        #expect(region.rank == expected)
        #expect(abs(certificate.tolerance! - tau * 2.0.squareRoot()) <= 1e-15 * tau)
        // The region fit uses the same τ: it fits y exactly exactly when the rank is N.
        #expect(certificate.regionFit!.effectiveRank == expected)
        #expect((region.mse <= 1e-20) == (expected == 3))
    }

    @Test("the volume tally's P(rank < N) counts the certificate's rank deficiency")
    func tallyFollowsTheRank() throws {
        for (delta, deficient) in [(1e-12, 0.0), (1e-17, 1.0)] {
            let (net, data) = Self.problem(delta: delta)
            let (pattern, _) = RegionPattern.of(weights: net.weight(0), inputs: data.x)
            var tally = AngularVolume(epsilons: [0])
            tally.add(try RegionClassifier(data: data, slope: 0).classify(pattern), weight: 1, samples: 3)
            #expect(tally.rankDeficient == deficient)
        }
    }

    @Test("at the volume study's sizes rank decisions are clear-cut: the old rcond 1e-10 gives the same ranks and fits")
    func studySizesAreFarFromEitherThreshold() throws {
        let data: Dataset<Double> = SyntheticData.gaussian(n: 12, d0: 3, seed: 1)
        var rng = SeededGenerator(seed: 5)
        var deficient = 0
        for _ in 0..<150 {
            let w = Matrix<Double>(rows: 8, columns: 3, elements: rng.normals(24))
            let (pattern, _) = RegionPattern.of(weights: w, inputs: data.x)
            let design = pattern.khatriRao(inputs: data.x, slope: 0)
            let rank = try design.rank()
            let m = design.explicitTransposed()
            let (u, oldRank) = try m.leastSquares(data.y, rcond: 1e-10)
            #expect(rank.rank == oldRank)
            #expect(rank.gap > 1e10)
            let fit = try RegionFit.solve(design, y: data.y, coding: data.coding, method: .dense)
            #expect(zip(m.times(u), fit.fitted).allSatisfy { abs($0 - $1) <= 1e-12 })
            if rank.rank < 12 { deficient += 1 }
        }
        #expect(deficient > 5)   // ReLU leaves some regions rank-deficient: both rules see them
    }
}
