import Foundation
import Linalg
import Testing
import Minima
@testable import MinimaCore
@testable import MinimaData
@testable import MinimaModel

/// Seeded random byte strings, and valid files with random bytes changed or cut off, fed to
/// every parser: each must return or throw a `MinimaError`, never crash or hang.
@Suite struct ParserFuzzTests {
    static let cases = 3000

    /// Valid examples of every format, to mutate.
    static func seeds() -> [String: [UInt8]] {
        let grey = ImageDecoder.Image(channels: 1, height: 5, width: 7, pixels: (0..<35).map { UInt8($0 * 7) })
        let rgb = ImageDecoder.Image(channels: 3, height: 8, width: 8, pixels: (0..<192).map { UInt8($0 % 256) })
        let idx = IDX.encode((0..<48).map { UInt8($0) }, shape: [3, 4, 4])
        let cifar = CIFAR10.encode(TestImages.set(count: 2, channels: 3, height: 32, width: 32, classes: 10, names: CIFAR10.classNames))
        return [
            "idx": idx,
            "gzip": Gzip.compress(idx + idx),
            "tar": Tar.encode([("a/b.bin", Array(idx.prefix(40))), ("c.txt", Array("hello".utf8))]),
            "cifar": cifar,
            "png": ImageDecoder.encodePNG(rgb) ,
            "pnggrey": ImageDecoder.encodePNG(grey),
            "jpeg": ImageDecoder.encodeJPEG(rgb, quality: 80),
            "npy": [UInt8](Npy.encode([1.0, 2.0, 3.0, 4.0] as [Double], shape: [2, 2])),
            "safetensors": SafeTensors.encode([SafeTensors.Tensor<Float>(name: "0.weight", shape: [2, 2], values: [1, 2, 3, 4]),
                                               SafeTensors.Tensor<Float>(name: "2.weight", shape: [1, 2], values: [5, 6])], metadata: ["format": "pt"]),
            "npz": Zip.encode([("X.npy", [UInt8](Npy.encode([1, 2] as [Float], shape: [1, 2]))), ("y.npy", Array(idx.prefix(30)))], deflate: true),
        ]
    }

    /// Runs every parser on `bytes`; returns how many accepted it.
    static func feed(_ bytes: [UInt8]) -> Int {
        var accepted = 0
        func attempt(_ body: () throws -> Void) {
            do { try body(); accepted += 1 } catch is MinimaError { } catch { Issue.record("non-Minima error \(error)") }
        }
        attempt { _ = try IDX.parse(bytes, path: "f") }
        attempt { _ = try Gzip.decompress(bytes, path: "f", sizeLimit: 1 << 24) }
        attempt { _ = try Tar(bytes, path: "f") }
        attempt { _ = try CIFAR10.parse(bytes, path: "f") }
        attempt { _ = try ImageDecoder.decode(bytes, path: "f") }
        attempt { _ = try ImageDecoder.decode(bytes, path: "f", channels: 3) }
        attempt { let _: Npy.Array<Float> = try Npy.parse(Data(bytes), path: "f") }
        attempt {
            let c: SafeTensors.Contents<Double> = try SafeTensors.parse(bytes, path: "f")
            _ = try WeightTensors.network(c, path: "f", slope: 0)
        }
        attempt {
            let zip = try Zip(bytes, path: "f")
            for e in zip.entries { _ = try zip.contents(e) }
        }
        return accepted
    }

    @Test func randomBytesNeverCrashAParser() {
        var rng = SeededGenerator(seed: 20260)
        for _ in 0..<ParserFuzzTests.cases {
            let length = Int(rng.next() % 700)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            // Start some strings with a real magic number so the parsers get past their first check.
            let magics: [[UInt8]] = [[0, 0, 8, 3], [0x1F, 0x8B, 8, 0], [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A],
                                     [0xFF, 0xD8, 0xFF], [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0]]
            let pick = Int(rng.next() % 8)
            if pick < magics.count, bytes.count >= magics[pick].count {
                bytes.replaceSubrange(0..<magics[pick].count, with: magics[pick])
            }
            _ = ParserFuzzTests.feed(bytes)
        }
    }

    @Test func mutatedValidFilesNeverCrashAParser() {
        let seeds = ParserFuzzTests.seeds()
        // Every seed is accepted by at least one parser before mutation.
        for (name, bytes) in seeds { #expect(ParserFuzzTests.feed(bytes) >= 1, "\(name)") }
        var rng = SeededGenerator(seed: 7)
        let names = seeds.keys.sorted()
        for _ in 0..<ParserFuzzTests.cases {
            var bytes = seeds[names[Int(rng.next() % UInt64(names.count))]]!
            switch rng.next() % 3 {
            case 0:  // change 1–8 bytes
                for _ in 0..<(1 + Int(rng.next() % 8)) { bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            case 1:  // cut off
                bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count))))
            default:  // set a 4-byte field to a large number
                let at = Int(rng.next() % UInt64(max(1, bytes.count - 4)))
                for k in 0..<min(4, bytes.count - at) { bytes[at + k] = k == 0 ? 0x7F : 0xFF }
            }
            _ = ParserFuzzTests.feed(bytes)
        }
    }
}
