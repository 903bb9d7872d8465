import Foundation
import Linalg
import MinimaCore
import MinimaData

/// Weights on disk. A folder holds one `.npy` per matrix or vector, the layout numpy users
/// expect: `W1.npy` (d1×d0), `W2.npy` (d2×d1, depth 2 only), `z.npy` (d_L), and with biases
/// `b1.npy`, `b2.npy` and `bz.npy` (the output bias, one entry). A path ending in
/// `.safetensors` is one file of tensors in PyTorch's names instead (`WeightTensors`).
public enum WeightFiles {
    /// Whether `path` names one safetensors file rather than a folder of `.npy` files.
    public static func isSafeTensors(_ path: String) -> Bool { path.hasSuffix(".safetensors") }

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

    /// Every name a weights folder may hold.
    static let names: Set<String> = ["W1.npy", "W2.npy", "b1.npy", "b2.npy", "z.npy", "bz.npy"]

    /// Saves `network` into `folder` as a whole: the files are written into a temporary folder
    /// beside it, which then takes the place of `folder` (renames), so a failure leaves the old
    /// folder or none, never a mix. Returns the new folder's `checksum`.
    /// A `.safetensors` path is written as one file, atomically.
    @discardableResult
    public static func save<Scalar: LinalgScalar>(_ network: Network<Scalar>, to folder: String) throws -> String {
        try checkDestination(folder)
        if isSafeTensors(folder) {
            let bytes = SafeTensors.encode(WeightTensors.tensors(network), metadata: ["format": "pt"])
            try AtomicFile.write(Data(bytes), to: folder)
            return fileChecksum(bytes)
        }
        let url = URL(fileURLWithPath: folder).standardizedFileURL
        let parent = url.deletingLastPathComponent(), name = url.lastPathComponent
        let temporary = parent.appendingPathComponent(".\(name).tmp-\(getpid())").path
        let previous = parent.appendingPathComponent(".\(name).old-\(getpid())").path
        let fm = FileManager.default
        do {
            try? fm.removeItem(atPath: temporary)
            try fm.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        } catch {
            throw MinimaError.invalidFile(path: folder, message: "cannot create a folder beside it (\(error.localizedDescription))")
        }
        do {
            for e in entries(network.shape) {
                try Npy.write(Array(network.parameters[e.range]), shape: e.shape, to: temporary + "/" + e.name)
            }
        } catch {
            try? fm.removeItem(atPath: temporary)
            throw error
        }
        let checksum = try self.checksum(of: network.shape, in: temporary)
        let replacing = fm.fileExists(atPath: url.path)
        if replacing && rename(url.path, previous) != 0 {
            let reason = String(cString: strerror(errno))
            try? fm.removeItem(atPath: temporary)
            throw MinimaError.invalidFile(path: folder, message: "cannot replace the folder (\(reason))")
        }
        guard rename(temporary, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            if replacing { _ = rename(previous, url.path) }
            try? fm.removeItem(atPath: temporary)
            throw MinimaError.invalidFile(path: folder, message: "cannot move the weights into place (\(reason))")
        }
        if replacing { try? fm.removeItem(atPath: previous) }
        return checksum
    }

    /// Refuses a destination that is a file or a folder holding anything but weight files
    /// (`save` replaces the folder as a whole and must not delete other files).
    /// A `.safetensors` path may be a file or new, not a folder.
    public static func checkDestination(_ folder: String) throws {
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        guard fm.fileExists(atPath: folder, isDirectory: &isFolder) else { return }
        if isSafeTensors(folder) {
            guard !isFolder.boolValue else {
                throw MinimaError.invalidFile(path: folder, message: "is a folder; a path ending in .safetensors names one weights file")
            }
            return
        }
        guard isFolder.boolValue else { throw MinimaError.invalidFile(path: folder, message: "is a file, not a weights folder") }
        let others = ((try? fm.contentsOfDirectory(atPath: folder)) ?? []).filter { !names.contains($0) }.sorted()
        if let first = others.first {
            throw MinimaError.invalidFile(path: folder, message: "holds \(first)\(others.count > 1 ? " and \(others.count - 1) more" : ""), which is not a weight file; weights replace their folder as a whole, so give a new or a weights-only folder")
        }
    }

