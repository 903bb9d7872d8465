import Foundation
import Linalg
import Testing
import Minima
@testable import MinimaCore
@testable import MinimaData

@Suite struct PixelMomentsTests {
    /// Levels m (N×d, row-major) as the `Scalar` data `pixels` would make for divisor q.
    static func data<Scalar: LinalgScalar>(_ levels: [Int], rows: Int, divisor: Double, as: Scalar.Type = Scalar.self) -> Matrix<Scalar> {
        let grid = PixelGrid<Scalar>(divisor: divisor)!
        return Matrix(rows: rows, columns: levels.count / rows, elements: levels.map { grid.values[$0] })
    }

    /// The covariance and means of the exact values m/q from plain Int64 sums (no shift, no
    /// blocks): `C = (N·Σ m mᵀ − s sᵀ)/(N²q²)`, `μ = s/(N q)`, each rounded once.
    static func integerReference(_ levels: [Int], rows n: Int, divisor q: Double) -> (mean: [Double], covariance: [Double]) {
        let d = levels.count / n
        var s = [Int64](repeating: 0, count: d), ss = [Int64](repeating: 0, count: d * d)
        for i in 0..<n {
            for a in 0..<d {
                let ma = Int64(levels[i * d + a])
                s[a] += ma
                for b in 0..<d { ss[a * d + b] += ma * Int64(levels[i * d + b]) }
            }
        }
        let scale = Double(n) * Double(n) * q * q
        let c = (0..<(d * d)).map { k in Double(Int64(n) * ss[k] - s[k / d] * s[k % d]) / scale }
        return (s.map { Double($0) / (Double(n) * q) }, c)
    }

    /// Every byte maps to its own grid value and back, in both precisions; off-grid values,
    /// levels past 255 and negative values are refused.
    @Test func gridRecognisesExactlyThePixelValues() throws {
        let single = PixelGrid<Float>(divisor: 255)!, double = PixelGrid<Double>(divisor: 255)!
        for m in 0...255 {
            #expect(single.level(single.values[m]) == m && double.level(double.values[m]) == m)
            #expect(single.values[m] == Float(m) / 255 && double.values[m] == Double(m) / 255)
        }
        #expect(single.level(0.5 / 255) == nil && single.level(single.values[7].nextUp) == nil)
        #expect(single.level(256 / 255) == nil && single.level(-1 / 255) == nil)
        #expect(PixelGrid<Float>(divisor: 1)!.level(200) == 200)
        #expect(PixelGrid<Float>(divisor: 0) == nil && PixelGrid<Float>(divisor: 16_777_217) == nil)
        let images = TestImages.set(count: 3, channels: 1, height: 4, width: 4, classes: 2)
        let x = FeatureTransform.pixels(images, divisor: Float(255))
        #expect(x.elements == images.pixels.map { single.values[Int($0)] })
    }

    /// Random bytes, 2600 rows of 24 features (one worker: 3 blocks of up to 1024 rows; two: 2
    /// each): the covariance and means equal the exact integer formula bit for bit, and a
    /// two-pass Float64 covariance of the values m/255 to 1e-13.
    @Test(arguments: [1, 2])
    func covarianceEqualsTheExactIntegerFormula(_ workers: Int) throws {
        var rng = SeededGenerator(seed: 41)
        let n = 2600, d = 24
        // Correlated levels: a shared brightness plus per-feature noise, clipped to 0…255.
        let levels: [Int] = (0..<n).flatMap { _ -> [Int] in
            let brightness = Double(rng.next() % 256)
            return (0..<d).map { _ in max(0, min(255, Int(brightness + Double(rng.next() % 61) - 30))) }
        }
        let reference = Self.integerReference(levels, rows: n, divisor: 255)
        let single: Matrix<Float> = Self.data(levels, rows: n, divisor: 255)
        let moments = try #require(FeatureTransform.pixelMoments(single, grid: PixelGrid<Float>(divisor: 255)!, workers: workers))
        #expect(moments.covariance.elements == reference.covariance)
        #expect(moments.mean == reference.mean)
        let double: Matrix<Double> = Self.data(levels, rows: n, divisor: 255)
        let wide = try #require(FeatureTransform.pixelMoments(double, grid: PixelGrid<Double>(divisor: 255)!, workers: workers))
        #expect(wide.covariance == moments.covariance && wide.mean == moments.mean)
        var centred = double
        for i in 0..<n { for j in 0..<d { centred[i, j] -= reference.mean[j] } }
        let twoPass = centred.gram(.transposed, alpha: 1 / Double(n))
        let worst = zip(twoPass.elements, reference.covariance).map { abs($0 - $1) / abs($1) }.max()!
        #expect(worst < 1e-13)
        #expect(moments.covariance[0, 0] > 0.01)  // the shared brightness: variance ≈ (74/255)²
    }

