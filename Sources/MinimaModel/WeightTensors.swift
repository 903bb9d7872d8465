import Linalg
import MinimaCore
import MinimaData

/// Weights as the tensors of one `safetensors` file, named as PyTorch names the parameters of
///
///     nn.Sequential(nn.Linear(d0, d1), nn.LeakyReLU(ρ), [nn.Linear(d1, d2), nn.LeakyReLU(ρ),] nn.Linear(d_L, 1))
///
/// so `model.load_state_dict(safetensors.torch.load_file(path))` reads what Minima writes:
/// `0.weight` is `W1` (d1×d0), `0.bias` is `b1`; with two hidden layers `2.weight` is `W2`
/// (d2×d1) and `2.bias` is `b2`; the last Linear (`2.*` with one hidden layer, `4.*` with two)
/// holds `zᵀ` (1×d_L) and the output bias `bz` (one entry). Written with biases exactly when the
/// network has them (`bias=False` on every Linear otherwise).
///
/// Read with those names (the Linear layers at any increasing indices, as modules without
/// parameters in between shift them) or with Minima's own, `W1`, `b1`, `W2`, `b2`, `z`, `bz`.
/// The hidden layers have a bias each or none. The paper's network has no output bias: without
/// hidden biases an output bias must be zero (PyTorch's default `bias=True` on a trained last
/// layer is refused, naming the tensor); with hidden biases it is Minima's `bz`, and zero when
/// the file has none (`nn.Linear(d_L, 1, bias=False)`).
package enum WeightTensors {
    /// The tensors of `network` in nn.Sequential's names.
    package static func tensors<Scalar: LinalgScalar>(_ network: Network<Scalar>) -> [SafeTensors.Tensor<Scalar>] {
        let shape = network.shape, layout = ParameterLayout(shape), widths = shape.widths
        let p = network.parameters
        var out: [SafeTensors.Tensor<Scalar>] = []
        for l in 0..<shape.depth {
            out.append(.init(name: "\(2 * l).weight", shape: [widths[l + 1], widths[l]], values: Array(p[layout.weights[l]])))
            if let b = layout.biases { out.append(.init(name: "\(2 * l).bias", shape: [widths[l + 1]], values: Array(p[b[l]]))) }
        }
        let last = 2 * shape.depth
        out.append(.init(name: "\(last).weight", shape: [1, widths[shape.depth]], values: Array(p[layout.output])))
        if let ob = layout.outputBias { out.append(.init(name: "\(last).bias", shape: [1], values: [p[ob]])) }
        return out
    }

    /// One Linear layer as found in a file.
    private struct Layer<Scalar: LinalgScalar> {
        var weight: SafeTensors.Tensor<Scalar>
        var bias: SafeTensors.Tensor<Scalar>?
    }

    /// The network the tensors of `contents` describe, with slope `slope` (ρ is not stored).
    package static func network<Scalar: LinalgScalar>(_ contents: SafeTensors.Contents<Scalar>, path: String, slope: Double) throws -> Network<Scalar> {
        func fail(_ message: String) -> MinimaError { .invalidFile(path: path, message: message) }
        let layers = try self.layers(contents, path: path)
        let hidden = layers.dropLast(), output = layers.last!
        // Weight shapes: W1 is d1×d0, each further hidden layer takes the previous width.
        var widths: [Int] = []
        for (l, layer) in hidden.enumerated() {
            let s = layer.weight.shape
            guard s.count == 2, s[0] > 0, s[1] > 0, l == 0 || s[1] == widths[l] else {
                let expected = l == 0 ? "d1×d0" : "d\(l + 1)×d\(l) with d\(l) = \(widths[l])"
                throw fail("tensor \(layer.weight.name) must be a \(expected) matrix (out × in, as nn.Linear stores it), found shape \(s)")
            }
            if l == 0 { widths.append(s[1]) }
            widths.append(s[0])
        }
        let dL = widths.last!
        guard output.weight.shape == [1, dL] || output.weight.shape == [dL] else {
            throw fail("tensor \(output.weight.name) holds the output weights z and must be 1×\(dL) (nn.Linear(\(dL), 1)), found shape \(output.weight.shape)")
        }
        // Biases: on every hidden layer or on none; each one entry per unit.
        let withBias = hidden.filter { $0.bias != nil }
        if let first = withBias.first, let missing = hidden.first(where: { $0.bias == nil }) {
            throw fail("tensor \(first.bias!.name) is present but the bias of \(missing.weight.name) is not: Minima's networks have a bias on every hidden layer or on none")
        }
        for (l, layer) in hidden.enumerated() {
            if let b = layer.bias, b.shape != [widths[l + 1]] {
                throw fail("tensor \(b.name) must hold \(widths[l + 1]) biases, found shape \(b.shape)")
            }
        }
        if let b = output.bias, b.values.count != 1 || b.shape.count > 1 {
            throw fail("tensor \(b.name) is the output bias and must hold one value, found shape \(b.shape)")
        }
        let bias = !withBias.isEmpty
        if !bias, let b = output.bias, let value = b.values.first, value != 0 {
            throw fail("tensor \(b.name) = \(value) is an output bias, which Minima's networks have only with hidden-layer biases (the paper's f(x) = zᵀφ(Wx) has none): save the last layer with bias=False or zero, or give every hidden layer a bias")
        }
        for t in contents.tensors {
            if let bad = t.values.firstIndex(where: { !$0.isFinite }) {
                throw fail("tensor \(t.name) holds a non-finite value at index \(bad)")
            }
        }
        let shape = NetworkShape(d0: widths[0], hidden: Array(widths.dropFirst()), slope: slope, bias: bias)
        try shape.validate()
        var net = Network<Scalar>(shape: shape)
        let layout = ParameterLayout(shape)
        for (l, layer) in hidden.enumerated() {
            net.parameters.replaceSubrange(layout.weights[l], with: layer.weight.values)
            if let b = layout.biases { net.parameters.replaceSubrange(b[l], with: layer.bias!.values) }
        }
        net.parameters.replaceSubrange(layout.output, with: output.weight.values)
        if let ob = layout.outputBias { net.parameters[ob] = output.bias?.values[0] ?? 0 }
        return net
    }

    /// Minima's names in layer order.
    private static let minimaNames: [(weight: String, bias: String)] = [("W1", "b1"), ("W2", "b2"), ("z", "bz")]

    /// The Linear layers of the file in order, the output layer last: by Minima's names or by
    /// nn.Sequential's (`K.weight`, `K.bias` with K an index).
    private static func layers<Scalar: LinalgScalar>(_ contents: SafeTensors.Contents<Scalar>, path: String) throws -> [Layer<Scalar>] {
        func fail(_ message: String) -> MinimaError { .invalidFile(path: path, message: message) }
        let tensors = contents.tensors
        guard !tensors.isEmpty else { throw fail("holds no tensors (expected the weights of nn.Linear layers: 0.weight, 2.weight, …, or W1, z, …)") }
        let ownNames = Set(minimaNames.flatMap { [$0.weight, $0.bias] })
        func sequential(_ name: String) -> (index: Int, isBias: Bool)? {
            let parts = name.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), parts[0].count <= 9,
                  parts[1] == "weight" || parts[1] == "bias" else { return nil }
            return (Int(parts[0])!, parts[1] == "bias")
        }
        let known = "Minima's names are W1, b1, W2, b2, z, bz; nn.Sequential's are 0.weight, 0.bias, 2.weight, … (Linear layers at increasing indices)"
        if let odd = tensors.first(where: { !ownNames.contains($0.name) && sequential($0.name) == nil }) {
            throw fail("tensor \(odd.name) is not a weight Minima knows: \(known)")
        }
        let own = tensors.filter { ownNames.contains($0.name) }
        if let a = own.first, let b = tensors.first(where: { !ownNames.contains($0.name) }) {
            throw fail("tensors \(a.name) and \(b.name) mix Minima's names with nn.Sequential's: \(known)")
        }
        if !own.isEmpty {
            var layers: [Layer<Scalar>] = []
            for (k, names) in minimaNames.enumerated() {
                let weight = contents.tensor(names.weight), bias = contents.tensor(names.bias)
                if weight == nil, let bias { throw fail("tensor \(bias.name) is present but \(names.weight) is not") }
                if let weight { layers.append(Layer(weight: weight, bias: bias)) } else if k != 1 {
                    throw fail("holds no tensor \(names.weight) (\(k == 0 ? "W1, d1×d0" : "z, the output weights"))")
                }
            }
            return layers
        }
        var byIndex: [Int: (weight: SafeTensors.Tensor<Scalar>?, bias: SafeTensors.Tensor<Scalar>?)] = [:]
        for t in tensors {
            let (index, isBias) = sequential(t.name)!
            if isBias { byIndex[index, default: (nil, nil)].bias = t } else { byIndex[index, default: (nil, nil)].weight = t }
        }
        var layers: [Layer<Scalar>] = []
        for index in byIndex.keys.sorted() {
            let entry = byIndex[index]!
            guard let weight = entry.weight else { throw fail("tensor \(index).bias is present but \(index).weight is not") }
            layers.append(Layer(weight: weight, bias: entry.bias))
        }
        guard (2...3).contains(layers.count) else {
            throw fail("holds \(layers.count) Linear layer(s) (\(byIndex.keys.sorted().map { "\($0).weight" }.joined(separator: ", "))); Minima's networks have one or two hidden layers: Linear, LeakyReLU, [Linear, LeakyReLU,] Linear(d_L, 1)")
        }
        return layers
    }
}
