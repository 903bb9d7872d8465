import Foundation
import Testing
import Linalg
import Minima
@testable import MinimaCore
@testable import MinimaData
@testable import MinimaVolume

@Suite("Theorem8Construction")
struct Theorem8ConstructionTests {
    /// Random (X, y) with real-valued y: the network has exactly d1* units and fits to ~1e-9.
    /// (N, d0) cover K even (12, 4: K = 4), K odd (10, 3: K = 5) and N not divisible by
    /// 2d0 − 2 (10, 3; 25, 5; 7, 2).
    @Test(arguments: [(12, 4, 0.0), (10, 3, 0.1), (25, 5, 0.5), (7, 2, 0.0), (40, 10, 0.1)])
    func fitsExactly(n: Int, d0: Int, slope: Double) throws {
        var rng = SeededGenerator(seed: UInt64(n * 100 + d0))
        let x = Matrix<Double>(rows: n, columns: d0, elements: rng.normals(n * d0))
        let y: [Double] = rng.normals(n)
        let (net, r) = try Theorem8Construction.build(data: Dataset(x: x, y: y), slope: slope)
        #expect(r.units == Theorem8Construction.d1Star(n: n, d0: d0))
        #expect(net.shape.hidden == [r.units])
        #expect(r.relativeMaxResidual < 1e-8, "\(r)")
        #expect(r.zeroPreactivations == 0 && r.margin > 0)
        // MSE computed independently from the saved-weights layout (W1 and z).
        let w = net.weight(0), z = net.outputWeights
        let pre = Matrix.product(x, .none, w, .transposed)
        var sse = 0.0
        for s in 0..<n {
            var f = 0.0
            for i in 0..<w.rows { let u = pre[s, i]; f += z[i] * (u > 0 ? u : slope * u) }
            sse += (f - y[s]) * (f - y[s])
        }
        #expect(sse / Double(n) < 1e-16)
    }

    @Test func unitCountsByHand() {
        // 4⌈N/(2d0 − 2)⌉
        #expect(Theorem8Construction.d1Star(n: 10, d0: 3) == 12)
        #expect(Theorem8Construction.d1Star(n: 8, d0: 3) == 8)
        #expect(Theorem8Construction.d1Star(n: 7, d0: 2) == 16)
        #expect(Theorem8Construction.d1Star(n: 1000, d0: 26) == 80)
    }

    @Test func rejectsOneDimensionalInputs() {
        let data = Dataset(x: Matrix<Double>([[1], [2]]), y: [1.0, -1])
        #expect(throws: MinimaError.self) { try Theorem8Construction.build(data: data, slope: 0) }
    }
}

@Suite("TheoremBounds")
struct TheoremBoundsTests {
    @Test func handComputed() throws {
        // N = 10000, d0 = 100, d1 = 1000, ε = 0.1, ρ = 0.1:
        // γ = 0.23·max(0.01, 0.1)^{3/4} = 0.23·0.1^{0.75} = 0.0409004
        // exponent = γ·10000^{0.75}·(1e5)^{0.25} = 0.0409004·1000·17.7828 = 727.32
        // d1* = 4⌈10000/198⌉ = 4·51 = 204; Theorem 9: −204·100·ln(1e4) = −204·100·9.210340 = −187 890.9
        // δ = √(8/π)/10 + 2·10·√(ln 100)/10000 = 0.159577 + 0.0042919 = 0.163869
        let b = try TheoremBounds(n: 10000, d0: 100, d1: 1000, epsilon: 0.1, slope: 0.1)
        #expect(abs(b.gamma - 0.0409004) < 1e-6)
        #expect(abs(b.exponent - 727.324) < 0.001)
        #expect(b.d1Star == 204)
        #expect(abs(b.theorem9LogLowerBound! - -187890.94) < 0.01)
        #expect(abs(b.theorem9Delta - 0.163869) < 1e-6)
        #expect(!b.a3Holds)              // d0 = 100 = √N: not above √N
        #expect(abs(b.a3Ratio - 1) < 1e-12)
        // A4: N log⁴N / d0 = 10000·9.210340⁴/100 = 10000·7196.19/100 = 719 619 > d1 = 1000: fails.
        #expect(!b.a4Holds)
        #expect(abs(b.a4Ratio - 1000 / 719_619.2) / b.a4Ratio < 1e-6)
        // ReLU uses ε alone: 0.23·0.3^{0.75} = 0.23·0.405360 = 0.0932328
        let relu = try TheoremBounds(n: 100, d0: 50, d1: 10, epsilon: 0.3, slope: 0)
        #expect(abs(relu.gamma - 0.23 * pow(0.3, 0.75)) < 1e-12)
        #expect(abs(relu.gamma - 0.0932328) < 1e-6)
        // leaky: d0/N = 0.5 > ε
        let leaky = try TheoremBounds(n: 100, d0: 50, d1: 10, epsilon: 0.3, slope: 0.1)
        #expect(abs(leaky.gamma - 0.23 * pow(0.5, 0.75)) < 1e-12)
    }

    @Test func saysWhenVacuous() throws {
        let b = try TheoremBounds(n: 16, d0: 4, d1: 2, epsilon: 0.1, slope: 0)
        #expect(b.theorem9Delta > 1)
        #expect(b.notes.contains { $0.contains("vacuous") })
        #expect(b.notes.contains { $0.hasPrefix("A4 fails") })
        #expect(b.notes.contains { $0.contains("d1* = 12") })
        #expect(throws: MinimaError.self) { try TheoremBounds(n: 16, d0: 4, d1: 2, epsilon: 1.5, slope: 0) }
    }

    /// Near Int.max, 2d0 − 2 and 4⌈·⌉ would wrap: d1* stays exact where it fits, and is refused
    /// (naming --n) where it does not.
    @Test func sizesNearIntMaxDoNotWrap() throws {
        let huge = try TheoremBounds(n: .max, d0: .max - 807, d1: 5, epsilon: 0.1, slope: 0)
        #expect(huge.d1Star == 4)                     // 2d0 − 2 > N: one group, one pair of pairs
        #expect(huge.theorem9LogLowerBound! < 0 && huge.theorem9LogLowerBound!.isFinite)
        #expect(huge.exponent > 0 && huge.exponent.isFinite)
        #expect(TheoremBounds.d1Star(n: .max, d0: 1 << 62) == 8)   // ⌈(2⁶³−1)/(2⁶³−2)⌉ = 2
        #expect(TheoremBounds.d1Star(n: 10, d0: 2) == 20)
        #expect(TheoremBounds.d1Star(n: .max, d0: 3) == nil)       // 4·2⁶¹ = 2⁶³
        #expect(throws: MinimaError.self) { try TheoremBounds(n: .max, d0: 3, d1: 5, epsilon: 0.1, slope: 0) }
        let r = try runMinima(["bounds", "--n", "\(Int.max)", "--d0", "\(Int.max - 807)", "--d1", "5"])
        #expect(r.status == 0 && r.stdout.contains("d1* = 4⌈N/(2d0−2)⌉ = 4\n"), "\(r.stdout)\(r.stderr)")
        let refused = try runMinima(["bounds", "--n", "\(Int.max)", "--d0", "3", "--d1", "5"])
        #expect(refused.status == 2 && refused.stderr.hasPrefix("error: --n: Theorem 8's d1*") && !refused.stderr.contains("\n\n"), "\(refused.stderr)")
    }
}
