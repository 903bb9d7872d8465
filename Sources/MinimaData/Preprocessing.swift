import Foundation
import Linalg
import MinimaCore

/// How pixels become the inputs `x_n` (rows of X, N×d0), in the order applied:
/// scale → pool → centre / standardise → ZCA-whiten → project. Statistics (means, standard
/// deviations, the covariance) are those of the very samples being trained on.
public struct Preprocessing: Codable, Equatable, Sendable {
    /// Pixel scale: `unit` divides bytes by 255 (pixels in [0, 1]), `raw` keeps 0…255.
    public enum PixelScale: String, Codable, Sendable, CaseIterable { case unit, raw }

    public var scale: PixelScale = .unit
    /// Average pooling over `pool × pool` blocks of each channel (1: none).
    public var pool: Int = 1
    /// Subtract each feature's mean.
    public var center: Bool = false
    /// Subtract each feature's mean and divide by its standard deviation.
    public var standardize: Bool = false
    /// ZCA whitening with regulariser `zcaEpsilon`.
    public var zca: Bool = false
    /// ε added to the covariance eigenvalues λ before `1/√(λ+ε)`. For pixels in [0, 1] the
    /// eigenvalues of CIFAR-10's covariance run from 55 down to 2e-6 (1195 of 3072 below 1e-5,
    /// 2575 below 1e-2); ε = 1e-5 whitens nearly fully (the data then look like the theory's
    /// isotropic input); ε = 1e-2 leaves most directions damped (see docs/datasets.md).
    public var zcaEpsilon: Double = 1e-5
    /// Seeded Gaussian random projection to this many features (nil: none).
    public var project: Int? = nil

    public init() {}

    private enum CodingKeys: String, CodingKey { case scale, pool, center, standardize, zca, zcaEpsilon, project }

    /// Decodes the steps; missing fields take their defaults (so hand-written specs may name only some).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        scale = try c.decodeIfPresent(PixelScale.self, forKey: .scale) ?? .unit
        pool = try c.decodeIfPresent(Int.self, forKey: .pool) ?? 1
        center = try c.decodeIfPresent(Bool.self, forKey: .center) ?? false
        standardize = try c.decodeIfPresent(Bool.self, forKey: .standardize) ?? false
        zca = try c.decodeIfPresent(Bool.self, forKey: .zca) ?? false
        zcaEpsilon = try c.decodeIfPresent(Double.self, forKey: .zcaEpsilon) ?? 1e-5
        project = try c.decodeIfPresent(Int.self, forKey: .project)
    }

    public func validate() throws {
        guard pool >= 1 else { throw MinimaError.invalidValue(field: .pool, message: "must be ≥ 1 (2 = 2×2 average pooling), got \(pool)") }
        guard zcaEpsilon > 0, zcaEpsilon.isFinite else {
            throw MinimaError.invalidValue(field: .zcaEpsilon, message: "must be a positive number, got \(zcaEpsilon)")
        }
        if let d = project, d <= 0 { throw MinimaError.invalidValue(field: .project, message: "must be a positive dimension d0, got \(d)") }
        if center && standardize {
            throw MinimaError.invalidValue(field: .center, message: "is implied by --standardize; give one of them")
        }
    }
}

/// The preprocessing steps as functions on X (N×d0, one sample per row).
public enum FeatureTransform {
    /// Bytes to a Matrix, one image per row, each byte p as the `Scalar` nearest `p/divisor`
    /// (255 for pixels in [0, 1]): the values `PixelGrid` recognises.
    public static func pixels<Scalar: LinalgScalar>(_ images: ImageSet, divisor: Scalar) -> Matrix<Scalar> {
        guard let table = PixelGrid<Scalar>(divisor: Double(divisor))?.values else { preconditionFailure("the divisor must be positive") }
        // Written once, straight from the bytes (no zero fill first: 614 MB for CIFAR-10).
        let elements = images.pixels.withUnsafeBufferPointer { src in
            table.withUnsafeBufferPointer { value in
                [Scalar](unsafeUninitializedCapacity: src.count) { dst, initialized in
                    for i in 0..<src.count { dst[i] = value[Int(src[i])] }
                    initialized = src.count
                }
            }
        }
        return Matrix(rows: images.count, columns: images.imageSize, elements: elements)
    }

