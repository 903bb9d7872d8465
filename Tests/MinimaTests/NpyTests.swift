import Foundation
import Testing
import Linalg
import Minima
@testable import MinimaCore
@testable import MinimaData
@testable import MinimaModel

@Suite("npy files")
struct NpyTests {
    @Test func roundTripsBothDtypes() throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        let values: [Double] = [1.5, -2.25, 3e-300, .pi, 0, -0.0]
        try Npy.write(values, shape: [2, 3], to: dir.file("d.npy"))
        let d: Npy.Array<Double> = try Npy.read(dir.file("d.npy"))
        #expect(d.shape == [2, 3] && d.values == values)
        let floats: [Float] = [1.5, -2.25, 1e-30, 7]
        try Npy.write(floats, shape: [4], to: dir.file("f.npy"))
        let f: Npy.Array<Float> = try Npy.read(dir.file("f.npy"))
        #expect(f.shape == [4] && f.values == floats)
        // A float32 file read in float64 converts exactly.
        let widened: Npy.Array<Double> = try Npy.read(dir.file("f.npy"))
        #expect(widened.values == floats.map(Double.init))
        // The header is padded so the data starts on a 64-byte boundary, as numpy requires.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir.file("f.npy")))
        #expect((bytes.count - 16) % 64 == 0)
    }

    @Test func readsAVersion2HeaderWrittenByHand() throws {
        let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 2, 0]
        let len = header.utf8.count
        bytes += [UInt8(len & 0xFF), UInt8(len >> 8), 0, 0] + Array(header.utf8)
        for v in [2.5, -1.0] { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        let a: Npy.Array<Double> = try Npy.parse(Data(bytes), path: "v2.npy")
        #expect(a.shape == [2] && a.values == [2.5, -1])
    }

    @Test func rejectsMalformedFilesWithTheirPath() throws {
        let good = Npy.encode([1.0, 2.0, 3.0, 4.0], shape: [2, 2])
        func message(_ data: Data) -> String {
            do { let _: Npy.Array<Double> = try Npy.parse(data, path: "bad.npy"); return "accepted" }
            catch { return "\(error)" }
        }
        #expect(message(good.prefix(good.count - 3)).contains("truncated"))
        #expect(message(Data("hello world, not numpy".utf8)).contains("magic"))
        let int64 = String(decoding: good, as: UTF8.self).contains("<f8")
        #expect(int64)
        var other = good
        let range = other.range(of: Data("<f8".utf8))!
        other.replaceSubrange(range, with: Data("<i8".utf8))
        #expect(message(other).contains("dtype <i8 is not supported"))
        var fortran = good
        fortran.replaceSubrange(fortran.range(of: Data("False".utf8))!, with: Data("True ".utf8))
        #expect(message(fortran).contains("Fortran"))
        #expect(message(good.prefix(good.count - 3)).hasPrefix("bad.npy: "))
    }

    @Test func datasetLoadChecksShapesAndLabels() throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        try Npy.write([Double](repeating: 1, count: 12), shape: [4, 3], to: dir.file("X.npy"))
        try Npy.write([1.0, -1, 1], shape: [3], to: dir.file("y3.npy"))
        try Npy.write([1.0, -1, 1, 0.5], shape: [4], to: dir.file("ybad.npy"))
        try Npy.write([1.0, -1, 1, -1], shape: [4], to: dir.file("y.npy"))
        #expect(throws: MinimaError.mismatch("\(dir.file("X.npy")) has N = 4 samples (rows) but \(dir.file("y3.npy")) has 3 labels")) {
            let _: Dataset<Double> = try Dataset.load(x: dir.file("X.npy"), y: dir.file("y3.npy"))
        }
        do {
            let _: Dataset<Double> = try Dataset.load(x: dir.file("X.npy"), y: dir.file("ybad.npy"))
            Issue.record("a label of 0.5 was accepted")
        } catch { #expect("\(error)".contains("label 0.5 at index 3")) }
        let ok: Dataset<Float> = try Dataset.load(x: dir.file("X.npy"), y: dir.file("y.npy"))
        #expect(ok.n == 4 && ok.d0 == 3 && ok.classCounts! == (2, 2))
    }

    @Test func weightFilesRoundTripAndRejectWrongShapes() throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        let shape = NetworkShape(d0: 3, hidden: [4, 2], bias: true)
        let net = Network<Double>.random(shape: shape, seed: 5)
        try WeightFiles.save(net, to: dir.path)
        for name in ["W1.npy", "b1.npy", "W2.npy", "b2.npy", "z.npy", "bz.npy"] {
            #expect(FileManager.default.fileExists(atPath: dir.file(name)))
        }
        let back: Network<Double> = try WeightFiles.load(shape, from: dir.path)
        #expect(back.parameters == net.parameters)
        do {
            let _: Network<Double> = try WeightFiles.load(NetworkShape(d0: 5, hidden: [4, 2], bias: true), from: dir.path)
            Issue.record("W1 of the wrong shape was accepted")
        } catch { #expect("\(error)".contains("W1.npy: expected shape [4, 5]")) }
    }
}
