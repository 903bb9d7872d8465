import Kernels
import Testing
import Linalg
import Minima
@testable import MinimaData
@testable import MinimaModel
@testable import MinimaTraining

/// Back-propagation against central finite differences of the MSE, in Float64.
@Suite("Gradients")
struct GradientTests {
    static let cases: [(hidden: [Int], bias: Bool, slope: Double)] = [
        ([6], false, 0), ([6], true, 0), ([6], false, 0.1), ([6], true, 0.1),
        ([5, 4], false, 0), ([5, 4], true, 0), ([5, 4], false, 0.1), ([5, 4], true, 0.1),
    ]

    @Test(arguments: 0..<8)
    func backPropagationMatchesCentralDifferences(_ index: Int) {
        let c = GradientTests.cases[index]
        let data: Dataset<Double> = SyntheticData.gaussian(n: 30, d0: 4, seed: UInt64(index))
        var net = Network<Double>.random(shape: NetworkShape(d0: 4, hidden: c.hidden, slope: c.slope, bias: c.bias),
                                         seed: UInt64(100 + index))
        if c.bias {
            var g = SeededGenerator(seed: 9)
            for r in net.layout.biases! { for i in r { net.parameters[i] = 0.3 * g.normal() } }
            net.parameters[net.layout.outputBias!] = 0.2
        }
        // Central differences are exact for a quadratic; inside one activation region the MSE
        // is a polynomial of degree ≤ 2 in each single parameter, so h only has to keep every
        // pre-activation on its side: margins above 2e-5 are enough for h = 1e-6.
        let stats = net.preactivationStatistics(data)
        #expect(stats.minAbs > 2e-5)  // a step of h moves a pre-activation by at most ~5h here
        let analytic = net.gradient(data)
        let h = 1e-6
        var maxRelative = 0.0
        for i in 0..<net.parameters.count {
            var plus = net, minus = net
            plus.parameters[i] += h
            minus.parameters[i] -= h
            let numeric = (plus.mse(data) - minus.mse(data)) / (2 * h)
            let scale = max(abs(numeric), abs(analytic[i]), 1e-3)
            maxRelative = max(maxRelative, abs(numeric - analytic[i]) / scale)
        }
        #expect(maxRelative < 1e-6, "max relative error \(maxRelative) for \(c)")
    }