    /// Average pooling over `k × k` blocks of each channel of planar images of size
    /// `channels × height × width`; a last partial row or column of blocks is dropped (as
    /// PyTorch's `avg_pool2d` does). Returns the pooled matrix and the new height and width.
    public static func averagePool<Scalar: LinalgScalar>(_ x: Matrix<Scalar>, channels: Int, height: Int, width: Int,
                                                        factor k: Int) -> (x: Matrix<Scalar>, height: Int, width: Int) {
        let ph = height / k, pw = width / k
        var out = Matrix<Scalar>(rows: x.rows, columns: channels * ph * pw)
        let weight = 1 / Scalar(k * k)
        x.elements.withUnsafeBufferPointer { src in
            out.elements.withUnsafeMutableBufferPointer { dst in
                for n in 0..<x.rows {
                    for c in 0..<channels {
                        let plane = src.baseAddress! + n * x.columns + c * height * width
                        let target = dst.baseAddress! + n * out.columns + c * ph * pw
                        for i in 0..<ph {
                            for j in 0..<pw {
                                var sum: Scalar = 0
                                for a in 0..<k { for b in 0..<k { sum += plane[(i * k + a) * width + j * k + b] } }
                                target[i * pw + j] = sum * weight
                            }
                        }
                    }
                }
            }
        }
        return (out, ph, pw)
    }

    /// Per-feature means `μ = Xᵀ·1/N` (`?gemv`).
    public static func featureMeans<Scalar: LinalgScalar>(_ x: Matrix<Scalar>) -> [Scalar] {
        let ones = [Scalar](repeating: 1 / Scalar(x.rows), count: x.rows)
        return x.times(ones, .transposed)
    }

    /// Subtracts `μ` from every row (a rank-one `?gemm` update `X ← X − 1·μᵀ`).
    public static func subtract<Scalar: LinalgScalar>(_ mu: [Scalar], from x: inout Matrix<Scalar>) {
        let ones = Matrix<Scalar>(rows: x.rows, columns: 1, repeating: 1)
        let row = Matrix<Scalar>(rows: 1, columns: x.columns, elements: mu)
        Matrix.multiply(ones, .none, row, .none, into: &x, alpha: -1, beta: 1)
    }

    /// Centres every feature; returns the means removed.
    @discardableResult
    public static func center<Scalar: LinalgScalar>(_ x: inout Matrix<Scalar>) -> [Scalar] {
        let mu = featureMeans(x)
        subtract(mu, from: &x)
        return mu
    }

    /// Centres every feature and divides it by its standard deviation σ (population, 1/N).
    /// A feature with σ ≤ 1e-6·(1 + |μ|) is constant up to rounding (e.g. an always-black border
    /// pixel); it is centred to 0 and left unscaled instead of being blown up by 1/σ.
    /// Returns the number of such constant features.
    @discardableResult
    public static func standardize<Scalar: LinalgScalar>(_ x: inout Matrix<Scalar>) -> Int {
        let mu = center(&x)
        let n = x.rows, d = x.columns
        var sumSquares = [Scalar](repeating: 0, count: d)
        x.elements.withUnsafeBufferPointer { px in
            sumSquares.withUnsafeMutableBufferPointer { s in
                for i in 0..<n { let row = px.baseAddress! + i * d; for j in 0..<d { s[j] += row[j] * row[j] } }
            }
        }
        var constant = 0
        let factors: [Scalar] = (0..<d).map { j in
            let sigma = (sumSquares[j] / Scalar(n)).squareRoot()
            if sigma <= Scalar(1e-6) * (1 + abs(mu[j])) { constant += 1; return 1 }
            return 1 / sigma
        }
        x.elements.withUnsafeMutableBufferPointer { px in
            factors.withUnsafeBufferPointer { f in
                for i in 0..<n { let row = px.baseAddress! + i * d; for j in 0..<d { row[j] *= f[j] } }
            }
        }
        return constant
    }

