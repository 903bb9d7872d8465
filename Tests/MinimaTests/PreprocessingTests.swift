import Foundation
import Linalg
import Testing
import Minima
@testable import MinimaCore
@testable import MinimaData

@Suite struct PreprocessingTests {
    /// Correlated Gaussian data X = G·A (N = 400, d = 6): after ZCA its covariance is
    /// U·diag(λ/(λ+ε))·Uᵀ; with ε = 1e-5 and λ ≥ ~0.05 that is I up to ε/λ ≈ 2e-4.
    @Test func zcaGivesIdentityCovariance() throws {
        var rng = SeededGenerator(seed: 1)
        let g = Matrix<Double>(rows: 400, columns: 6, elements: rng.normals(2400))
        let a = Matrix<Double>(rows: 6, columns: 6, elements: rng.normals(36))
        var x = Matrix.product(g, .none, a, .none)
        for i in 0..<x.rows { for j in 0..<6 { x[i, j] += Double(j) } }  // non-zero means
        let w = try FeatureTransform.zcaWhiten(&x, epsilon: 1e-5)
        let covariance = x.gram(.transposed, alpha: 1 / 400)
        let smallest = w.eigenvalues.min()!
        #expect(smallest > 0.01)
        for i in 0..<6 {
            for j in 0..<6 {
                let expected = i == j ? 1.0 : 0.0
                #expect(abs(covariance[i, j] - expected) <= 1e-5 / smallest + 1e-10)
            }
        }
        // ZCA is the symmetric whitening: the map W is symmetric, so X stays "close" to the
        // original (unlike PCA whitening); the means are 0.
        #expect(FeatureTransform.featureMeans(x).allSatisfy { abs($0) < 1e-12 })
        // A larger ε shrinks each direction's variance to λ/(λ+ε) < 1.
        var y = Matrix.product(g, .none, a, .none)
        let big = try FeatureTransform.zcaWhiten(&y, epsilon: 1)
        let eigen = try y.gram(.transposed, alpha: 1 / 400).symmetricEigenvalues()
        let predicted = big.eigenvalues.map { $0 / ($0 + 1) }
        for (e, p) in zip(eigen, predicted) { #expect(abs(e - p) < 1e-10) }
    }

    @Test func zcaInFloatOnALargerCase() throws {
        var rng = SeededGenerator(seed: 2)
        var x = Matrix<Float>(rows: 2000, columns: 40, elements: rng.normals(80_000))
        for i in 0..<x.rows { x[i, 0] *= 10; x[i, 1] = x[i, 0] + 0.1 * x[i, 1] }
        _ = try FeatureTransform.zcaWhiten(&x, epsilon: 1e-5)
        let c = x.gram(.transposed, alpha: 1 / 2000)
        var worst: Float = 0
        for i in 0..<40 { for j in 0..<40 { worst = max(worst, abs(c[i, j] - (i == j ? 1 : 0))) } }
        #expect(worst < 2e-3)  // Float32 rounding of a condition-number-1e4 covariance
    }

    /// Float32 data with variances from 1 down to 1e-8 (below ε = 1e-5, where whitening scales
    /// by up to 1/√ε ≈ 316): whitened in Float32, it equals the Float64 whitening of the same
    /// numbers up to one rounding of each output (2⁻²⁴ relative), because every step runs in
    /// Float64. Accumulating the covariance or the product in Float32 would miss by ~1e-4.
    /// One worker: split between workers, the sums' order (so their last bits) would follow the
    /// BLAS thread count, which concurrently running tests change.
    @Test func zcaInFloatIsFloat64WhiteningRoundedOnce() throws {
        var rng = SeededGenerator(seed: 5)
        let n = 3000, d = 40
        let g = Matrix<Double>(rows: n, columns: d, elements: rng.normals(n * d))
        let a = Matrix<Double>(rows: d, columns: d, elements: rng.normals(d * d))
        var mixed = Matrix.product(g, .none, a, .none)
        for i in 0..<n { for j in 0..<d { mixed[i, j] = 0.5 + mixed[i, j] * pow(10, -4 * Double(j) / Double(d - 1)) } }
        var single = mixed.converted(to: Float.self)
        var double = single.converted(to: Double.self)
        let w32 = try FeatureTransform.zcaWhiten(&single, epsilon: 1e-5, workers: 1)
        let w64 = try FeatureTransform.zcaWhiten(&double, epsilon: 1e-5, workers: 1)
        #expect(w32.eigenvalues == w64.eigenvalues)
        #expect(w64.eigenvalues.min()! < 1e-6 && w64.eigenvalues.max()! > 1)
        var worst = 0.0, largest = 0.0
        for k in double.elements.indices {
            worst = max(worst, abs(Double(single.elements[k]) - double.elements[k]))
            largest = max(largest, abs(double.elements[k]))
            // Each output is the Float64 value rounded to Float32, nothing more.
            #expect(single.elements[k] == Float(double.elements[k]))
        }
        #expect(worst <= 0x1p-24 * largest && largest > 1)
    }

    /// Float32 rows widened to Float64 block by block (d = 600: 873-row blocks, so 2000 rows
    /// take several) and centred on the way: the covariance and the product equal Float64
    /// products of the centred matrix.
    @Test(arguments: [1, 2])
    func covarianceAndProductWidenBlocksOfFloatRows(_ workers: Int) {
        var rng = SeededGenerator(seed: 32)
        let n = 2000, d = 600
        let draws: [Float] = rng.normals(n * d, scale: 1)
        let x = Matrix<Float>(rows: n, columns: d, elements: draws.map { 3 + $0 })
        let mu = FeatureTransform.featureMeansInFloat64(x)
        var centred = x.converted(to: Double.self)
        for i in 0..<n { for j in 0..<d { centred[i, j] -= mu[j] } }
        let c = FeatureTransform.covariance(x, minus: mu, alpha: 1 / Double(n), workers: workers)
        let expected = centred.gram(.transposed, alpha: 1 / Double(n))
        let cError = zip(c.elements, expected.elements).map { abs($0 - $1) }.max()!
        #expect(cError < 1e-13)
        #expect(abs(c[0, 0] - 1) < 0.1)   // unit variances: the 3 was removed
        let w = Matrix<Double>(rows: d, columns: d, elements: rng.normals(d * d, scale: 0.05))
        var y = x
        FeatureTransform.multiplyInPlace(&y, minus: mu, by: w, workers: workers)
        let product = Matrix.product(centred, w)
        // Rounded once: within half a Float32 ulp of the Float64 product (plus its own rounding).
        for k in stride(from: 0, to: y.elements.count, by: 97) {
            let exact: Double = product.elements[k]
            #expect(abs(Double(y.elements[k]) - exact) <= 0x1p-24 * abs(exact) + 1e-12)
        }
    }

    /// The worker-split covariance and in-place product against plain formulas, with one and
    /// two workers sharing the 1100 rows.
    @Test(arguments: [1, 2])
    func covarianceAndProductSplitOverWorkers(_ workers: Int) {
        #expect(RowWorkers.count(rows: 1100, requested: workers) == workers)
        var rng = SeededGenerator(seed: 31)
        let x = Matrix<Double>(rows: 1100, columns: 7, elements: rng.normals(1100 * 7, scale: 1))
        let c = FeatureTransform.covariance(x, alpha: 0.5, workers: workers)
        for i in 0..<7 {
            for j in 0..<7 {
                var s = 0.0
                for n in 0..<1100 { s += x[n, i] * x[n, j] }
                #expect(abs(c[i, j] - 0.5 * s) < 1e-10 * max(1, abs(s)), "C[\(i), \(j)] with \(workers) workers")
            }
        }
        let w = Matrix<Double>(rows: 7, columns: 7, elements: rng.normals(49, scale: 1))
        var y = x
        FeatureTransform.multiplyInPlace(&y, by: w, workers: workers)
        let expected = Matrix.product(x, w)
        for k in y.elements.indices { #expect(abs(y.elements[k] - expected.elements[k]) < 1e-12) }
    }

    @Test func averagePoolingTwoByTwo() {
        // One image, 2 channels of 3×4 (the last odd row is dropped).
        let channel0: [Double] = [1, 2, 3, 4,
                                  5, 6, 7, 8,
                                  9, 9, 9, 9]
        let channel1 = channel0.map { $0 * 10 }
        let x = Matrix<Double>(rows: 1, columns: 24, elements: channel0 + channel1)
        let pooled = FeatureTransform.averagePool(x, channels: 2, height: 3, width: 4, factor: 2)
        #expect(pooled.height == 1 && pooled.width == 2)
        #expect(pooled.x.elements == [3.5, 5.5, 35, 55])
    }

    @Test func standardizeAndCenter() {
        var x = Matrix<Double>([[1, 5, 2], [3, 5, 4], [5, 5, 9]])
        let constant = FeatureTransform.standardize(&x)
        #expect(constant == 1)
        #expect(x.column(1) == [0, 0, 0])
        let sigma0 = (8.0 / 3).squareRoot()
        #expect(zip(x.column(0), [-2 / sigma0, 0, 2 / sigma0]).allSatisfy { abs($0 - $1) < 1e-12 })
        var y = Matrix<Double>([[1, 2], [3, 6]])
        #expect(FeatureTransform.center(&y) == [2, 4])
        #expect(y.elements == [-1, -2, 1, 2])
    }

    @Test func randomProjectionIsSeededAndKeepsNorms() {
        var rng = SeededGenerator(seed: 3)
        let x = Matrix<Double>(rows: 50, columns: 300, elements: rng.normals(15_000))
        var a = x, b = x, c = x
        FeatureTransform.project(&a, to: 2000, seed: 9)
        FeatureTransform.project(&b, to: 2000, seed: 9)
        FeatureTransform.project(&c, to: 2000, seed: 10)
        // Same seed, same R: equal up to the rounding of BLAS's blocking, which may follow the
        // thread count other tests set concurrently; another seed gives another R.
        #expect(a.columns == 2000)
        #expect(zip(a.elements, b.elements).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($0)) })
        #expect(zip(a.elements, c.elements).filter { abs($0 - $1) > 1e-3 }.count > 90_000)
        // E‖Rᵀx‖² = ‖x‖²; with k = 2000 the relative spread of one norm is √(2/k) ≈ 3%.
        let ratio = Double(a.frobeniusNorm / x.frobeniusNorm)
        #expect(abs(ratio - 1) < 0.03)
    }

    /// The whole pipeline through DataSpec: pool, ZCA and projection set d0.
    @Test func pipelineShapes() throws {
        let folder = TemporaryFolder(); defer { folder.cleanup() }
        let train = TestImages.set(count: 40, channels: 1, height: 4, width: 6, classes: 10)
        TestImages.writeMNIST(train, train, into: folder, gzip: false)
        var spec = TestImages.mnistSpec(folder)
        spec.preprocessing.pool = 2
        let pooled: Dataset<Float> = try spec.load()
        #expect(pooled.d0 == 6)
        spec.preprocessing.project = 5
        spec.preprocessing.zca = true
        let (projected, report) = try spec.loadWithReport(as: Float.self)
        #expect(projected.d0 == 5 && projected.n == 40)
        #expect(report.steps.map(\.name) == ["read", "scale", "pool", "zca", "project"])
    }
}
