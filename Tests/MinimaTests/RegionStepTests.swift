import Testing
import Linalg
import Minima
@testable import MinimaData
@testable import MinimaModel
@testable import MinimaLandscape

@Suite("Region fit as weights")
struct RegionStepTests {
    /// With targets the network already fits, the region's least-squares solution is the
    /// network's own u = vec(diag(z)W̃), and mapping it back returns the same weights.
    @Test(arguments: [false, true])
    func mappingBackReproducesTheNetwork(_ bias: Bool) throws {
        let shape = NetworkShape(d0: 4, hidden: [3], slope: 0.2, bias: bias)
        var net = Network<Double>.random(shape: shape, seed: 3)
        if bias {
            for i in net.layout.biases![0] { net.parameters[i] = 0.1 * Double(i % 3 + 1) }
            net.parameters[net.layout.outputBias!] = -0.3
        }
        let inputs: Dataset<Double> = SyntheticData.gaussian(n: 40, d0: 4, seed: 5)
        let data = Dataset(x: inputs.x, y: net.outputs(inputs))
        let pattern = ActivationPattern(inputs: Hessian.augment(data.x, false), weights: net.weight(0),
                                        biases: net.layout.biases.map { Array(net.parameters[$0[0]]) }, slope: 0.2)
        let design = KhatriRao(slopes: pattern.slopes, inputs: Hessian.augment(data.x, bias), intercept: bias)
        // Start from zero: the fit must find the network's weights (design has full column rank).
        let solution = try RegionFit.solve(design, y: data.y, coding: .plusMinusOne, method: .dense)
        let back = solution.network(like: net)
        for i in net.parameters.indices { #expect(abs(back.parameters[i] - net.parameters[i]) < 1e-9, "parameter \(i)") }
        let f = back.outputs(data)
        for n in 0..<data.n { #expect(abs(f[n] - solution.fitted[n]) < 1e-9) }
    }
}