    /// What ZCA whitening found: the covariance eigenvalues λ (ascending), ε, whether the means
    /// and covariance came exactly from 8-bit pixel levels, and the seconds spent on the
    /// covariance, the eigen-decomposition and forming and applying W.
    public struct Whitening: Sendable {
        public var eigenvalues: [Double]
        public var epsilon: Double
        public var fromPixelLevels = false
        public var seconds: (covariance: Double, eigen: Double, apply: Double) = (0, 0, 0)
    }

    /// ZCA whitening: the means μ, the covariance `C = (X − 1μᵀ)ᵀ(X − 1μᵀ)/N`, its
    /// decomposition `C = U·diag(λ)·Uᵀ` (`dsyevd`), and `X ← (X − 1μᵀ)·W` with
    /// `W = U·diag(1/√(λ+ε))·Uᵀ` (formed as `V·Vᵀ`, `V = U·diag((λ+ε)^(−1/4))`, by `dsyrk`; applied
    /// by `dgemm`). Every step runs in Float64 whatever `Scalar` is, and the whitened rows are
    /// rounded to `Scalar` once, at the end.
    ///
    /// When `pixelDivisor` q is given and every value of X is the `Scalar` nearest `m/q` for an
    /// 8-bit level m (`PixelGrid`: pixels as `pixels` makes them, before pooling or centring), μ
    /// and C are those of the exact values `m/q`, from integer sums that a Float32 `ssyrk` forms
    /// exactly (`pixelMoments`), and W is applied to the exact `m/q − μ`: the whitening is that of
    /// the pixels themselves, not of their rounding to `Scalar` (which W, with entries up to
    /// 1/√ε, amplifies). Otherwise μ and C are summed by `dsyrk` over blocks of rows widened to
    /// Float64.
    ///
    /// In Float32 the covariance's rounding error (about u·λ_max ≈ 6e-8 · 55 ≈ 3e-6 on
    /// CIFAR-10 in [0, 1]) is as large as the ~1,200 eigenvalues below ε = 1e-5 that whitening
    /// scales up most, and the product X·W, whose entries reach 1/√ε ≈ 316, loses about
    /// u·‖x‖·‖w‖ ≈ 1e-4 to cancellation: a Float32 pipeline whitens a measurably different data set.
    /// The whitened covariance is `U·diag(λ/(λ+ε))·Uᵀ`: the identity on directions with λ ≫ ε.
    /// Eigenvalues below 0 (rounding, for rank-deficient X) are taken as 0.
    /// `workers`: how many `RowWorkers` share the rows (default one per BLAS thread).
    public static func zcaWhiten<Scalar: LinalgScalar>(_ x: inout Matrix<Scalar>, epsilon: Double,
                                                      pixelDivisor: Double? = nil, workers: Int? = nil) throws -> Whitening {
        let t0 = Date()
        let grid = pixelDivisor.flatMap { PixelGrid<Scalar>(divisor: $0) }
        let exact = grid.flatMap { pixelMoments(x, grid: $0, workers: workers) }
        let mu = exact?.mean ?? featureMeansInFloat64(x)
        let covariance = exact?.covariance ?? covariance(x, minus: mu, alpha: 1 / Double(x.rows), workers: workers)
        let t1 = Date()
        let (lambda, ut) = try covariance.symmetricEigenRows(vectors: true)
        let t2 = Date()
        // Vᵀ = diag((λ+ε)^(−1/4))·Uᵀ (row k of Uᵀ is eigenvector k); W = V·Vᵀ = (Vᵀ)ᵀ·Vᵀ.
        let d = x.columns
        var vt = ut!
        vt.elements.withUnsafeMutableBufferPointer { pu in
            for k in 0..<d {
                let f = pow(max(lambda[k], 0) + epsilon, -0.25)
                for j in 0..<d { pu[k * d + j] *= f }
            }
        }
        multiplyInPlace(&x, minus: mu, by: vt.gram(.transposed), grid: exact == nil ? nil : grid, workers: workers)
        return Whitening(eigenvalues: lambda, epsilon: epsilon, fromPixelLevels: exact != nil,
                         seconds: (t1.timeIntervalSince(t0), t2.timeIntervalSince(t1), Date().timeIntervalSince(t2)))
    }

