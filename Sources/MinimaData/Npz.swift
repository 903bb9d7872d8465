import Foundation
import Linalg
import MinimaCore

/// numpy's `.npz` archives (`np.savez`, `np.savez_compressed`): a zip archive with one `.npy`
/// member per array, `X.npy` for the array saved as `X`.
///
/// A location names an array: `data.npy` (a `.npy` file), `data.npz` (the archive's array of the
/// caller's default name, `X` for inputs and `y` for labels) or `data.npz:NAME` (its array `NAME`).
public enum Npz {
    /// The archive and array name of `location`, or nil when it names no `.npz` archive.
    public static func location(_ location: String) -> (archive: String, array: String?)? {
        if location.hasSuffix(".npz") { return (location, nil) }
        guard let r = location.range(of: ".npz:", options: .backwards), r.upperBound < location.endIndex else { return nil }
        return (String(location[..<r.lowerBound]) + ".npz", String(location[r.upperBound...]))
    }

    /// The names of the arrays in an archive (its `.npy` members without the suffix).
    public static func arrays(_ zip: Zip) -> [String] {
        zip.entries.map(\.name).filter { $0.hasSuffix(".npy") }.map { String($0.dropLast(4)) }
    }

    /// Reads the array `name` of the archive at `archive`.
    public static func read<Scalar: LinalgScalar>(_ archive: String, array name: String, as: Scalar.Type = Scalar.self) throws -> Npy.Array<Scalar> {
        let zip = try Zip.read(archive)
        guard let entry = zip.entry(name + ".npy") else {
            let names = arrays(zip)
            throw MinimaError.invalidFile(path: archive, message: "holds no array \(name) (its arrays: \(names.isEmpty ? "none" : names.joined(separator: ", ")); name one as \(archive):NAME)")
        }
        return try Npy.parse(Data(zip.contents(entry)), path: "\(archive):\(name)")
    }
}

extension Npy {
    /// Reads the array at `location`: a `.npy` file, or an array of an `.npz` archive
    /// (`data.npz` for its array `defaultArray`, `data.npz:NAME` for another).
    public static func read<Scalar: LinalgScalar>(location: String, defaultArray: String, as: Scalar.Type = Scalar.self) throws -> Array<Scalar> {
        if let (archive, array) = Npz.location(location) { return try Npz.read(archive, array: array ?? defaultArray) }
        return try read(location)
    }
}
