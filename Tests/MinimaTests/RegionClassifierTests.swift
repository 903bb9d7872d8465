import Testing
import Linalg
@testable import Minima

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
            #expect(abs(c.mce - 1.0 / 3) < 1e-12)
            #expect(c.rank == 2)
        }
        // The same data with a negative output weight: u = (−1, −2) ∈ −C is reachable too.
        let flipped = Dataset(x: Self.x, y: [-1, -2, 5])
        #expect(try RegionClassifier(data: flipped, slope: 0).classify(Self.pattern).content == .suboptimal)
    }

    @Test func enumerationAndMixedIntegerAgree() throws {
        let data: Dataset<Double> = SyntheticData.gaussian(n: 7, d0: 2, seed: 3)
        var rng = SeededGenerator(seed: 5)
        var seen: [RegionContent: Int] = [:]
        for _ in 0..<40 {
            let w = Matrix<Double>(rows: 3, columns: 2, elements: rng.normals(6))
            let (p, _) = RegionPattern.of(weights: w, inputs: data.x)
            let a = try RegionClassifier(data: data, slope: 0.3, method: .enumerate).classify(p)
            let b = try RegionClassifier(data: data, slope: 0.3, method: .mixedInteger).classify(p)
            let c = try RegionClassifier(data: data, slope: 0.3, method: .branchAndBound).classify(p)
            #expect(a.content == b.content)
            #expect(a.content == c.content)
            #expect(a.rank == b.rank)
            seen[a.content, default: 0] += 1
        }
        #expect(seen.count >= 2, "the sample should hold regions of more than one class: \(seen)")
    }

    /// A larger case (81 sign choices per region) where the search needs to branch.
    @Test func searchAgreesWithEnumerationOnLargerRegions() throws {
        let data: Dataset<Double> = SyntheticData.gaussian(n: 9, d0: 3, seed: 8)
        var rng = SeededGenerator(seed: 2)
        var seen: [RegionContent: Int] = [:]
        for _ in 0..<12 {
            let w = Matrix<Double>(rows: 4, columns: 3, elements: rng.normals(12))
            let (p, _) = RegionPattern.of(weights: w, inputs: data.x)
            let a = try RegionClassifier(data: data, slope: 0, method: .enumerate).classify(p)
            let c = try RegionClassifier(data: data, slope: 0, method: .branchAndBound).classify(p)
            #expect(a.content == c.content)
            seen[a.content, default: 0] += 1
        }
        #expect(seen.count >= 2, "\(seen)")
    }

    @Test func canonicalPatternIgnoresUnitOrder() {
        let a = RegionPattern(positive: [[true, false, true], [false, false, true]])
        let b = RegionPattern(positive: [[false, false, true], [true, false, true]])
        #expect(a != b)
        #expect(a.canonical == b.canonical)
    }
}
