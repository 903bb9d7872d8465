import Foundation
import Linalg
import MinimaCore
import MinimaData

/// Weights on disk, one `.npy` per matrix or vector, the layout numpy users expect:
/// `W1.npy` (d1×d0), `W2.npy` (d2×d1, depth 2 only), `z.npy` (d_L), and with biases
/// `b1.npy`, `b2.npy` and `bz.npy` (the output bias, one entry).
public enum WeightFiles {
    /// The file names for a shape, with the parameter range each holds and its array shape.
    package static func entries(_ shape: NetworkShape) -> [(name: String, range: Range<Int>, shape: [Int])] {
        let layout = ParameterLayout(shape)
        let widths = shape.widths
        var out: [(String, Range<Int>, [Int])] = []
        for l in 0..<shape.depth {
            out.append(("W\(l + 1).npy", layout.weights[l], [widths[l + 1], widths[l]]))
            if let b = layout.biases { out.append(("b\(l + 1).npy", b[l], [widths[l + 1]])) }
        }
        out.append(("z.npy", layout.output, [widths[shape.depth]]))
        if let ob = layout.outputBias { out.append(("bz.npy", ob..<(ob + 1), [1])) }
        return out
    }

    /// Saves `network` into `folder` (created if needed), each file written atomically.
    public static func save<Scalar: LinalgScalar>(_ network: Network<Scalar>, to folder: String) throws {
        for e in entries(network.shape) {
            try Npy.write(Array(network.parameters[e.range]), shape: e.shape, to: folder + "/" + e.name)
        }
    }

    /// Reads weights for `shape` from `folder`; every file must exist with the right size.
    public static func load<Scalar: LinalgScalar>(_ shape: NetworkShape, from folder: String) throws -> Network<Scalar> {
        var net = Network<Scalar>(shape: shape)
        for e in entries(shape) {
            let path = folder + "/" + e.name
            let a: Npy.Array<Scalar> = try Npy.read(path)
            let expected = e.shape.reduce(1, *)
            let fits = a.values.count == expected &&
                (a.shape == e.shape || (e.shape.count == 1 && a.shape.filter { $0 != 1 } == e.shape.filter { $0 != 1 }))
            guard fits else {
                throw MinimaError.invalidFile(path: path, message:
                    "expected shape \(e.shape) for d0 = \(shape.d0), hidden = \(shape.hidden.map(String.init).joined(separator: ",")), found \(a.shape)")
            }
            if let bad = a.values.firstIndex(where: { !$0.isFinite }) {
                throw MinimaError.invalidFile(path: path, message: "holds a non-finite value at index \(bad)")
            }
            net.parameters.replaceSubrange(e.range, with: a.values)
        }
        return net
    }
}