    /// FNV-1a (64 bits, hex) over the names and bytes of the weight files of `shape` in
    /// `folder` (over the bytes of a `.safetensors` file): a run record keeps it, and
    /// `certify --run` refuses weights that changed.
    public static func checksum(of shape: NetworkShape, in folder: String) throws -> String {
        if isSafeTensors(folder) { return fileChecksum(try Gzip.readBytes(folder)) }
        var h = FNV1a()
        for e in entries(shape) {
            let data = try Gzip.readBytes(folder + "/" + e.name)
            h.combine(e.name.utf8)
            h.combine(data)
        }
        return "fnv1a64:" + h.hex
    }

    /// The checksum of one weights file's bytes.
    private static func fileChecksum(_ bytes: [UInt8]) -> String {
        var h = FNV1a()
        h.combine(bytes)
        return "fnv1a64:" + h.hex
    }

    /// Reads weights for `shape` from `folder`; every file must exist with the right size. A
    /// `.safetensors` file must hold a network of this shape (d0, widths, biases).
    public static func load<Scalar: LinalgScalar>(_ shape: NetworkShape, from folder: String) throws -> Network<Scalar> {
        if isSafeTensors(folder) {
            let net: Network<Scalar> = try WeightTensors.network(SafeTensors.read(folder), path: folder, slope: shape.slope)
            let found = net.shape
            guard found.d0 == shape.d0, found.hidden == shape.hidden, found.bias == shape.bias else {
                func describe(_ s: NetworkShape) -> String {
                    "d0 = \(s.d0), hidden = \(s.hidden.map(String.init).joined(separator: ",")), \(s.bias ? "with" : "without") biases"
                }
                throw MinimaError.invalidFile(path: folder, message: "holds a network with \(describe(found)); expected \(describe(shape))")
            }
            return net
        }
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

    /// The network shape stored at `path` (ρ is not stored and comes from `slope`): for a folder,
    /// d1×d0 from `W1.npy`, depth 2 when `W2.npy` exists, biases when `b1.npy` exists; for a
    /// `.safetensors` file, what its tensors hold.
    public static func shape(at path: String, slope: Double) throws -> NetworkShape {
        if isSafeTensors(path) {
            let net: Network<Double> = try WeightTensors.network(SafeTensors.read(path), path: path, slope: slope)
            return net.shape
        }
        let fm = FileManager.default
        let w1Path = path + "/W1.npy"
        guard fm.fileExists(atPath: w1Path) else {
            throw MinimaError.invalidFile(path: w1Path, message: "no such file (weights are a folder holding W1.npy, z.npy and, for two layers, W2.npy, or a .safetensors file)")
        }
        let w1: Npy.Array<Double> = try Npy.read(w1Path)
        guard w1.shape.count == 2, w1.shape[0] > 0, w1.shape[1] > 0 else {
            throw MinimaError.invalidFile(path: w1Path, message: "W1 must be a d1×d0 matrix, found shape \(w1.shape)")
        }
        var hidden = [w1.shape[0]]
        if fm.fileExists(atPath: path + "/W2.npy") {
            let w2: Npy.Array<Double> = try Npy.read(path + "/W2.npy")
            guard w2.shape.count == 2, w2.shape[1] == w1.shape[0], w2.shape[0] > 0 else {
                throw MinimaError.invalidFile(path: path + "/W2.npy", message: "W2 must be d2×d1 with d1 = \(w1.shape[0]), found shape \(w2.shape)")
            }
            hidden.append(w2.shape[0])
        }
        let shape = NetworkShape(d0: w1.shape[1], hidden: hidden, slope: slope, bias: fm.fileExists(atPath: path + "/b1.npy"))
        try shape.validate()
        return shape
    }
}
