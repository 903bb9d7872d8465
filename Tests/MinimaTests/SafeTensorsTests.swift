import Foundation
import Linalg
import Testing
import Minima
@testable import MinimaCore
@testable import MinimaData
@testable import MinimaModel

/// The safetensors format: bytes written here by hand parse to known values, Minima's own files
/// read back bit for bit, PyTorch's and Minima's tensor names map to the network, and every
/// malformed file is refused with one line naming the file and the tensor.
@Suite struct SafeTensorsTests {
    /// A safetensors file from a header text and data bytes, as the format defines it.
    static func file(_ header: String, _ data: [UInt8]) -> [UInt8] {
        let h = Array(header.utf8)
        return withUnsafeBytes(of: UInt64(h.count).littleEndian) { Array($0) } + h + data
    }

    /// Little-endian bytes of float32 and float64 values.
    static func f32(_ v: [Float]) -> [UInt8] { v.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian) { Array($0) } } }
    static func f64(_ v: [Double]) -> [UInt8] { v.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian) { Array($0) } } }

    @Test func knownBytesParseToKnownValues() throws {
        // A 2×3 F32 tensor at 0..<24 and a 2-entry F64 tensor at 24..<40, metadata, space padding.
        let header = #"{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"__metadata__":{"format":"pt","note":"x\"y\u00e9"},"b":{"dtype":"F64","shape":[2],"data_offsets":[24,40]}}   "#
        let bytes = SafeTensorsTests.file(header, SafeTensorsTests.f32([1, -2, 0.5, 3, 4, 1e-3]) + SafeTensorsTests.f64([0.1, -7.25]))
        let c: SafeTensors.Contents<Double> = try SafeTensors.parse(bytes, path: "k.safetensors")
        #expect(c.tensors.map(\.name) == ["a", "b"])
        #expect(c.tensor("a")?.shape == [2, 3])
        #expect(c.tensor("a")?.values == [1, -2, 0.5, 3, 4, Double(Float(1e-3))])
        #expect(c.tensor("b")?.values == [0.1, -7.25])
        #expect(c.metadata == ["format": "pt", "note": "x\"yé"])
        // Read as Float, the F64 values round once.
        let f: SafeTensors.Contents<Float> = try SafeTensors.parse(bytes, path: "k.safetensors")
        #expect(f.tensor("b")?.values == [Float(0.1), -7.25])
        // A scalar (shape []) and an empty tensor (shape [0]) take 8 and 0 bytes.
        let odd = SafeTensorsTests.file(#"{"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]},"e":{"dtype":"F32","shape":[0,4],"data_offsets":[8,8]}}"#,
                                        SafeTensorsTests.f64([2.5]))
        let o: SafeTensors.Contents<Double> = try SafeTensors.parse(odd, path: "o")
        #expect(o.tensor("s")?.values == [2.5] && o.tensor("e")?.values == [] && o.tensor("e")?.shape == [0, 4])
    }

    @Test func encodedFilesMatchTheFormat() throws {
        let t = SafeTensors.Tensor<Double>(name: "0.weight", shape: [1, 2], values: [1.5, -2])
        let bytes = SafeTensors.encode([t], metadata: ["format": "pt"])
        let n = Int(bytes[0]) | Int(bytes[1]) << 8
        #expect(bytes[2..<8].allSatisfy { $0 == 0 })
        #expect((8 + n) % 8 == 0)
        let header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
        #expect(header.trimmingCharacters(in: .whitespaces)
                == #"{"__metadata__":{"format":"pt"},"0.weight":{"dtype":"F64","shape":[1,2],"data_offsets":[0,16]}}"#)
        #expect(Array(bytes[(8 + n)...]) == SafeTensorsTests.f64([1.5, -2]))
    }

    @Test(arguments: [[5], [5, 3]]) func weightsRoundTripBitForBit(hidden: [Int]) throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        for bias in [false, true] {
            let shape = NetworkShape(d0: 4, hidden: hidden, slope: 0.2, bias: bias)
            let net = Network<Double>.random(shape: shape, seed: 11)
            let path = dir.file("w.safetensors")
            let checksum = try WeightFiles.save(net, to: path)
            #expect(try WeightFiles.checksum(of: shape, in: path) == checksum)
            let back: Network<Double> = try WeightFiles.load(shape, from: path)
            #expect(back.parameters.map(\.bitPattern) == net.parameters.map(\.bitPattern))
            #expect(try WeightFiles.shape(at: path, slope: 0.2) == shape)
            // nn.Sequential's names, W1 as out × in.
            let c: SafeTensors.Contents<Double> = try SafeTensors.read(path)
            let last = 2 * hidden.count
            var names = (0..<hidden.count).flatMap { l in ["\(2 * l).weight"] + (bias ? ["\(2 * l).bias"] : []) }
            names += ["\(last).weight"] + (bias ? ["\(last).bias"] : [])
            #expect(c.tensors.map(\.name) == names)
            #expect(c.tensor("0.weight")?.shape == [hidden[0], 4] && c.tensor("\(last).weight")?.shape == [1, hidden.last!])
            #expect(c.tensor("0.weight")?.values == Array(net.parameters[ParameterLayout(shape).weights[0]]))
            #expect(c.metadata == ["format": "pt"])
        }
        // Float32 weights are written as F32 and read back bit for bit.
        let shape = NetworkShape(d0: 3, hidden: hidden)
        let single = Network<Float>.random(shape: shape, seed: 2)
        try WeightFiles.save(single, to: dir.file("f.safetensors"))
        let bytes = try Gzip.readBytes(dir.file("f.safetensors"))
        #expect(String(decoding: bytes, as: UTF8.self).contains(#""dtype":"F32""#))
        let back: Network<Float> = try WeightFiles.load(shape, from: dir.file("f.safetensors"))
        #expect(back.parameters.map(\.bitPattern) == single.parameters.map(\.bitPattern))
    }

    /// A file of F64 tensors (name, shape, values) in the order given.
    static func tensors(_ list: [(String, [Int], [Double])]) -> [UInt8] {
        SafeTensors.encode(list.map { SafeTensors.Tensor(name: $0.0, shape: $0.1, values: $0.2) })
    }

    /// The network a file's bytes describe (slope 0), or the error's message.
    static func network(_ bytes: [UInt8]) -> Result<Network<Double>, MinimaError> {
        Result {
            let c: SafeTensors.Contents<Double> = try SafeTensors.parse(bytes, path: "n.safetensors")
            return try WeightTensors.network(c, path: "n.safetensors", slope: 0)
        }.mapError { $0 as! MinimaError }
    }

    @Test func namesMapToTheNetwork() throws {
        // Minima's names, z as a vector; no biases.
        let own = try SafeTensorsTests.network(SafeTensorsTests.tensors([("z", [2], [5, 6]), ("W1", [2, 3], [1, 2, 3, 4, 5, 6])])).get()
        #expect(own.shape == NetworkShape(d0: 3, hidden: [2]) && own.parameters == [1, 2, 3, 4, 5, 6, 5, 6])
        // nn.Sequential with a Dropout between (indices 0 and 3), hidden bias, no output bias: bz = 0.
        let seq = try SafeTensorsTests.network(SafeTensorsTests.tensors([
            ("0.weight", [2, 1], [1, 2]), ("0.bias", [2], [0.5, -0.5]), ("3.weight", [1, 2], [3, 4])])).get()
        #expect(seq.shape == NetworkShape(d0: 1, hidden: [2], bias: true))
        #expect(seq.parameters == [1, 2, 0.5, -0.5, 3, 4, 0])
        // Two hidden layers, 0.*, 2.*, 4.*, with the output bias.
        let deep = try SafeTensorsTests.network(SafeTensorsTests.tensors([
            ("0.weight", [2, 1], [1, 2]), ("0.bias", [2], [0, 1]), ("2.weight", [1, 2], [3, 4]), ("2.bias", [1], [5]),
            ("4.weight", [1, 1], [6]), ("4.bias", [1], [7])])).get()
        #expect(deep.shape == NetworkShape(d0: 1, hidden: [2, 1], bias: true))
        #expect(deep.parameters == [1, 2, 0, 1, 3, 4, 5, 6, 7])
        // A zero output bias without hidden biases is accepted (PyTorch's default bias=True, left at 0).
        let zero = try SafeTensorsTests.network(SafeTensorsTests.tensors([("0.weight", [1, 1], [1]), ("2.weight", [1, 1], [2]), ("2.bias", [1], [0])])).get()
        #expect(zero.shape.bias == false && zero.parameters == [1, 2])
        // Loading with the expected shape checks d0, widths and biases.
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        let path = dir.write(SafeTensorsTests.tensors([("W1", [2, 3], [1, 2, 3, 4, 5, 6]), ("z", [1, 2], [1, 1])]), "w.safetensors")
        #expect(minimaError { let _: Network<Double> = try WeightFiles.load(NetworkShape(d0: 3, hidden: [2], bias: true), from: path) }
                == "\(path): holds a network with d0 = 3, hidden = 2, without biases; expected d0 = 3, hidden = 2, with biases")
    }

    @Test func badNamesAndShapesAreRefusedNamingTheTensor() {
        let cases: [([(String, [Int], [Double])], String)] = [
            ([], "holds no tensors (expected the weights of nn.Linear layers: 0.weight, 2.weight, …, or W1, z, …)"),
            ([("fc.weight", [1, 1], [1])], "tensor fc.weight is not a weight Minima knows: Minima's names are W1, b1, W2, b2, z, bz; nn.Sequential's are 0.weight, 0.bias, 2.weight, … (Linear layers at increasing indices)"),
            ([("W1", [1, 1], [1]), ("2.weight", [1, 1], [1])], "tensors W1 and 2.weight mix Minima's names with nn.Sequential's: Minima's names are W1, b1, W2, b2, z, bz; nn.Sequential's are 0.weight, 0.bias, 2.weight, … (Linear layers at increasing indices)"),
            ([("W1", [1, 1], [1])], "holds no tensor z (z, the output weights)"),
            ([("0.weight", [1, 1], [1])], "holds 1 Linear layer(s) (0.weight); Minima's networks have one or two hidden layers: Linear, LeakyReLU, [Linear, LeakyReLU,] Linear(d_L, 1)"),
            ([("0.weight", [1, 1], [1]), ("2.bias", [1], [1])], "tensor 2.bias is present but 2.weight is not"),
            ([("0.weight", [3], [1, 2, 3]), ("2.weight", [1, 3], [1, 2, 3])], "tensor 0.weight must be a d1×d0 matrix (out × in, as nn.Linear stores it), found shape [3]"),
            ([("0.weight", [2, 1], [1, 2]), ("2.weight", [2, 3], [1, 2, 3, 4, 5, 6]), ("4.weight", [1, 2], [1, 2])],
             "tensor 2.weight must be a d2×d1 with d1 = 2 matrix (out × in, as nn.Linear stores it), found shape [2, 3]"),
            ([("0.weight", [2, 1], [1, 2]), ("2.weight", [2, 1], [1, 2])], "tensor 2.weight holds the output weights z and must be 1×2 (nn.Linear(2, 1)), found shape [2, 1]"),
            ([("0.weight", [2, 1], [1, 2]), ("0.bias", [2], [0, 0]), ("2.weight", [2, 2], [1, 2, 3, 4]), ("4.weight", [1, 2], [1, 2])],
             "tensor 0.bias is present but the bias of 2.weight is not: Minima's networks have a bias on every hidden layer or on none"),
            ([("0.weight", [2, 1], [1, 2]), ("0.bias", [3], [0, 0, 0]), ("2.weight", [1, 2], [1, 2])], "tensor 0.bias must hold 2 biases, found shape [3]"),
            ([("0.weight", [1, 1], [1]), ("2.weight", [1, 1], [1]), ("2.bias", [1], [0.25])],
             "tensor 2.bias = 0.25 is an output bias, which Minima's networks have only with hidden-layer biases (the paper's f(x) = zᵀφ(Wx) has none): save the last layer with bias=False or zero, or give every hidden layer a bias"),
            ([("0.weight", [1, 1], [1]), ("2.weight", [1, 1], [.nan])], "tensor 2.weight holds a non-finite value at index 0"),
        ]
        for (list, message) in cases {
            let result = SafeTensorsTests.network(SafeTensorsTests.tensors(list))
            guard case .failure(let error) = result else { Issue.record("accepted: \(message)"); continue }
            #expect(error.description == "n.safetensors: " + message)
        }
    }

    @Test func malformedFilesAreRefusedWithOneLine() {
        func message(_ bytes: [UInt8]) -> String? { minimaError { let _: SafeTensors.Contents<Double> = try SafeTensors.parse(bytes, path: "m.safetensors") } }
        let data = SafeTensorsTests.f32([1, 2, 3, 4])
        func with(_ header: String, _ bytes: [UInt8] = SafeTensorsTests.f32([1, 2, 3, 4])) -> String? { message(SafeTensorsTests.file(header, bytes)) }
        let cases: [(String?, String)] = [
            (message([1, 2, 3]), "truncated: a safetensors file starts with an 8-byte header length, the file has 3 bytes"),
            (message([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]), "the header length 9223372036854775807 is more than the 100000000 bytes a safetensors header may have (not a safetensors file, or corrupt)"),
            (message([0, 0xE1, 0xF5, 0x05, 0, 0, 0, 0] + Array("{}".utf8)), "truncated: the header length says 100000000 bytes, the file has 2 after it"),
            (message(Array(SafeTensorsTests.file(#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data).prefix(30))),
             "truncated: the header length says 55 bytes, the file has 22 after it"),
            (with(#"["a"]"#), "the header is not a JSON object (it must start with '{')"),
            (with(#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}"#), "the header is not valid JSON: the JSON text ends inside an object (at byte 54 of the header)"),
            (with(#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"a":{"dtype":"F32","shape":[0],"data_offsets":[16,16]}}"#),
             "the header is not valid JSON: the key \"a\" appears twice (at byte 58 of the header)"),
            (with(#"{"a":{"dtype":"F16","shape":[8],"data_offsets":[0,16]}}"#),
             "tensor a: dtype F16 is not supported (Minima reads F32 and F64; convert with .float() or .double() before saving)"),
            (with(#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,20]}}"#), "tensor a: data_offsets [0, 20] lie outside the 16-byte data buffer"),
            (with(#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[12,4]}}"#), "tensor a: data_offsets [12, 4] lie outside the 16-byte data buffer"),
            (with(#"{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]}}"#), "tensor a: shape [2, 3] of F32 needs 24 bytes, data_offsets [0, 16] hold 16"),
            (with(#"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,16]}}"#), "tensor a: shape [4294967296, 4294967296] holds more values than a 64-bit size can count"),
            (with(#"{"a":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}}"#), "tensor a: shape must be an array of sizes (non-negative integers)"),
            (with(#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0]}}"#), "tensor a: data_offsets must be [begin, end], two non-negative integers"),
            (with(#"{"a":{"dtype":"F32","shape":[4]}}"#), "tensor a: no data_offsets field"),
            (with(#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16],"extra":1}}"#), "tensor a: unknown field extra (expected dtype, shape and data_offsets)"),
            (with(#"{"a":[1]}"#), "tensor a: expected an object with dtype, shape and data_offsets, found an array"),
            (with(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#),
             "tensors a and b overlap (bytes 8..<12 of the data buffer)"),
            (with(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#),
             "bytes 4..<8 of the data buffer belong to no tensor"),
            (with(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}"#), "4 bytes after the tensors' data belong to no tensor (the data buffer has 16)"),
            (with(#"{"__metadata__":{"n":1},"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#), "__metadata__ entry n must be a string, found a number"),
        ]
        for (found, expected) in cases { #expect(found == "m.safetensors: " + expected) }
        // Deep nesting stops at the reader's depth limit rather than recursing.
        let deep = String(repeating: "[", count: 100000)
        #expect(with("{\"a\":" + deep)?.hasPrefix("m.safetensors: the header is not valid JSON: objects and arrays nest more than 3 deep") == true)
    }

    @Test func commandLineReadsAndWritesSafeTensors() throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        let common = ["--n", "30", "--d0", "3", "--hidden", "4", "--epochs", "20", "--quiet"]
        let trained = try runMinima(["train"] + common + ["--save-weights", dir.file("w.safetensors"), "--out", dir.file("run.json")])
        #expect(trained.status == 0, "\(trained.stderr)")
        let certified = try runMinima(["certify", "--run", dir.file("run.json"), "--json"])
        #expect(certified.status == 0, "\(certified.stderr)")
        // --init-weights starts from the file's weights: the new run's epoch-0 MSE is the first run's final MSE.
        let again = try runMinima(["train"] + common + ["--epochs", "1", "--init-weights", dir.file("w.safetensors"), "--out", dir.file("run2.json")])
        #expect(again.status == 0, "\(again.stderr)")
        let first = try RunRecord.read(dir.file("run.json")), second = try RunRecord.read(dir.file("run2.json"))
        #expect(abs(second.curve[0].mse - first.final.mse) <= 1e-12 * first.final.mse, "\(second.curve[0].mse) vs \(first.final.mse)")
        // A weights file that changed after the run is refused by the record's checksum.
        var bytes = try Gzip.readBytes(dir.file("w.safetensors"))
        bytes[bytes.count - 1] ^= 1
        _ = dir.write(bytes, "w.safetensors")
        let changed = try runMinima(["certify", "--run", dir.file("run.json")])
        #expect(changed.status == 2 && changed.stderr.contains("the weights do not match the checksum"), "\(changed.stderr)")
        // A folder at a .safetensors path, and a file at a weights-folder path, are refused before training.
        try FileManager.default.createDirectory(atPath: dir.file("d.safetensors"), withIntermediateDirectories: true)
        let folder = try runMinima(["train"] + common + ["--save-weights", dir.file("d.safetensors"), "--out", dir.file("r3.json")])
        #expect(folder.status == 2 && folder.stderr.contains("--save-weights: \(dir.file("d.safetensors")) is a folder"), "\(folder.stderr)")
        #expect(folder.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: dir.file("r3.json")))
    }
}
