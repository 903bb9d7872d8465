import Foundation
import Linalg
import Minima
@testable import MinimaData
@testable import MinimaModel
@testable import MinimaLandscape
import Testing

/// Loss slices: crossings against dense sampling, the piecewise polynomial against direct
/// evaluation, the centre, filter normalisation and the special directions.
@Suite("Slices")
struct SliceTests {
    /// A small problem: N samples of Gaussian inputs with ±1 labels and a random network.
    static func problem(n: Int = 40, d0: Int = 5, d1: Int = 6, slope: Double = 0, bias: Bool = false,
                        seed: UInt64 = 3) -> (Network<Double>, Dataset<Double>) {
        let data: Dataset<Double> = SyntheticData.gaussian(n: n, d0: d0, seed: seed)
        let net = LandscapeTests.randomNetwork(d0: d0, hidden: [d1], slope: slope, bias: bias, seed: seed + 1)
        return (net, data)
    }

    static func moved(_ net: Network<Double>, _ d: [Double], _ alpha: Double) -> Network<Double> {
        var m = net
        for k in m.parameters.indices { m.parameters[k] += alpha * d[k] }
        return m
    }

    /// Signs of every pre-activation of `net` (computed directly, not through the span).
    static func signs(_ net: Network<Double>, _ data: Dataset<Double>) -> [Bool] {
        let w = net.weight(0)
        let b = net.layout.biases.map { Array(net.parameters[$0[0]]) }
        var pre = Matrix.product(data.x, .none, w, .transposed)
        for s in 0..<data.n { for i in 0..<w.rows { pre[s, i] += b?[i] ?? 0 } }
        return pre.elements.map { $0 > 0 }
    }

    @Test("every crossing is found and none invented (dense sampling of the sign pattern)", arguments: [SliceMove.w, .all])
    func crossingsMatchSampling(move: SliceMove) throws {
        for (slope, bias) in [(0.0, false), (0.1, true)] {
            let (net, data) = Self.problem(slope: slope, bias: bias)
            let d = SliceDirection.random(like: net, move: move, seed: 7, index: 0)
            let range = -1.5...2.0
            let line = SliceLine.compute(SliceSpan(network: net, data: data, directions: [d.vector]), range: range)
            #expect(!line.crossings.isEmpty)
            let grid = SliceGrid.values(range, count: 20_001)
            var found = Set<Int>()
            var previous = Self.signs(Self.moved(net, d.vector, grid[0]), data)
            var next = 0
            let units = net.shape.hidden[0]
            for j in 1..<grid.count {
                let now = Self.signs(Self.moved(net, d.vector, grid[j]), data)
                // Crossings in (grid[j−1], grid[j]] are exactly the entries that changed sign.
                var listed = Set<Int>()
                while next < line.crossings.count && line.crossings[next].alpha <= grid[j] {
                    let x = line.crossings[next]
                    if x.alpha > grid[j - 1] { listed.insert(x.sample * units + x.unit) }
                    #expect((x.newSign > 0) == now[x.sample * units + x.unit])
                    next += 1
                }
                let changed = Set(now.indices.filter { now[$0] != previous[$0] })
                #expect(listed == changed, "interval \(grid[j - 1])…\(grid[j])")
                found.formUnion(changed)
                previous = now
            }
            #expect(found.count == line.crossings.filter { $0.alpha > grid[0] }.count)
        }
    }