    /// The rows of a block that are widened to Float64 at a time: 4 MiB of Float64 per buffer.
    private static func blockRows(_ d: Int) -> Int { Swift.max(1, (4 << 20) / (8 * d)) }

    /// Per-feature means `μ = Xᵀ·1/N`, summed in Float64.
    package static func featureMeansInFloat64<Scalar: LinalgScalar>(_ x: Matrix<Scalar>) -> [Double] {
        let n = x.rows, d = x.columns
        var sums = [Double](repeating: 0, count: d)
        guard n > 0, d > 0 else { return sums }
        let block = blockRows(d)
        let buffer = UnsafeMutablePointer<Double>.allocate(capacity: Swift.min(block, n) * d)
        defer { buffer.deallocate() }
        let ones = [Double](repeating: 1, count: block)
        x.elements.withUnsafeBufferPointer { px in
            var start = 0
            while start < n {
                let count = Swift.min(block, n - start)
                convertValues(px.baseAddress! + start * d, to: buffer, count: count * d)
                Double.gemv(.transposed, count, d, 1, buffer, d, ones, 1, 1, &sums, 1)
                start += count
            }
        }
        return sums.map { $0 / Double(n) }
    }

    /// `count` rows of X, minus `mean` when given, widened into the Float64 `buffer`; with a
    /// `grid` (X known to be on it) each value is taken as the exact `m/q` it stands for.
    private static func widen<Scalar: LinalgScalar>(_ xs: UnsafePointer<Scalar>, rows count: Int, columns d: Int,
                                                   minus mean: UnsafePointer<Double>?, grid: PixelGrid<Scalar>? = nil,
                                                   into buffer: UnsafeMutablePointer<Double>) {
        convertValues(xs, to: buffer, count: count * d)
        if let q = grid?.divisor {
            for i in 0..<(count * d) { buffer[i] = (buffer[i] * q).rounded(.toNearestOrEven) / q }
        }
        guard let mean else { return }
        for i in 0..<count { let row = buffer + i * d; for j in 0..<d { row[j] -= mean[j] } }
    }

    /// `X ← (X − 1μᵀ)·W` for a square Float64 W (μ = 0 when `mean` is nil), a block of rows at a
    /// time: each block is widened to Float64, multiplied by `dgemm` and rounded back to `Scalar`
    /// once, so no second N×d matrix is allocated (for CIFAR-10 that is 614 MB fewer first
    /// touches); the rows are split between `RowWorkers`. With a `grid` (every value of X on it)
    /// the rows are the exact `m/q` their values stand for.
    package static func multiplyInPlace<Scalar: LinalgScalar>(_ x: inout Matrix<Scalar>, minus mean: [Double]? = nil,
                                                            by w: Matrix<Double>, grid: PixelGrid<Scalar>? = nil,
                                                            workers: Int? = nil) {
        let d = x.columns, rows = x.rows
        precondition(w.rows == d && w.columns == d, "W must be \(d)×\(d)")
        precondition(mean == nil || mean!.count == d, "μ must have \(d) entries")
        guard rows > 0, d > 0 else { return }
        let block = blockRows(d)
        let centre = mean ?? []
        x.elements.withUnsafeMutableBufferPointer { px in
            w.elements.withUnsafeBufferPointer { pw in
                centre.withUnsafeBufferPointer { pm in
                    nonisolated(unsafe) let xs = px.baseAddress!, ws = pw.baseAddress!
                    nonisolated(unsafe) let mu = mean == nil ? nil : pm.baseAddress
                    RowWorkers.run(rows: rows, workers: workers) { _, range in
                        let capacity = Swift.min(block, range.count) * d
                        let wide = UnsafeMutablePointer<Double>.allocate(capacity: capacity)
                        let product = UnsafeMutablePointer<Double>.allocate(capacity: capacity)
                        defer { wide.deallocate(); product.deallocate() }
                        var start = range.lowerBound
                        while start < range.upperBound {
                            let count = Swift.min(block, range.upperBound - start)
                            let xb = xs + start * d
                            widen(xb, rows: count, columns: d, minus: mu, grid: grid, into: wide)
                            Double.gemm(.none, .none, count, d, d, 1, wide, d, ws, d, 0, product, d)
                            convertValues(product, to: xb, count: count * d)
                            start += count
                        }
                    }
                }
            }
        }
    }