    @Test func batchGradientsAccumulateToTheFullGradient() {
        let data: Dataset<Double> = SyntheticData.gaussian(n: 10_000, d0: 3, seed: 1)
        let net = Network<Double>.random(shape: NetworkShape(d0: 3, hidden: [4]), seed: 2)
        // 10,000 samples are split into chunks of 4096 by `gradient`; compare with one pass.
        let ws = Workspace<Double>(shape: net.shape, capacity: data.n)
        var one = [Double](repeating: 0, count: net.layout.count)
        data.x.elements.withUnsafeBufferPointer { px in
            data.y.withUnsafeBufferPointer { py in
                one.withUnsafeMutableBufferPointer { pg in
                    _ = net.sumOfSquaresAndGradient(px.baseAddress!, py.baseAddress!, rows: data.n,
                                                    scale: 1 / Double(data.n), gradient: pg.baseAddress!, workspace: ws)
                }
            }
        }
        let chunked = net.gradient(data)
        for i in one.indices { #expect(abs(one[i] - chunked[i]) < 1e-12 * max(1, abs(one[i]))) }
    }

    @Test func outputsMatchTheFormula() {
        // f(x) = zᵀ φ(W x + b) + bz with ρ = 0.5, by hand for one sample.
        var net = Network<Double>(shape: NetworkShape(d0: 2, hidden: [2], slope: 0.5, bias: true))
        // W1 = [[1, 2], [-1, 1]], b1 = [0.5, -1], z = [2, -3], bz = 0.25
        net.parameters = [1, 2, -1, 1, 0.5, -1, 2, -3, 0.25]
        let data = Dataset<Double>(x: Matrix([[1, 1]]), y: [1])
        // pre = [3.5, -1] → φ = [3.5, -0.5] → f = 7 + 1.5 + 0.25 = 8.75
        #expect(net.outputs(data) == [8.75])
        #expect(abs(net.metrics(data).mse - 7.75 * 7.75) < 1e-12)
        #expect(net.preactivationStatistics(data) == PreactivationStatistics(minAbs: 1, exactZeros: 0))
    }
}

/// Every fused-kernel path this CPU runs (AVX-512, AVX2, baseline) against the BLAS path
/// (which the central differences above check), on shapes that leave every remainder of the
/// 4-row and 4-input tiles and of the two-vector unit tiles of each width (8 to 32 units), of the
/// wide-input kernel's 4-row tiles, its 4- or 3-unit and 4- or 3-vector tiles (32 or 16 vector
/// registers) and its row blocks, and of the two-hidden-layer kernel's; rows given by index (a
/// minibatch read in place) against BLAS on the gathered rows.
@Suite("Fused kernel")
struct FusedKernelTests {
    static let cases: [(n: Int, d0: Int, d1: Int, bias: Bool, slope: Double)] = [
        (400, 20, 40, false, 0), (37, 7, 13, true, 0.1), (5, 3, 1, false, 0.25), (301, 9, 17, true, 0),
        (66, 5, 33, true, 0.2), (43, 6, 47, false, 0.05), (22, 11, 64, false, 0),
        // The wide-input kernel: d0 past a multiple of 4 and of 3 vectors, 1–3 units past a 4-unit
        // tile and 1–2 past a 3-unit one, several row blocks (130 rows of 2500 inputs).
        (45, 300, 61, false, 0), (130, 2500, 7, true, 0.1), (9, 2050, 6, false, 0.2), (70, 1029, 4, true, 0),
        (51, 777, 8, true, 0.15),
    ]
    /// Two hidden layers (the two-layer kernel): widths of odd and even vector counts on each
    /// path, inputs and rows past their tiles, several row blocks (the Figure 1 size: 400 rows).
    static let deepCases: [(n: Int, d0: Int, hidden: [Int], bias: Bool, slope: Double)] = [
        (400, 16, [16, 16], false, 0), (37, 7, [13, 5], true, 0.1), (5, 3, [1, 2], false, 0.25), (301, 9, [17, 33], true, 0),
        (66, 44, [44, 44], false, 0.2), (43, 6, [47, 9], true, 0.05),
    ]
    static let paths = KernelPath.supported.filter { $0 != .blas }

    func compare<Scalar: LinalgScalar>(_ type: Scalar.Type, _ c: (n: Int, d0: Int, hidden: [Int], bias: Bool, slope: Double),
                                       path: KernelPath, tolerance: Double) {
        let data: Dataset<Scalar> = SyntheticData.gaussian(n: c.n, d0: c.d0, seed: 11)
        var net = Network<Scalar>.random(shape: NetworkShape(d0: c.d0, hidden: c.hidden, slope: c.slope, bias: c.bias), seed: 12)
        if c.bias {
            for i in net.parameters.indices where !net.layout.weights.contains(where: { $0.contains(i) }) { net.parameters[i] += 0.1 }
        }
        let deep = c.hidden.count == 2
        // Every other row, last first.
        let order = Array(stride(from: c.n - 1, through: 0, by: -2))
        let gathered = Dataset<Scalar>(x: Matrix(rows: order.count, columns: c.d0, elements: order.flatMap { data.x.row($0) }),
                                       y: order.map { data.y[$0] }, coding: data.coding, name: "gathered")
        func run(_ path: KernelPath, accumulate: Bool, byIndex: Bool) -> (Scalar, [Scalar]) {
            let rows = byIndex ? order.count : c.n
            let ws = Workspace<Scalar>(shape: net.shape, capacity: rows, path: path)
            #expect((ws.kernel != nil) == (path != .blas && !deep) && (ws.twoLayerKernel != nil) == (path != .blas && deep))
            var g = [Scalar](repeating: accumulate ? 1 : 7, count: net.layout.count)
            // Rows by index are read in place by the one-layer kernel; the others take gathered rows.
            let inPlace = byIndex && ws.kernel != nil
            let source = byIndex && !inPlace ? gathered : data
            let sse = source.x.elements.withUnsafeBufferPointer { px in
                source.y.withUnsafeBufferPointer { py in
                    order.withUnsafeBufferPointer { po in
                        g.withUnsafeMutableBufferPointer { pg in
                            net.sumOfSquaresAndGradient(px.baseAddress!, py.baseAddress!, order: inPlace ? po.baseAddress! : nil,
                                                        rows: rows, scale: 1 / Scalar(rows),
                                                        gradient: pg.baseAddress!, accumulate: accumulate, workspace: ws)
                        }
                    }
                }
            }
            return (sse, g)
        }
        for (accumulate, byIndex) in [(false, false), (true, false), (false, true)] {
            let (s0, g0) = run(.blas, accumulate: accumulate, byIndex: byIndex)
            let (s1, g1) = run(path, accumulate: accumulate, byIndex: byIndex)
            #expect(abs(Double(s0 - s1)) <= tolerance * Double(abs(s0)), "SSE \(s0) vs \(s1) for \(c) on \(path)")
            let scale = g0.map { abs(Double($0)) }.max()!
            for i in g0.indices {
                #expect(abs(Double(g0[i] - g1[i])) <= tolerance * scale, "parameter \(i): \(g0[i]) vs \(g1[i]) for \(c) on \(path)")
            }
        }
    }

