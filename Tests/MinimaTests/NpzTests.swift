import Foundation
import Linalg
import Testing
import Minima
@testable import MinimaCore
@testable import MinimaData

/// numpy's `.npz` archives: zip members stored or deflated, arrays named by location, and every
/// malformed archive refused with one line naming the file (and member).
@Suite struct NpzTests {
    static let x = Npy.encode([1, 2, 3, 4, 5, 6] as [Double], shape: [3, 2])
    static let y = Npy.encode([1, -1, 1] as [Float], shape: [3])

    static func archive(deflate: Bool) -> [UInt8] {
        Zip.encode([("X.npy", [UInt8](x)), ("y.npy", [UInt8](y)), ("notes.txt", Array("hi".utf8))], deflate: deflate)
    }

    @Test func locationsNameArchivesAndArrays() {
        #expect(Npz.location("d/data.npz")! == ("d/data.npz", nil))
        #expect(Npz.location("data.npz:X_train")! == ("data.npz", "X_train"))
        #expect(Npz.location("a.npz.d/b.npz:y")! == ("a.npz.d/b.npz", "y"))
        #expect(Npz.location("X.npy") == nil && Npz.location("data.npz:") == nil && Npz.location("npz") == nil)
    }

    @Test(arguments: [false, true]) func storedAndDeflatedArchivesRead(deflate: Bool) throws {
        let zip = try Zip(NpzTests.archive(deflate: deflate), path: "a.npz")
        #expect(zip.entries.map(\.name) == ["X.npy", "y.npy", "notes.txt"])
        #expect(zip.entries.map(\.method) == Array(repeating: deflate ? 8 : 0, count: 3))
        #expect(try zip.contents(zip.entry("X.npy")!) == [UInt8](NpzTests.x))
        #expect(Npz.arrays(zip) == ["X", "y"])
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        let path = dir.write(NpzTests.archive(deflate: deflate), "data.npz")
        let data: Dataset<Double> = try Dataset.load(x: path)
        #expect(data.x.rows == 3 && data.x.columns == 2 && data.x.elements == [1, 2, 3, 4, 5, 6] && data.y == [1, -1, 1])
        // Arrays named explicitly, and a .npy for the labels next to an archive for the inputs.
        let yFile = dir.file("y.npy")
        try Npy.write([1, 1, -1] as [Double], shape: [3], to: yFile)
        let mixed: Dataset<Float> = try Dataset.load(x: path + ":X", y: yFile)
        #expect(mixed.y == [1, 1, -1] && mixed.x.elements == [1, 2, 3, 4, 5, 6])
        #expect(minimaError { let _: Dataset<Double> = try Dataset.load(x: path + ":notes") }
                == "\(path): holds no array notes (its arrays: X, y; name one as \(path):NAME)")
        #expect(minimaError { let _: Dataset<Double> = try Dataset.load(x: path, y: path + ":X") }
                == "\(path):X: y (N entries) must be a vector, found shape [3, 2]")
        #expect(minimaError { let _: Dataset<Double> = try Dataset.load(x: dir.file("X.npy")) }
                == "data.y: is required when X is a .npy file (y.npy, N entries)")
    }

    @Test func commandLineReadsNpzData() throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        let path = dir.write(NpzTests.archive(deflate: true), "data.npz")
        let inspect = try runMinima(["data", "inspect", "--x", path])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdout.contains("N = 3, d0 = 2"), "\(inspect.stdout)")
        let missing = try runMinima(["data", "inspect", "--x", path, "--y", path + ":labels"])
        #expect(missing.status == 2 && missing.stderr.contains("\(path): holds no array labels (its arrays: X, y"), "\(missing.stderr)")
        #expect(missing.stderr.split(separator: "\n").count == 1)
        let trained = try runMinima(["train", "--x", path, "--hidden", "2", "--epochs", "5", "--quiet", "--out", dir.file("r.json")])
        #expect(trained.status == 0, "\(trained.stderr)")
    }

    /// Sets the little-endian 16- or 32-bit field at `at`.
    static func set(_ bytes: inout [UInt8], _ at: Int, _ value: Int, width: Int) {
        for k in 0..<width { bytes[at + k] = UInt8(value >> (8 * k) & 0xFF) }
    }

    @Test func malformedArchivesAreRefusedWithOneLine() throws {
        func message(_ bytes: [UInt8], member: String = "X.npy") -> String? {
            minimaError {
                let zip = try Zip(bytes, path: "b.npz")
                _ = try zip.contents(zip.entry(member)!)
            }
        }
        let stored = NpzTests.archive(deflate: false), deflated = NpzTests.archive(deflate: true)
        let end = stored.count - 22, directory = Int(stored[end + 16]) | Int(stored[end + 17]) << 8
        #expect(message(Array(repeating: 0, count: 40)) == "b.npz: not a zip archive (no end-of-directory record at its end; an .npz file is a zip archive)")
        #expect(message(Array(stored.prefix(stored.count - 5))) == "b.npz: not a zip archive (no end-of-directory record at its end; an .npz file is a zip archive)")
        // Cut before the directory: the end record points past the bytes that remain.
        let cut = Array(stored[..<100]) + Array(stored[end...])
        #expect(message(cut)?.hasPrefix("b.npz: corrupt zip archive: the directory (") == true)
        var zip64 = stored
        NpzTests.set(&zip64, end + 16, 0xFFFF_FFFF, width: 4)
        #expect(message(zip64) == "b.npz: Zip64 archives (65,535 members or more, or over 4 GiB) are not supported")
        var method = stored
        NpzTests.set(&method, directory + 10, 12, width: 2)
        #expect(message(method) == "b.npz: member X.npy: compression method 12 is not supported (stored or deflate, as numpy's savez and savez_compressed write)")
        var encrypted = stored
        NpzTests.set(&encrypted, directory + 8, 1, width: 2)
        #expect(message(encrypted) == "b.npz: member X.npy is encrypted")
        var sizes = stored
        NpzTests.set(&sizes, directory + 24, 5, width: 4)
        #expect(message(sizes)?.hasPrefix("b.npz: member X.npy is stored uncompressed but its sizes differ") == true)
        var offset = stored
        NpzTests.set(&offset, directory + 42, 7, width: 4)
        #expect(message(offset) == "b.npz: corrupt zip archive: member X.npy has no local header at offset 7")
        var crc = stored
        crc[60] ^= 0x40  // a byte of X.npy's data
        #expect(message(crc) == "b.npz: member X.npy: CRC-32 mismatch (the data is corrupt)")
        // A deflated member declaring fewer bytes than it inflates to (a bomb) stops at the declared size.
        var bomb = deflated
        let dDirectory = Int(deflated[deflated.count - 6]) | Int(deflated[deflated.count - 5]) << 8
        NpzTests.set(&bomb, dDirectory + 24, 100, width: 4)
        #expect(message(bomb) == "b.npz: member X.npy: inflates past the 100 bytes its directory record declares (corrupt, or a decompression bomb)")
        var short = deflated
        NpzTests.set(&short, dDirectory + 24, 400, width: 4)
        #expect(message(short) == "b.npz: member X.npy: inflates to \(NpzTests.x.count) bytes, its directory record declares 400")
        var huge = deflated
        NpzTests.set(&huge, dDirectory + 24, 0x7FFF_FFFF, width: 4)
        #expect(message(huge)?.hasPrefix("b.npz: member X.npy: declares 2147483647 bytes, more than deflate can make of") == true)
        let twice = Zip.encode([("X.npy", [1]), ("X.npy", [2])])
        #expect(message(twice) == "b.npz: member X.npy appears twice in the archive (each file must be stored once)")
        // A corrupt .npy inside a good archive names the archive and the array.
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        let bad = dir.write(Zip.encode([("X.npy", Array(NpzTests.x.prefix(100))), ("y.npy", [UInt8](NpzTests.y))]), "bad.npz")
        #expect(minimaError { let _: Dataset<Double> = try Dataset.load(x: bad) }?.hasPrefix("\(bad):X: truncated") == true)
    }
}