    /// The block bound is tight: 1024 rows of level 0 (v = −128) make Σv² = 2²⁴ in one block,
    /// still exact in Float32; with one row of level 255 more in the same block the sum would be
    /// the odd 2²⁴ + 127², which Float32 cannot hold. The result is still the exact formula.
    @Test func blocksStopAtTheExactFloat32Bound() throws {
        #expect(FeatureTransform.exactPixelBlockRows * 128 * 128 == 1 << 24)
        let n = 1500
        let levels: [Int] = (0..<n).flatMap { i -> [Int] in [i < 1024 ? 0 : 255, i < 1024 ? 0 : 1, (i * 37) % 256] }
        let x: Matrix<Float> = Self.data(levels, rows: n, divisor: 255)
        let moments = try #require(FeatureTransform.pixelMoments(x, grid: PixelGrid<Float>(divisor: 255)!, workers: 1))
        let reference = Self.integerReference(levels, rows: n, divisor: 255)
        #expect(moments.covariance.elements == reference.covariance)
        #expect(moments.mean == reference.mean)
    }

    /// Data off the grid (one value between two levels, or pooled averages) are not taken as
    /// pixels: `pixelMoments` says nil and ZCA whitens exactly as without the divisor.
    @Test func offGridDataFallBackToTheWidenedCovariance() throws {
        var rng = SeededGenerator(seed: 42)
        let n = 600, d = 8
        let levels = (0..<(n * d)).map { _ in Int(rng.next() % 256) }
        var x: Matrix<Float> = Self.data(levels, rows: n, divisor: 255)
        let grid = PixelGrid<Float>(divisor: 255)!
        #expect(FeatureTransform.pixelMoments(x, grid: grid, workers: 1) != nil)
        x[n - 1, d - 1] = 0.5 / 255
        #expect(FeatureTransform.pixelMoments(x, grid: grid, workers: 1) == nil)
        var hinted = x, plain = x
        let w1 = try FeatureTransform.zcaWhiten(&hinted, epsilon: 1e-5, pixelDivisor: 255, workers: 1)
        let w2 = try FeatureTransform.zcaWhiten(&plain, epsilon: 1e-5, workers: 1)
        #expect(!w1.fromPixelLevels && !w2.fromPixelLevels)
        #expect(w1.eigenvalues == w2.eigenvalues && hinted == plain)
        // Still whitened: unit variance on every direction with λ ≫ ε.
        let c = hinted.gram(.transposed, alpha: 1 / Float(n))
        #expect(abs(c[0, 0] - 1) < 1e-3)
    }

