import Foundation
import Linalg
import Minima
@testable import MinimaCore
@testable import MinimaData
@testable import MinimaModel
@testable import MinimaLandscape
@testable import MinimaRuns
import Testing

/// Known-answer tests of the landscape analysis (docs/theory.md §2): patterns, the Khatri-Rao rank,
/// region least squares, certificates, Hessians and Lanczos.
@Suite("Landscape")
struct LandscapeTests {
    static func gaussian(_ rows: Int, _ cols: Int, seed: UInt64) -> Matrix<Double> {
        var rng = SeededGenerator(seed: seed)
        return Matrix(rows: rows, columns: cols, elements: rng.normals(rows * cols))
    }

    static func randomNetwork(d0: Int, hidden: [Int], slope: Double, bias: Bool = false, seed: UInt64) -> Network<Double> {
        var net = Network<Double>.random(shape: NetworkShape(d0: d0, hidden: hidden, slope: slope, bias: bias), seed: seed)
        if bias {
            var rng = SeededGenerator(seed: seed, streamID: 9)
            for r in net.layout.biases! { for i in r { net.parameters[i] = 0.3 * rng.normal() } }
            net.parameters[net.layout.outputBias!] = 0.2
        }
        return net
    }

    static func maxAbs(_ x: [Double]) -> Double { x.map(abs).max() ?? 0 }

    @Test("an all-active pattern gives rank(A∘X) = rank(X), by both routes")
    func allActiveRank() throws {
        let x = Self.gaussian(12, 4, seed: 1)
        let a = Matrix<Double>(rows: 12, columns: 3, repeating: 1)
        let k = KhatriRao(slopes: a, inputs: x)
        #expect(try x.rank().rank == 4)
        #expect(try k.rank(method: .svd).rank == 4)
        #expect(try k.rank(method: .gram).rank == 4)
        // A rank-2 X (third and fourth columns copies of the first two' sum) gives 2·… = rank(X) too.
        var low = x
        for r in 0..<12 { low[r, 2] = low[r, 0] + low[r, 1]; low[r, 3] = 2 * low[r, 0] - low[r, 1] }
        let kLow = KhatriRao(slopes: a, inputs: low)
        #expect(try kLow.rank(method: .svd).rank == 2)
        #expect(try kLow.rank(method: .gram).rank == 2)
    }

    @Test("duplicated samples lower rank(A∘X) by the number of duplicates")
    func duplicatesLowerRank() throws {
        let base = Self.gaussian(10, 4, seed: 2)
        let w = Self.gaussian(5, 4, seed: 3)                // d0·d1 = 20 ≥ N
        let x = base.selectingRows(Array(0..<10) + [1, 4, 7])
        let pattern = ActivationPattern(inputs: x, weights: w, slope: 0.1)
        let k = KhatriRao(slopes: pattern.slopes, inputs: x)
        let svd = try k.rank(method: .svd), gram = try k.rank(method: .gram), auto = try k.rank()
        #expect(svd.rank == 10)
        #expect(gram.rank == 10)
        #expect(auto.method == .svd)   // 13×20: small enough for auto's SVD
        #expect(!svd.isFullColumnRank)
        // The decision is clear-cut: the gap spans many orders of magnitude.
        #expect(svd.gap > 1e8)
        // Without duplicates the same pattern family is full rank.
        let p0 = ActivationPattern(inputs: base, weights: w, slope: 0.1)
        #expect(try KhatriRao(slopes: p0.slopes, inputs: base).rank().isFullColumnRank)
    }