    /// The covariance `C = α·(X − 1μᵀ)ᵀ(X − 1μᵀ)` (d×d, both triangles) in Float64 (μ = 0 when
    /// `mean` is nil): each `RowWorkers` share widens blocks of its rows to Float64 and
    /// accumulates their `dsyrk` into its own buffer; then the shares are summed.
    package static func covariance<Scalar: LinalgScalar>(_ x: Matrix<Scalar>, minus mean: [Double]? = nil, alpha: Double,
                                                       workers: Int? = nil) -> Matrix<Double> {
        let d = x.columns, rows = x.rows
        var c = Matrix<Double>(rows: d, columns: d)
        guard rows > 0, d > 0 else { return c }
        precondition(mean == nil || mean!.count == d, "μ must have \(d) entries")
        let block = blockRows(d)
        let count = RowWorkers.count(rows: rows, requested: workers)
        let parts = (0..<count).map { _ in UnsafeMutablePointer<Double>.allocate(capacity: d * d) }
        defer { for p in parts { p.deallocate() } }
        for p in parts { p.initialize(repeating: 0, count: d * d) }
        let centre = mean ?? []
        x.elements.withUnsafeBufferPointer { px in
            centre.withUnsafeBufferPointer { pm in
                nonisolated(unsafe) let xs = px.baseAddress!, ps = parts
                nonisolated(unsafe) let mu = mean == nil ? nil : pm.baseAddress
                RowWorkers.run(rows: rows, workers: count) { k, range in
                    let wide = UnsafeMutablePointer<Double>.allocate(capacity: Swift.min(block, range.count) * d)
                    defer { wide.deallocate() }
                    var start = range.lowerBound
                    while start < range.upperBound {
                        let n = Swift.min(block, range.upperBound - start)
                        widen(xs + start * d, rows: n, columns: d, minus: mu, into: wide)
                        Double.syrk(.transposed, d, n, alpha, wide, d, 1, ps[k], d)
                        start += n
                    }
                }
            }
        }
        c.elements.withUnsafeMutableBufferPointer { pc in
            for p in parts { for i in 0..<d { for j in i..<d { pc[i * d + j] += p[i * d + j] } } }
            for i in 0..<d { for j in 0..<i { pc[i * d + j] = pc[j * d + i] } }
        }
        return c
    }

    /// Seeded Gaussian random projection `X ← X·R`, R (d0×k) with entries N(0, 1/k), so that
    /// `E‖Rᵀx‖² = ‖x‖²` (Johnson–Lindenstrauss). The data seed's `projection` stream.
    public static func project<Scalar: LinalgScalar>(_ x: inout Matrix<Scalar>, to k: Int, seed: UInt64) {
        var rng = SeededGenerator(seed: seed, stream: .projection)
        let r = Matrix<Scalar>(rows: x.columns, columns: k, elements: rng.normals(x.columns * k, scale: (1 / Double(k)).squareRoot()))
        x = Matrix.product(x, .none, r, .none)
    }
}