    /// Pixel data with a spectrum from ~0.4 down to ~2e-6 (three smooth patterns plus the 8-bit
    /// quantisation noise, below ε = 1e-5): whitened in Float32 from the exact levels, each
    /// output is an independent Float64 whitening of the values m/255 rounded once (2⁻²⁴
    /// relative); whitening the same Float32 numbers without the pixel path (taking each value
    /// as the Float32 number it is) misses by the Float32 rounding of the inputs times W.
    @Test func pixelWhiteningIsTheFloat64WhiteningOfTheLevels() throws {
        var rng = SeededGenerator(seed: 43)
        let n = 3000, d = 40
        let levels: [Int] = (0..<n).flatMap { _ -> [Int] in
            let a = rng.normal(), b = rng.normal(), c = rng.normal()
            return (0..<d).map { j in
                let t = Double(j) / Double(d)
                let value = 128 + 40 * a + 25 * b * cos(3 * t) + 15 * c * sin(7 * t) + 0.3 * rng.normal()
                return max(0, min(255, Int(value.rounded())))
            }
        }
        var single: Matrix<Float> = Self.data(levels, rows: n, divisor: 255)
        var double: Matrix<Double> = Self.data(levels, rows: n, divisor: 255)
        var unhinted = single
        // Two workers for one of them: exact sums do not depend on how the rows are shared.
        let w32 = try FeatureTransform.zcaWhiten(&single, epsilon: 1e-5, pixelDivisor: 255, workers: 2)
        let w64 = try FeatureTransform.zcaWhiten(&double, epsilon: 1e-5, pixelDivisor: 255, workers: 1)
        _ = try FeatureTransform.zcaWhiten(&unhinted, epsilon: 1e-5, workers: 1)
        #expect(w32.fromPixelLevels && w64.fromPixelLevels)
        // Both pipelines decompose the same exact covariance, so they agree to the rounding of
        // `dsyevd`, which depends on OpenBLAS's thread count (a test running alongside may set
        // it): eigenvalues to 1e-13·λ_max, whitened values to one Float32 rounding plus 1e-9.
        let lambdaMax = w64.eigenvalues.max()!
        #expect(zip(w32.eigenvalues, w64.eigenvalues).allSatisfy { abs($0 - $1) <= 1e-13 * lambdaMax })
        #expect(w64.eigenvalues.min()! < 1e-5 && lambdaMax > 0.1)
        #expect(zip(single.elements, double.elements).allSatisfy { abs(Double($0) - $1) <= 0x1p-24 * abs($1) + 1e-9 })
        // Independent reference: plain Float64 formulas on m/255.
        var centred = Matrix<Double>(rows: n, columns: d, elements: levels.map { Double($0) / 255 })
        let mu = FeatureTransform.featureMeans(centred)
        for i in 0..<n { for j in 0..<d { centred[i, j] -= mu[j] } }
        let (lambda, ut) = try centred.gram(.transposed, alpha: 1 / Double(n)).symmetricEigenRows(vectors: true)
        var vt = ut!
        for k in 0..<d { for j in 0..<d { vt[k, j] *= pow(max(lambda[k], 0) + 1e-5, -0.25) } }
        let reference = Matrix.product(centred, vt.gram(.transposed))
        var worst = 0.0, worstHinted = 0.0, worstUnhinted = 0.0, largest = 0.0
        for k in reference.elements.indices {
            let y = reference.elements[k]
            worst = max(worst, abs(Double(single.elements[k]) - y) - 0x1p-24 * abs(y))
            worstHinted = max(worstHinted, abs(Double(single.elements[k]) - y))
            worstUnhinted = max(worstUnhinted, abs(Double(unhinted.elements[k]) - y))
            largest = max(largest, abs(y))
        }
        #expect(worst <= 1e-9 && largest > 3)
        #expect(worstUnhinted > 5 * worstHinted)
    }

    /// Through the data pipeline: unpooled images are whitened from their exact levels (the
    /// step's note says so), pooled ones from the widened covariance.
    @Test func imageDataUseTheExactPathUnlessPooled() throws {
        let folder = TemporaryFolder(); defer { folder.cleanup() }
        let train = TestImages.set(count: 40, channels: 1, height: 2, width: 4, classes: 10)
        TestImages.writeMNIST(train, TestImages.set(count: 10, channels: 1, height: 2, width: 4, classes: 10), into: folder, gzip: false)
        var spec = TestImages.mnistSpec(folder)
        spec.preprocessing.zca = true
        let (_, report) = try spec.loadWithReport(as: Float.self)
        #expect(report.steps.first { $0.name == "zca" }?.note.contains("exact, from 8-bit levels") == true)
        spec.preprocessing.pool = 2
        let (_, pooled) = try spec.loadWithReport(as: Float.self)
        #expect(pooled.steps.first { $0.name == "zca" }?.note.contains("8-bit") == false)
    }
}
