import Testing
import Linalg
import Minima
@testable import MinimaData
@testable import MinimaVolume

@Suite("RegionClassifier")
struct RegionClassifierTests {
    /// X rows (1,0), (0,1), (−1,−1); one ReLU unit positive on the first two samples only: its
    /// cone C is the open first quadrant. ŷ_A fits samples 1 and 2 exactly with u = (y1, y2)
    /// and is 0 on sample 3.
    static let x = Matrix<Double>([[1, 0], [0, 1], [-1, -1]])
    static let pattern = RegionPattern(positive: [[true, true, false]])

    @Test func teacherRegionIsGlobal() throws {
        // y = f*(X) for a random teacher: its own region holds (W*, z*) with e = 0, even though
        // d0·d1 = 9 < N = 12 makes A∘X rank-deficient (here rank 4: most samples see the
        // all-positive or all-negative pattern, whose Kronecker factors are parallel).
        var rng = SeededGenerator(seed: 11)
        let x = Matrix<Double>(rows: 12, columns: 3, elements: rng.normals(36))
        let w = Matrix<Double>(rows: 3, columns: 3, elements: rng.normals(9))
        let z: [Double] = rng.normals(3)
        let rho = 0.2
        let pre = Matrix.product(x, .none, w, .transposed)
        let y = (0..<12).map { n in (0..<3).reduce(0.0) { s, i in s + z[i] * (pre[n, i] > 0 ? pre[n, i] : rho * pre[n, i]) } }
        let (pattern, _) = RegionPattern.of(weights: w, inputs: x)
        for method in [RegionClassifier.Method.enumerate, .mixedInteger, .branchAndBound] {
            let c = try RegionClassifier(data: Dataset(x: x, y: y), slope: rho, method: method).classify(pattern)
            #expect(c.content == .global, "\(method)")
            #expect(c.rank == 4)
            #expect(c.mse < 1e-20)
        }
    }

    @Test func unreachableFitIsNone() throws {
        // u = (1, −1) lies in neither the first nor the third quadrant, and ŷ_A ≠ 0.
        let data = Dataset(x: Self.x, y: [1, -1, 1])
        for method in [RegionClassifier.Method.enumerate, .mixedInteger, .branchAndBound] {
            let c = try RegionClassifier(data: data, slope: 0, method: method).classify(Self.pattern)
            #expect(c.content == .none, "\(method)")
            #expect(c.rank == 2)
        }
    }

    @Test func rankDeficientRealisableIsSuboptimal() throws {
        // u = (1, 2) is in C: a DLM with ŷ = (1, 2, 0), e = (0, 0, 5), MSE = 25/3, and the
        // output 0 on sample 3 sits on the threshold: MCE = 1/3.
        let data = Dataset(x: Self.x, y: [1, 2, 5])
        for method in [RegionClassifier.Method.enumerate, .mixedInteger, .branchAndBound] {
            let c = try RegionClassifier(data: data, slope: 0, method: method).classify(Self.pattern)
            #expect(c.content == .suboptimal, "\(method)")
            #expect(abs(c.mse - 25.0 / 3) < 1e-12)
            #expect(abs(c.mce! - 1.0 / 3) < 1e-12)
            #expect(c.rank == 2)
        }
        // The same data with a negative output weight: u = (−1, −2) ∈ −C is reachable too.
        let flipped = Dataset(x: Self.x, y: [-1, -2, 5])
        #expect(try RegionClassifier(data: flipped, slope: 0).classify(Self.pattern).content == .suboptimal)
    }

    /// Classifies `count` random regions of d1 units with every method; they must agree, and
    /// the sample must hold more than one class.
    static func methodsAgree(_ data: Dataset<Double>, units d1: Int, slope: Double, count: Int,
                             methods: [RegionClassifier.Method], seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        var seen: [RegionContent: Int] = [:]
        for _ in 0..<count {
            let w = Matrix<Double>(rows: d1, columns: data.d0, elements: rng.normals(d1 * data.d0))
            let (p, _) = RegionPattern.of(weights: w, inputs: data.x)
            let results = try methods.map { try RegionClassifier(data: data, slope: slope, method: $0).classify(p) }
            for r in results.dropFirst() {
                #expect(r.content == results[0].content)
                #expect(r.rank == results[0].rank)
            }
            seen[results[0].content, default: 0] += 1
        }
        #expect(seen.count >= 2, "the sample should hold regions of more than one class: \(seen)")
    }

    @Test func enumerationMixedIntegerAndSearchAgree() throws {
        try Self.methodsAgree(SyntheticData.gaussian(n: 7, d0: 2, seed: 3), units: 3, slope: 0.3, count: 40,
                              methods: [.enumerate, .mixedInteger, .branchAndBound], seed: 5)
    }

    /// A larger case (81 sign choices per region) where the search needs to branch.
    @Test func searchAgreesWithEnumerationOnLargerRegions() throws {
        try Self.methodsAgree(SyntheticData.gaussian(n: 9, d0: 3, seed: 8), units: 4, slope: 0, count: 30,
                              methods: [.enumerate, .branchAndBound], seed: 2)
    }

    @Test func canonicalPatternIgnoresUnitOrder() {
        let a = RegionPattern(positive: [[true, false, true], [false, false, true]])
        let b = RegionPattern(positive: [[false, false, true], [true, false, true]])
        #expect(a != b)
        #expect(a.canonical == b.canonical)
    }
}