    @Test("Gram and explicit SVD routes give the same singular values")
    func gramMatchesSVD() throws {
        let x = Self.gaussian(30, 6, seed: 4)
        let w = Self.gaussian(7, 6, seed: 5)
        let pattern = ActivationPattern(inputs: x, weights: w, slope: 0)
        let k = KhatriRao(slopes: pattern.slopes, inputs: x, intercept: true)
        let svd = try k.rank(method: .svd), gram = try k.rank(method: .gram)
        #expect(svd.rank == gram.rank)
        #expect(abs(svd.sigmaMax - gram.sigmaMax) <= 1e-10 * svd.sigmaMax)
        let s = try k.explicitTransposed().singularValues()
        let g = try k.gram().symmetricEigenvalues().reversed().map { Swift.max($0, 0).squareRoot() }
        for i in 0..<s.count where s[i] > 1e-6 * s[0] { #expect(abs(s[i] - g[i]) <= 1e-8 * s[0]) }
    }

    @Test("auto picks SVD for small matrices, beyond that Gram when N ≤ p, SVD when p < N, and the bound p < N when nothing fits")
    func autoRankRoutes() throws {
        let x = Self.gaussian(20, 3, seed: 9)
        let pattern = ActivationPattern(inputs: x, weights: Self.gaussian(4, 3, seed: 10), slope: 0.3)
        let k = KhatriRao(slopes: pattern.slopes, inputs: x)      // p = 12 < N = 20
        let svd = try k.rank()
        #expect(svd.method == .svd && svd.rank == 12 && !svd.isFullColumnRank)
        let bound = try k.rank(memoryLimit: 100)
        #expect(bound.method == .bound && bound.rank == 12)
        let wide = KhatriRao(slopes: Matrix(rows: 5, columns: 4, repeating: 1), inputs: Self.gaussian(5, 3, seed: 11))
        #expect(try wide.rank().method == .svd)
        #expect(try wide.rank(svdLimit: 10).method == .gram)   // 5×12 past the SVD limit, N ≤ p
        #expect(throws: MinimaError.self) { _ = try wide.rank(method: .bound) }
    }

    @Test("matrix-free products equal the explicit matrix times a vector")
    func matrixFreeProducts() {
        for intercept in [false, true] {
            let x = Self.gaussian(9, 5, seed: 6)
            let pattern = ActivationPattern(inputs: x, weights: Self.gaussian(3, 5, seed: 7), slope: 0.25)
            let k = KhatriRao(slopes: pattern.slopes, inputs: x, intercept: intercept)
            let kt = k.explicitTransposed()
            #expect(kt.rows == 9 && kt.columns == 15 + (intercept ? 1 : 0))
            var rng = SeededGenerator(seed: 8)
            let u: [Double] = rng.normals(k.p), v: [Double] = rng.normals(k.n)
            let d1 = zip(k.transposeTimes(u), kt.times(u)).map { $0 - $1 }
            let d2 = zip(k.times(v), kt.times(v, .transposed)).map { $0 - $1 }
            #expect(Self.maxAbs(d1) <= 1e-12)
            #expect(Self.maxAbs(d2) <= 1e-12)
            let norms = k.squaredRowNorms()
            for j in 0..<k.p { #expect(abs(norms[j] - kt.column(j).reduce(0) { $0 + $1 * $1 }) <= 1e-12) }
            // Row n of (A∘X)ᵀ is a_n ⊗ x_n.
            #expect(kt[4, 1 * 5 + 2] == pattern.slopes[4, 1] * x[4, 2])
        }
    }

    @Test("region least squares matches the closed form, dense and LSQR")
    func regionFitClosedForm() throws {
        // d0 = 1, d1 = 2: the design has two columns, a·x for each unit.
        let x = Matrix<Double>([[1], [2], [-1], [3], [-2], [0.5]])
        let a = Matrix<Double>([[1, 0.5], [1, 1], [0.5, 1], [1, 0.5], [0.5, 0.5], [1, 1]])
        let y: [Double] = [1, -1, 1, 1, -1, -1]
        let k = KhatriRao(slopes: a, inputs: x)
        // Closed form ŷ = K (KᵀK)⁻¹ Kᵀ y with the 2×2 inverse written out.
        let c0 = (0..<6).map { a[$0, 0] * x[$0, 0] }, c1 = (0..<6).map { a[$0, 1] * x[$0, 0] }
        let g00 = dot(c0, c0), g01 = dot(c0, c1), g11 = dot(c1, c1)
        let b0 = dot(c0, y), b1 = dot(c1, y)
        let det = g00 * g11 - g01 * g01
        let u0 = (g11 * b0 - g01 * b1) / det, u1 = (g00 * b1 - g01 * b0) / det
        let yHat = (0..<6).map { u0 * c0[$0] + u1 * c1[$0] }
        let mse = zip(y, yHat).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 6
        let errors = zip(yHat, y).filter { LabelCoding.plusMinusOne.classes!.isError(output: $0, label: $1) }.count
        for method in [FitMethod.dense, .lsqr] {
            let s = try RegionFit.solve(k, y: y, coding: .plusMinusOne, method: method, tolerance: 1e-14)
            #expect(Self.maxAbs(zip(s.fitted, yHat).map { $0 - $1 }) <= 1e-10)
            #expect(abs(s.fit.mse - mse) <= 1e-12)
            #expect(s.fit.errors == errors)
            #expect(abs(s.weights[0] - u0) <= 1e-9 && abs(s.weights[1] - u1) <= 1e-9)
            #expect(s.fit.achievedTolerance <= 1e-10)
        }
    }

    @Test("LSQR and dense fits agree on a rank-deficient region, from any start")
    func lsqrMatchesDenseRankDeficient() throws {
        let base = Self.gaussian(25, 3, seed: 10)
        let x = base.selectingRows(Array(0..<25) + [0, 3, 3, 8])
        let pattern = ActivationPattern(inputs: x, weights: Self.gaussian(4, 3, seed: 11), slope: 0.1)
        let k = KhatriRao(slopes: pattern.slopes, inputs: x)
        var rng = SeededGenerator(seed: 12)
        let y = (0..<x.rows).map { _ in rng.next() & 1 == 1 ? 1.0 : -1.0 }
        let start: [Double] = rng.normals(k.p)
        let dense = try RegionFit.solve(k, y: y, coding: .plusMinusOne, method: .dense)
        let lsqr = try RegionFit.solve(k, y: y, coding: .plusMinusOne, start: start, method: .lsqr, tolerance: 1e-13)
        #expect(lsqr.fit.converged)
        #expect(Self.maxAbs(zip(dense.residual, lsqr.residual).map { $0 - $1 }) <= 1e-8)
        #expect(abs(dense.fit.mse - lsqr.fit.mse) <= 1e-10)
        #expect(dense.fit.mse > 0.1)     // p = 12 < N = 29: far from an exact fit
        // Identical and dead units make AᵀA singular: the preconditioner drops those directions.
        var slopes = Matrix<Double>(rows: x.rows, columns: 4)
        for r in 0..<x.rows {
            slopes[r, 0] = pattern.slopes[r, 0]; slopes[r, 1] = pattern.slopes[r, 0]
            slopes[r, 2] = 0; slopes[r, 3] = pattern.slopes[r, 3]
        }
        let degenerate = KhatriRao(slopes: slopes, inputs: x, intercept: true)
        let d2 = try RegionFit.solve(degenerate, y: y, coding: .plusMinusOne, method: .dense)
        let l2 = try RegionFit.solve(degenerate, y: y, coding: .plusMinusOne, method: .lsqr, tolerance: 1e-13)
        #expect(l2.fit.converged)
        #expect(Self.maxAbs(zip(d2.fitted, l2.fitted).map { $0 - $1 }) <= 1e-8)
    }

    /// Pixel-like inputs: non-negative (a shared mean), with a covariance whose spectrum decays
    /// over 4 decades in rotated coordinates, the kind of X for which column scaling leaves
    /// `(A∘X)(A∘X)ᵀ` badly conditioned. ReLU pattern of random weights.
    static func illConditionedDesign(n: Int, d0: Int, d1: Int, seed: UInt64) -> KhatriRao<Double> {
        let g = gaussian(n, d0, seed: seed)
        let rotation = try! gaussian(d0, d0, seed: seed + 1).gram(.transposed).symmetricEigen(vectors: true).vectors!
        var scaled = g
        for r in 0..<n { for j in 0..<d0 { scaled[r, j] *= pow(10, -4 * Double(j) / Double(d0)) } }
        var x = Matrix.product(scaled, .none, rotation, .none)
        for k in x.elements.indices { x.elements[k] += 1 }
        let pattern = ActivationPattern(inputs: x, weights: gaussian(d1, d0, seed: seed + 2), slope: 0)
        return KhatriRao(slopes: pattern.slopes, inputs: x)
    }

    @Test("the per-unit preconditioned LSQR fit equals the dense least-squares fit to 1e-10")
    func preconditionedMatchesDense() throws {
        let k = Self.illConditionedDesign(n: 400, d0: 24, d1: 12, seed: 40)
        var rng = SeededGenerator(seed: 41)
        let y = (0..<k.n).map { _ in rng.next() & 1 == 1 ? 1.0 : -1.0 }
        let dense = try RegionFit.solve(k, y: y, coding: .plusMinusOne, method: .dense)
        // 1e-12: near the attainable accuracy of LSQR here (39 iterations); far below it (1e-13)
        // LSQR without reorthogonalisation loses its way.
        let lsqr = try RegionFit.solve(k, y: y, coding: .plusMinusOne, method: .lsqr, tolerance: 1e-12)
        #expect(lsqr.fit.converged)
        #expect(dense.fit.mse > 0.05)   // p = 288 < N = 400: not an exact fit
        #expect(Self.maxAbs(zip(dense.fitted, lsqr.fitted).map { $0 - $1 }) <= 1e-10)
        #expect(abs(dense.fit.mse - lsqr.fit.mse) <= 1e-12)
        #expect(lsqr.fit.achievedTolerance <= 1e-11)
        // Asked for far more than it can reach, LSQR's running estimates drift and meet its
        // stopping test with a wrong answer; the true residual shows it, and the fit says so.
        let drifted = try RegionFit.solve(k, y: y, coding: .plusMinusOne, method: .lsqr, tolerance: 1e-13)
        if drifted.fit.achievedTolerance > RegionFit.trueResidualSlack * 1e-13 { #expect(!drifted.fit.converged) }
        #expect(drifted.fit.converged == (drifted.fit.achievedTolerance <= RegionFit.trueResidualSlack * 1e-13))
        // The preconditioner's two products are transposes of each other: vᵀ(P x) = (Pᵀv)ᵀx.
        let pre = try RegionPreconditioner(k)
        let xv: [Double] = rng.normals(k.p), vv: [Double] = rng.normals(k.p)
        #expect(abs(dot(vv, pre.apply(xv)) - dot(pre.applyTransposed(vv), xv)) <= 1e-9 * norm(pre.apply(xv)) * norm(vv))
    }

    @Test("the full normal-matrix preconditioner: transposes, the dense fit to 1e-10 in a few iterations, zero inputs, negative slopes")
    func fullPreconditionerMatchesDense() throws {
        let k = Self.illConditionedDesign(n: 400, d0: 24, d1: 12, seed: 40)
        var rng = SeededGenerator(seed: 41)
        let y = (0..<k.n).map { _ in rng.next() & 1 == 1 ? 1.0 : -1.0 }
        let dense = try RegionFit.solve(k, y: y, coding: .plusMinusOne, method: .dense)
        let full = try RegionFit.solve(k, y: y, coding: .plusMinusOne, method: .lsqr, tolerance: 1e-12, preconditioner: .full)
        #expect(full.fit.preconditioner == .full)
        #expect(full.fit.converged)
        #expect(Self.maxAbs(zip(dense.fitted, full.fitted).map { $0 - $1 }) <= 1e-10)
        #expect(abs(dense.fit.mse - full.fit.mse) <= 1e-12)
        // The per-unit blocks need 39 iterations here; the whole normal matrix a handful.
        let units = try RegionFit.solve(k, y: y, coding: .plusMinusOne, method: .lsqr, tolerance: 1e-12, preconditioner: .units)
        #expect(units.fit.preconditioner == .units)
        #expect(full.fit.iterations <= 15 && full.fit.iterations * 2 < units.fit.iterations)
        #expect(full.fit.preconditionerShift == RegionCholesky.initialShift)

        // A pixel no sample lights (column 3 zero), a pixel unit 0 never sees, an intercept,
        // negative slopes (weights A_in·A_jn of both signs) and p = 7·10 + 1 < N = 90.
        var x = Self.gaussian(90, 10, seed: 42)
        var slopes = Matrix<Double>(rows: 90, columns: 7)
        var srng = SeededGenerator(seed: 43)
        for r in 0..<90 {
            x[r, 3] = 0
            for u in 0..<7 { slopes[r, u] = srng.next() & 1 == 1 ? 1 : -0.5 }
            if slopes[r, 0] != 0 { x[r, 6] = 0 }
        }
        for r in 0..<90 where r % 3 == 0 { slopes[r, 0] = 0; x[r, 6] = 1 }
        let odd = KhatriRao(slopes: slopes, inputs: x, intercept: true)
        let yo = (0..<90).map { _ in srng.next() & 1 == 1 ? 1.0 : -1.0 }
        let d2 = try RegionFit.solve(odd, y: yo, coding: .plusMinusOne, method: .dense)
        let l2 = try RegionFit.solve(odd, y: yo, coding: .plusMinusOne, method: .lsqr, tolerance: 1e-12, preconditioner: .full)
        #expect(l2.fit.converged)
        #expect(Self.maxAbs(zip(d2.fitted, l2.fitted).map { $0 - $1 }) <= 1e-9)
        // Unit 0's Gram tile is singular (pixel 6): its zero diagonal entry takes the tile's
        // largest one, and the first shift is enough.
        #expect(l2.fit.preconditionerShift == RegionCholesky.initialShift)

        // P's two products are transposes of each other, and P is R⁻¹: ‖(A∘X)ᵀP x‖ ≈ ‖x‖ on
        // the kept coordinates of a well-conditioned design.
        let pre = try RegionCholesky(odd)
        #expect(pre.kept == [0, 1, 2, 4, 5, 6, 7, 8, 9])
        let xv: [Double] = srng.normals(odd.p), vv: [Double] = srng.normals(odd.p)
        #expect(abs(dot(vv, pre.apply(xv)) - dot(pre.applyTransposed(vv), xv)) <= 1e-12 * norm(pre.apply(xv)) * norm(vv))
        let g = Self.gaussian(300, 8, seed: 44)
        let pattern = ActivationPattern(inputs: g, weights: Self.gaussian(5, 8, seed: 45), slope: 0.2)
        let wide = KhatriRao(slopes: pattern.slopes, inputs: g)
        let pw = try RegionCholesky(wide)
        for _ in 0..<3 {
            let v: [Double] = srng.normals(wide.p)
            let ratio = norm(wide.transposeTimes(pw.apply(v))) / norm(v)
            #expect(abs(ratio - 1) <= 1e-6)    // singular values 1/√(1 + c), c = √ε
        }
    }

    @Test("where the Kronecker preconditioner with column scaling hits a 300-iteration cap, the per-unit one converges")
    func perUnitPreconditionerConverges() throws {
        let k = Self.illConditionedDesign(n: 400, d0: 24, d1: 12, seed: 40)
        var rng = SeededGenerator(seed: 41)
        let y = (0..<k.n).map { _ in rng.next() & 1 == 1 ? 1.0 : -1.0 }
        let cap = 300, tol = 1e-8
        // The former setup: P = (AᵀA/N)^{-1/2} ⊗ diag(‖X_j‖)⁻¹.
        var c = k.slopes.gram(.transposed)
        for e in c.elements.indices { c.elements[e] /= Double(k.n) }
        let (values, vectors) = try c.symmetricEigen(vectors: true)
        var half = vectors!
        for j in 0..<k.d1 { for i in 0..<k.d1 { half[i, j] *= values[j] > 1e-12 * values.last! ? 1 / values[j].squareRoot() : 0 } }
        let q = Matrix.product(half, .none, vectors!, .transposed)
        let inverseNorms = (0..<k.d0).map { j in 1 / (0..<k.n).map { k.inputs[$0, j] * k.inputs[$0, j] }.reduce(0, +).squareRoot() }
        let kron: ([Double]) -> [Double] = { x in
            var out = Matrix.product(q, .none, Matrix(rows: k.d1, columns: k.d0, elements: x), .none).elements
            for i in 0..<k.d1 { for j in 0..<k.d0 { out[i * k.d0 + j] *= inverseNorms[j] } }
            return out
        }
        let old = LSQR.solve(unknowns: k.p, rhs: y, tolerance: tol, maxIterations: cap,
                             apply: { k.transposeTimes(kron($0)) }, applyTransposed: { kron(k.times($0)) })
        #expect(!old.converged)
        let new = try RegionFit.solve(k, y: y, coding: .plusMinusOne, method: .lsqr, tolerance: tol, maxIterations: cap)
        #expect(new.fit.converged)
        #expect(new.fit.iterations <= 60)
        #expect(new.fit.achievedTolerance <= 1e-8)
    }

    @Test("a network that fits its targets exactly is certified global")
    func teacherIsGlobal() throws {
        let net = Self.randomNetwork(d0: 8, hidden: [6], slope: 0.1, seed: 13)
        let x = Self.gaussian(30, 8, seed: 14)
        let probe = Dataset(x: x, y: [Double](repeating: 0, count: 30))
        let data = Dataset(x: x, y: net.outputs(probe))
        var options = CertificateOptions()
        options.hessian = false
        let c = try Certificate.make(network: net, data: data, options: options)
        #expect(c.verdict == .global)
        #expect(c.rank == 30 && c.rankMethod == .svd)
        #expect(c.mseNetwork <= 1e-28)
        #expect(c.mseRegion! <= 1e-24)
        #expect(c.dlmDistance! <= 1e-12)
        // With d0·d1 < N the teacher still fits exactly: global by e_A = 0 although rank < N.
        let small = Self.randomNetwork(d0: 3, hidden: [2], slope: 0.2, bias: true, seed: 15)
        let xs = Self.gaussian(40, 3, seed: 16)
        let ds = Dataset(x: xs, y: small.outputs(Dataset(x: xs, y: [Double](repeating: 0, count: 40))))
        let cs = try Certificate.make(network: small, data: ds, options: options)
        #expect(cs.verdict == .global)
        #expect(cs.rank == 9)    // p = 2·(3+1) + 1 intercept
    }

    @Test("a constructed d0·d1 < N minimum is a sub-optimal DLM with the least-squares MSE_A")
    func constructedSuboptimalDLM() throws {
        // x_n = (1, g_n): every unit with a large first weight is active on every sample, so the
        // region is linear and its best fit is the ordinary least-squares fit of y on X.
        let n = 40
        var rng = SeededGenerator(seed: 17)
        var x = Matrix<Double>(rows: n, columns: 3)
        for r in 0..<n { x[r, 0] = 1; x[r, 1] = rng.normal(); x[r, 2] = rng.normal() }
        let y = (0..<n).map { _ in rng.next() & 1 == 1 ? 1.0 : -1.0 }
        let beta = try x.leastSquares(y).solution
        let lsResidual = zip(y, x.times(beta)).map { $0 - $1 }
        let lsMSE = lsResidual.map { $0 * $0 }.reduce(0, +) / Double(n)
        // w1 = β + c·e0, w2 = c·e0, z = (1, −1): f = β·x, both units always active.
        let c = 10 + Self.maxAbs(x.times(beta))
        var net = Network<Double>(shape: NetworkShape(d0: 3, hidden: [2], slope: 0))
        net.parameters = [beta[0] + c, beta[1], beta[2], c, 0, 0, 1, -1]
        let data = Dataset(x: x, y: y)
        let cert = try Certificate.make(network: net, data: data)
        #expect(cert.verdict == .suboptimalDLM)
        #expect(cert.rank == 3)
        #expect(abs(cert.mseRegion! - lsMSE) <= 1e-12)
        #expect(abs(cert.mseNetwork - lsMSE) <= 1e-12)
        #expect(cert.dlmDistance! <= 1e-12)
        #expect(cert.gradientNorm <= 1e-12)
        // The Hessian of a linear-region minimum has no negative eigenvalue.
        #expect(cert.hessian!.negative == 0)
        #expect(cert.hessian!.parameters == 8)
    }

    @Test("other verdicts: a zero pre-activation, and a network away from its DLM")
    func otherVerdicts() throws {
        var options = CertificateOptions()
        options.hessian = false
        var x = Self.gaussian(20, 5, seed: 18)
        for j in 0..<5 { x[3, j] = 0 }     // x_3 = 0: every w_iᵀx_3 = 0
        let net = Self.randomNetwork(d0: 5, hidden: [6], slope: 0, seed: 19)
        var rng = SeededGenerator(seed: 20)
        let y = (0..<20).map { _ in rng.next() & 1 == 1 ? 1.0 : -1.0 }
        let zero = try Certificate.make(network: net, data: Dataset(x: x, y: y), options: options)
        #expect(zero.verdict == .nonDifferentiable)
        #expect(zero.exactZeroPreactivations == 6)
        let away = try Certificate.make(network: net, data: Dataset(x: Self.gaussian(20, 5, seed: 21), y: y), options: options)
        #expect(away.verdict == .notConverged)
        #expect(away.rank == 20)
        #expect(away.mseRegion! <= 1e-24)
        // MSE = MSE_A + ‖e − e_A‖²/N exactly (Pythagoras in the region).
        let excess = away.dlmDistance! * away.dlmDistance! * dot(y, y) / 20
        #expect(abs(away.mseNetwork - away.mseRegion! - excess) <= 1e-10)
    }

    @Test("dense Hessian equals central differences of Network.gradient; HVP equals dense times v")
    func hessianMatchesFiniteDifferences() throws {
        let cases: [(hidden: [Int], bias: Bool)] = [([4], false), ([4], true), ([3, 2], false), ([3, 2], true)]
        for (k, c) in cases.enumerated() {
            var net = Self.randomNetwork(d0: 3, hidden: c.hidden, slope: 0.2, bias: c.bias, seed: 30 + UInt64(k))
            let x = Self.gaussian(15, 3, seed: 40 + UInt64(k))
            var rng = SeededGenerator(seed: 50 + UInt64(k))
            let data = Dataset(x: x, y: (0..<15).map { _ in rng.next() & 1 == 1 ? 1.0 : -1.0 })
            let hess = Hessian(network: net, data: data)
            let dense = hess.dense()
            let p = net.layout.count
            #expect(dense.rows == p)
            let scale = Self.maxAbs(dense.elements)
            let h = 1e-5
            var worst = 0.0
            for j in 0..<p {
                let saved = net.parameters[j]
                net.parameters[j] = saved + h
                let gp = net.gradient(data)
                net.parameters[j] = saved - h
                let gm = net.gradient(data)
                net.parameters[j] = saved
                for i in 0..<p { worst = Swift.max(worst, abs((gp[i] - gm[i]) / (2 * h) - dense[i, j])) }
            }
            #expect(worst <= 1e-7 * scale, "hidden \(c.hidden), bias \(c.bias): worst \(worst), scale \(scale)")
            for i in 0..<p { for j in 0..<i { #expect(dense[i, j] == dense[j, i]) } }
            let v: [Double] = rng.normals(p)
            let diff = zip(hess.vectorProduct(v), dense.times(v)).map { $0 - $1 }
            #expect(Self.maxAbs(diff) <= 1e-12 * scale * Double(p))
        }
    }

    @Test("Lanczos's extreme eigenvalues match the dense spectrum")
    func lanczosMatchesDense() throws {
        for hidden in [[5], [4, 3]] {
            let net = Self.randomNetwork(d0: 4, hidden: hidden, slope: 0.1, seed: 60)
            let x = Self.gaussian(20, 4, seed: 61)
            var rng = SeededGenerator(seed: 62)
            let data = Dataset(x: x, y: (0..<20).map { _ in rng.next() & 1 == 1 ? 1.0 : -1.0 })
            let hess = Hessian(network: net, data: data)
            let values = try hess.dense().symmetricEigenvalues()
            let scale = Swift.max(abs(values.first!), abs(values.last!))
            let full = try Lanczos.extremeEigenvalues(dimension: hess.count, steps: hess.count, apply: hess.vectorProduct)
            #expect(abs(full.min - values.first!) <= 1e-9 * scale)
            #expect(abs(full.max - values.last!) <= 1e-9 * scale)
            let dense = try HessianSpectrum.compute(hess)
            let viaLanczos = try HessianSpectrum.compute(hess, denseLimit: 0, lanczosSteps: hess.count)
            #expect(dense.method == "dense" && viaLanczos.method == "lanczos")
            #expect(abs(viaLanczos.max - dense.max) <= 1e-9 * scale)
            #expect(dense.negative! + dense.zero! + dense.positive! == hess.count)
            // Fewer steps: Ritz values lie inside the spectrum, the largest within its bound.
            let few = try Lanczos.extremeEigenvalues(dimension: hess.count, steps: 12, apply: hess.vectorProduct)
            #expect(few.max <= values.last! + 1e-9 * scale)
            #expect(values.last! - few.max <= few.maxBound + 1e-9 * scale)
        }
    }

    @Test("training with --certify on Gaussian data with d0·d1 = 2N ends certified global with rank N")
    func trainThenCertify() throws {
        var config = RunConfiguration()
        config.data.source = .gaussian
        config.data.n = 40
        config.data.d0 = 8
        config.network = NetworkShape(d0: 8, hidden: [10])
        config.training.learningRate = 0.2
        config.training.epochs = 10_000
        config.training.decayAfter = 9800
        config.training.decay = 0.99
        config.threads = 1
        let record = try TrainingRun.execute(config, certify: CertificateOptions())
        let c = try #require(record.certificate)
        #expect(c.verdict == .global, "\(c.summary)")
        #expect(c.rank == 40)
        #expect(c.hessian?.parameters == 90)
        // The record round-trips with its certificate.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("minima-landscape-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try record.write(to: folder + "/run.json")
        #expect(try RunRecord.read(folder + "/run.json").certificate == c)
        // A record whose run saved no weights is refused with a message naming the cause.
        #expect(throws: MinimaError.self) { _ = try CertificateInputs.fromRun(folder + "/run.json") }
        do { _ = try CertificateInputs.fromRun(folder + "/run.json") } catch let e as MinimaError {
            #expect(e.description.contains("saved no weights"))
        }
    }
}