    @Test("the piecewise polynomial equals direct evaluation at random α to 1e-10", arguments: SliceMove.allCases)
    func polynomialMatchesNetwork(move: SliceMove) throws {
        for (slope, bias) in [(0.0, false), (0.2, true)] {
            let (net, data) = Self.problem(slope: slope, bias: bias)
            let d = SliceDirection.random(like: net, move: move, seed: 11, index: 1)
            let span = SliceSpan(network: net, data: data, directions: [d.vector])
            let line = SliceLine.compute(span, range: -2...2)
            #expect(line.degree == (move == .all ? 4 : 2))
            var rng = SeededGenerator(seed: 5)
            for _ in 0..<50 {
                let alpha = -2 + 4 * rng.uniform()
                let direct = Self.moved(net, d.vector, alpha).metrics(data)
                let piece = line.piece(at: alpha)
                #expect(abs(piece.mse(at: alpha) - direct.mse) <= 1e-10 * direct.mse)
                let sampled = span.point(alpha)
                #expect(abs(sampled.mse - direct.mse) <= 1e-10 * direct.mse)
                #expect(sampled.errors == direct.errors)
            }
            // Each piece's minimum: its MSE and MCE are those of the network at that α, and no
            // sampled point lies below the line's minimum.
            for piece in line.pieces.prefix(40) {
                let direct = Self.moved(net, d.vector, piece.minimumAlpha).metrics(data)
                #expect(abs(piece.minimumMSE - direct.mse) <= 1e-10 * direct.mse)
                #expect(piece.minimumErrors == direct.errors)
            }
            let atMinimum = Self.moved(net, d.vector, line.minimum.alpha).metrics(data)
            #expect(abs(line.minimum.mse - atMinimum.mse) <= 1e-12 * atMinimum.mse)
            #expect(line.minimum.errors == atMinimum.errors)
            for alpha in SliceGrid.values(-2...2, count: 2001) {
                #expect(line.minimum.mse <= Self.moved(net, d.vector, alpha).mse(data) * (1 + 1e-12))
            }
        }
    }

    @Test("the centre point is the network: same MSE, MCE, region 0")
    func centre() throws {
        let (net, data) = Self.problem(slope: 0.1, bias: true)
        let d1 = SliceDirection.random(like: net, move: .all, seed: 1, index: 0)
        let d2 = SliceDirection.random(like: net, move: .all, seed: 1, index: 1)
        let span = SliceSpan(network: net, data: data, directions: [d1.vector, d2.vector])
        let m = net.metrics(data)
        let p = span.point(0, 0)
        #expect(abs(p.mse - m.mse) <= 1e-13 * m.mse)
        #expect(p.errors == m.errors && p.changed == 0 && p.region == 0)
        // A plane point away from the centre is the network there.
        let far = span.point(0.3, -0.7)
        var moved = Self.moved(net, d1.vector, 0.3)
        moved = Self.moved(moved, d2.vector, -0.7)
        let direct = moved.metrics(data)
        #expect(abs(far.mse - direct.mse) <= 1e-12 * direct.mse)
        let differing = zip(Self.signs(moved, data), Self.signs(net, data)).filter { $0 != $1 }.count
        #expect(far.changed == differing && differing > 0 && far.region != 0)
        // The vectorised kernel and the plain loop agree.
        let coordinates = [(0.3, -0.7), (-1.2, 0.4), (0, 0)]
        for (k, l) in zip(span.points(coordinates, kernel: true), span.points(coordinates, kernel: false)) {
            #expect(abs(k.mse - l.mse) <= 1e-13 * l.mse)
            #expect(k.errors == l.errors && k.changed == l.changed && k.region == l.region)
        }
        // The grid agrees with single points, in any worker count.
        let grid = SliceGrid.evaluate(span, alphas: [-0.5, 0, 0.3], betas: [-0.7, 0], workers: 2)
        #expect(grid[2, 0] == far && grid[1, 1] == p)
    }