    static func oneLayer(_ index: Int) -> (n: Int, d0: Int, hidden: [Int], bias: Bool, slope: Double) {
        let c = cases[index]
        return (c.n, c.d0, [c.d1], c.bias, c.slope)
    }

    @Test(arguments: paths, 0..<11)
    func matchesTheBLASPathInFloat64(_ path: KernelPath, _ index: Int) {
        compare(Double.self, FusedKernelTests.oneLayer(index), path: path, tolerance: 1e-12)
    }

    @Test(arguments: paths, 0..<11)
    func matchesTheBLASPathInFloat32(_ path: KernelPath, _ index: Int) {
        compare(Float.self, FusedKernelTests.oneLayer(index), path: path, tolerance: 1e-4)
    }

    @Test(arguments: paths, 0..<6)
    func twoHiddenLayersMatchTheBLASPath(_ path: KernelPath, _ index: Int) {
        compare(Double.self, FusedKernelTests.deepCases[index], path: path, tolerance: 1e-12)
        compare(Float.self, FusedKernelTests.deepCases[index], path: path, tolerance: 1e-4)
    }

    @Test func theCPUsPathsIncludeTheBaselineAndBLAS() {
        #expect(KernelPath.supported.contains(.generic) && KernelPath.supported.contains(.blas))
        #expect(KernelPath.best.isSupported)
        #expect(KernelPath.supported.first == KernelPath.best)
    }

    @Test func minimaKernelNamesAPathOrIsRefused() throws {
        #expect(try KernelPath.requested([:]) == nil)
        #expect(try KernelPath.requested(["MINIMA_KERNEL": "BLAS"]) == .blas)
        #expect(try KernelPath.requested(["MINIMA_KERNEL": "generic"]) == .generic)
        #expect(throws: KernelPathError.self) { try KernelPath.requested(["MINIMA_KERNEL": "sse9"]) }
        for path in KernelPath.allCases where !path.isSupported {
            #expect(throws: KernelPathError.self) { try KernelPath.requested(["MINIMA_KERNEL": path.rawValue]) }
        }
    }

    @Test func blasCoreNoteWarnsOfOlderKernelsOnly() {
        #expect(BLASCoreCheck.note(core: "Prescott", best: .avx512)?.contains("without AVX2") == true)
        #expect(BLASCoreCheck.note(core: "Haswell", best: .avx512)?.contains("without AVX-512") == true)
        #expect(BLASCoreCheck.note(core: "SkylakeX", best: .avx512) == nil)
        #expect(BLASCoreCheck.note(core: "Sandybridge", best: .avx2) != nil)
        #expect(BLASCoreCheck.note(core: "Haswell", best: .avx2) == nil)
        #expect(BLASCoreCheck.note(core: "Prescott", best: .generic) == nil)
    }
}
