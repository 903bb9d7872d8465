import Foundation

/// The JSON conventions of Minima's result files (run records, sweep records, Table 1): pretty,
/// sorted keys, and non-finite numbers (a diverged run) as the strings "nan", "inf", "-inf".
public enum RecordJSON {
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(value)
    }

    /// Writes `value` to `path` atomically (temporary file, then rename).
    public static func write<T: Encodable>(_ value: T, to path: String) throws {
        try AtomicFile.write(encode(value), to: path)
    }

    /// Reads `path` as a `T`; `what` names the expected content in error messages.
    public static func read<T: Decodable>(_ path: String, as: T.Type = T.self, what: String) throws -> T {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MinimaError.invalidFile(path: path, message: FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return try decoder.decode(T.self, from: data) } catch {
            throw MinimaError.invalidFile(path: path, message: "not \(what) (\(error))")
        }
    }
}