    @Test("filter normalisation gives each direction row the norm of its weight row")
    func filterNormalisation() throws {
        let (net, _) = Self.problem(d1: 4, bias: true)
        let d = SliceDirection.random(like: net, move: .all, seed: 9, index: 1)
        for row in SliceDirection.rows(net.layout, units: 4, d0: net.shape.d0) {
            let dn = row.map { d.vector[$0] * d.vector[$0] }.reduce(0, +).squareRoot()
            let wn = row.map { net.parameters[$0] * net.parameters[$0] }.reduce(0, +).squareRoot()
            #expect(abs(dn - wn) <= 1e-14 * wn)
        }
        // --move W leaves z̃'s part zero; --move z leaves W̃'s part zero.
        let w = SliceDirection.random(like: net, move: .w, seed: 9, index: 1)
        #expect(net.layout.output.allSatisfy { w.vector[$0] == 0 } && w.vector[net.layout.outputBias!] == 0)
        let z = SliceDirection.random(like: net, move: .z, seed: 9, index: 1)
        #expect(net.layout.weights[0].allSatisfy { z.vector[$0] == 0 })
        #expect(abs(Linalg.norm(Array(z.vector[net.layout.output]) + [z.vector[net.layout.outputBias!]])
                    - Linalg.norm(net.outputWeights + [net.parameters[net.layout.outputBias!]])) < 1e-14)
    }

    @Test("region-fit: the centre's piece reaches MSE_A at α = 1")
    func regionFit() throws {
        let (net, data) = Self.problem(n: 20, d0: 6, d1: 3)
        let (d, fit) = try SliceDirection.regionFit(net, data: data)
        let line = SliceLine.compute(SliceSpan(network: net, data: data, directions: [d.vector]), range: -0.5...1.5)
        let centre = line.piece(at: 0)
        #expect(line.degree == 2)
        #expect(abs(centre.mse(at: 1) - fit.mse) <= 1e-9 * max(fit.mse, 1e-12) + 1e-12)
        // Inside the region the MSE along the line is a parabola with its vertex at α = 1.
        let c = centre.coefficients
        #expect(abs(-c[1] / (2 * c[2]) - 1) < 1e-9)
    }

    @Test("hessian directions are the extreme eigenvectors of the dense Hessian")
    func hessianDirections() throws {
        let (net, data) = Self.problem(n: 30, d0: 3, d1: 3, slope: 0.1)
        let hessian = Hessian(network: net, data: data)
        let values = try hessian.dense().symmetricEigenvalues()
        for largest in [true, false] {
            let d = try SliceDirection.hessian(hessian, move: .all, largest: largest, steps: 200, seed: 1)
            #expect(abs(d.eigenvalue! - (largest ? values.last! : values.first!)) < 1e-9 * values.map(abs).max()!)
            // H v = λ v for the returned direction, and it has the weights' norm.
            let hv = hessian.vectorProduct(d.vector)
            let lambda = d.eigenvalue!
            let residual = zip(hv, d.vector).map { $0 - lambda * $1 }
            #expect(Linalg.norm(residual) < 1e-8 * d.norm * values.map(abs).max()!)
            #expect(abs(d.norm - Linalg.norm(net.parameters)) < 1e-12 * d.norm)
        }
        // Restricted to z, the Hessian block is (2/N)·HᵀH: positive semi-definite.
        let z = try SliceDirection.hessian(hessian, move: .z, largest: false, steps: 50, seed: 1)
        #expect(z.eigenvalue! > -1e-12)
        #expect(net.layout.weights[0].allSatisfy { z.vector[$0] == 0 })
    }

    @Test("at a DLM the pieces keep the loss's 1e-31 scale, not the rounding of the updates")
    func nearDLM() throws {
        // A global minimum inside a region: with d1 = 30 > N = 24 hidden units, z solving
        // φ(XWᵀ)·z = y by least squares interpolates without changing W or the pattern.
        var (net, data) = Self.problem(n: 24, d0: 5, d1: 30)
        let h = ActivationPattern.activations(inputs: data.x, weights: net.weight(0), biases: nil, slope: 0)
        let z = try h.leastSquares(data.y, rcond: 1e-13).solution
        net.parameters.replaceSubrange(net.layout.output, with: z)
        let direct = net.mse(data)
        #expect(direct < 1e-26)
        let d = SliceDirection.random(like: net, move: .w, seed: 4, index: 0)
        let line = SliceLine.compute(SliceSpan(network: net, data: data, directions: [d.vector]), range: -1...1)
        let centre = line.piece(at: 0)
        #expect(abs(centre.mse(at: 0) - direct) < 1e-26, "centre piece \(centre.coefficients)")
        #expect(line.pieces.allSatisfy { $0.minimumMSE > -1e-26 })
        #expect(line.minimum.mse < 1e-26 && line.crossings.count > 10)
    }

    @Test("a line without crossings is one polynomial piece")
    func onlyZ() throws {
        let (net, data) = Self.problem()
        let d = SliceDirection.random(like: net, move: .z, seed: 2, index: 0)
        let line = SliceLine.compute(SliceSpan(network: net, data: data, directions: [d.vector]), range: -3...3)
        #expect(line.crossings.isEmpty && line.pieces.count == 1)
        // The MSE is then a quadratic in α: its exact minimiser has zero derivative.
        let c = line.pieces[0].coefficients
        #expect(c[3] == 0 && c[4] == 0)
        #expect(abs(line.minimum.alpha + c[1] / (2 * c[2])) < 1e-12 * max(1, abs(line.minimum.alpha)))
    }
}
