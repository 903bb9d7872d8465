import Foundation
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining
import MinimaLandscape
import MinimaRuns
import MinimaVolume

/// Reading a hand-written JSON file field by field, so that every mistake is reported with the
/// path of the field at fault (`grid.d0[2]: expected a positive integer, got -3`).
struct JSONFields {
    /// The file the object came from (error messages start with it).
    package let file: String
    /// The path of this object inside the file (`""` for the root, `"grid"`, …).
    package let path: String
    package let object: [String: Any]

    package init(file: String, path: String, object: [String: Any]) {
        self.file = file
        self.path = path
        self.object = object
    }

    /// Parses `data` as a JSON object.
    package static func parse(_ data: Data, file: String) throws -> JSONFields {
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw MinimaError.invalidFile(path: file, message: "is not valid JSON (\(JSONFields.reason(error)))")
        }
        guard let object = value as? [String: Any] else {
            throw MinimaError.invalidFile(path: file, message: "must hold a JSON object { … } at the top level")
        }
        if let twice = duplicateKey([UInt8](data)) {
            throw MinimaError.invalidFile(path: file, message: "field \(twice) is given twice (each field may appear once)")
        }
        return JSONFields(file: file, path: "", object: object)
    }

    /// The path (`data.preprocessing.zca`, `grid.hidden[1].x`) of the first key that appears
    /// twice in one object of `json`, which must be valid JSON; nil if every key is unique.
    /// (JSONSerialization keeps one of the two values without a word.)
    package static func duplicateKey(_ json: [UInt8]) -> String? {
        /// An open object (its keys so far, the key just read) or array (its item index).
        struct Level { var keys: Set<String>?; var key = ""; var index = 0; var expectKey = false; let path: String }
        var stack: [Level] = []
        func childPath() -> String {
            guard let top = stack.last else { return "" }
            if top.keys != nil { return top.path.isEmpty ? top.key : top.path + "." + top.key }
            return top.path + "[\(top.index)]"
        }
        var i = 0
        while i < json.count {
            switch json[i] {
            case UInt8(ascii: "{"):
                stack.append(Level(keys: [], expectKey: true, path: childPath()))
            case UInt8(ascii: "["):
                stack.append(Level(keys: nil, path: childPath()))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !stack.isEmpty { stack.removeLast() }
            case UInt8(ascii: ","):
                if stack.last?.keys != nil { stack[stack.count - 1].expectKey = true } else if !stack.isEmpty { stack[stack.count - 1].index += 1 }
            case UInt8(ascii: "\""):
                var end = i + 1
                var escaped = false
                while end < json.count, json[end] != UInt8(ascii: "\"") || escaped {
                    escaped = !escaped && json[end] == UInt8(ascii: "\\")
                    end += 1
                }
                if let top = stack.last, top.expectKey {
                    let raw = Array(json[i...Swift.min(end, json.count - 1)])
                    let key = raw.contains(UInt8(ascii: "\\"))
                        ? (try? JSONSerialization.jsonObject(with: Data(raw), options: .fragmentsAllowed)) as? String ?? String(decoding: raw, as: UTF8.self)
                        : String(decoding: raw.dropFirst().dropLast(), as: UTF8.self)
                    stack[stack.count - 1].expectKey = false
                    stack[stack.count - 1].key = key
                    if stack[stack.count - 1].keys!.insert(key).inserted == false { return childPath() }
                }
                i = end
            default:
                break
            }
            i += 1
        }
        return nil
    }

    package static func reason(_ error: Error) -> String {
        let ns = error as NSError
        return (ns.userInfo["NSDebugDescription"] as? String) ?? ns.localizedDescription
    }

    package func name(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    package func fail(_ key: String, _ message: String) -> MinimaError {
        .invalidFile(path: file, message: "field \(name(key)): \(message)")
    }

    /// Rejects keys outside `allowed` (a misspelt field must not be silently ignored).
    func rejectUnknownKeys(_ allowed: [String]) throws {
        for key in object.keys.sorted() where !allowed.contains(key) {
            throw MinimaError.invalidFile(path: file, message:
                "unknown field \(name(key)) (expected one of: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    /// Rejects keys that are not stored properties of `value`, here and in every nested object
    /// whose property is itself a struct (`data.preprocessing.zcaEps` is as wrong as `data.sorce`).
    package func rejectUnknownKeys(like value: Any) throws {
        let children = Mirror(reflecting: value).children
        try rejectUnknownKeys(children.compactMap(\.label))
        for child in children {
            guard let label = child.label, Mirror(reflecting: child.value).displayStyle == .struct,
                  let nested = object[label] as? [String: Any] else { continue }
            try JSONFields(file: file, path: name(label), object: nested).rejectUnknownKeys(like: child.value)
        }
    }

    package func has(_ key: String) -> Bool { object[key] != nil && !(object[key] is NSNull) }

    package func string(_ key: String) throws -> String? {
        guard has(key) else { return nil }
        guard let s = object[key] as? String else { throw fail(key, "expected a string, got \(JSONFields.describe(object[key]!))") }
        return s
    }

    package func int(_ key: String) throws -> Int? {
        guard has(key) else { return nil }
        return try JSONFields.integer(object[key]!) ?? { throw fail(key, "expected an integer, got \(JSONFields.describe(object[key]!))") }()
    }

    package func bool(_ key: String) throws -> Bool? {
        guard has(key) else { return nil }
        guard let n = object[key] as? NSNumber, JSONFields.isBool(n) else {
            throw fail(key, "expected true or false, got \(JSONFields.describe(object[key]!))")
        }
        return n.boolValue
    }

    package func object(_ key: String) throws -> JSONFields? {
        guard has(key) else { return nil }
        guard let o = object[key] as? [String: Any] else { throw fail(key, "expected an object { … }, got \(JSONFields.describe(object[key]!))") }
        return JSONFields(file: file, path: name(key), object: o)
    }

    /// A non-empty list whose items `convert` accepts; a single value is accepted as a list of
    /// one. `expected` says what an item must be, for the error message.
    package func list<T>(_ key: String, expected: String, _ convert: (Any) -> T?) throws -> [T]? {
        guard has(key) else { return nil }
        let raw = object[key]!
        let items = (raw as? [Any]) ?? [raw]
        guard !items.isEmpty else { throw fail(key, "the list is empty (give at least one value)") }
        return try items.enumerated().map { i, v in
            guard let t = convert(v) else {
                throw fail(raw is [Any] ? "\(key)[\(i)]" : key, "expected \(expected), got \(JSONFields.describe(v))")
            }
            return t
        }
    }

    /// A non-empty list of finite numbers.
    package func numbers(_ key: String) throws -> [Double]? {
        try list(key, expected: "a number") { v in
            guard let n = v as? NSNumber, !JSONFields.isBool(n), n.doubleValue.isFinite else { return nil }
            return n.doubleValue
        }
    }

    /// A non-empty list of integers ≥ `minimum`.
    package func integers(_ key: String, minimum: Int = 1) throws -> [Int]? {
        try list(key, expected: minimum == 1 ? "a positive integer" : "an integer ≥ \(minimum)") { v in
            JSONFields.integer(v).flatMap { $0 >= minimum ? $0 : nil }
        }
    }

    /// A non-empty list of strings naming cases of `T`.
    package func cases<T: RawRepresentable & CaseIterable>(_ key: String, of: T.Type) throws -> [T]? where T.RawValue == String {
        try list(key, expected: "one of \(T.allCases.map { $0.rawValue }.joined(separator: ", "))") { v in
            (v as? String).flatMap { T(rawValue: $0) }
        }
    }

    /// Decodes the object under `key` as a `T`, starting from `defaults` and replacing only the
    /// fields the file gives. Fields are `T`'s stored properties (found by reflection, so new
    /// fields added to `T` are accepted without touching this code); others are rejected.
    package func partial<T: Codable>(_ key: String, defaults: T) throws -> T? {
        guard let fields = try object(key) else { return nil }
        try fields.rejectUnknownKeys(like: defaults)
        let encoder = JSONEncoder()
        let base = try JSONSerialization.jsonObject(with: encoder.encode(defaults)) as? [String: Any] ?? [:]
        let merged = base.merging(fields.object) { _, new in new }
        do {
            let data = try JSONSerialization.data(withJSONObject: merged)
            return try JSONDecoder().decode(T.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            throw fail(JSONFields.codingPath(key, context.codingPath), context.debugDescription)
        } catch let DecodingError.typeMismatch(type, context) {
            throw fail(JSONFields.codingPath(key, context.codingPath), "expected \(type) (\(context.debugDescription))")
        } catch let DecodingError.valueNotFound(_, context) {
            throw fail(JSONFields.codingPath(key, context.codingPath), "a value is missing (\(context.debugDescription))")
        } catch let DecodingError.keyNotFound(missing, _) {
            throw fail(key + "." + missing.stringValue, "is required")
        } catch {
            throw fail(key, "\(error)")
        }
    }

    static func codingPath(_ key: String, _ path: [CodingKey]) -> String {
        ([key] + path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }).joined(separator: ".")
    }

    /// JSONSerialization gives booleans as NSNumbers of Objective-C type "c" (char) and
    /// integers as "i"/"q", so a `true` is never taken for the number 1.
    static func isBool(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

    package static func integer(_ v: Any) -> Int? {
        guard let n = v as? NSNumber, !isBool(n) else { return nil }
        let d = n.doubleValue
        guard d.isFinite, d == d.rounded(), abs(d) < 9.0e15 else { return nil }
        return Int(d)
    }

    static func describe(_ v: Any) -> String {
        if v is NSNull { return "null" }
        if let s = v as? String { return "\"\(s)\"" }
        if let n = v as? NSNumber { return isBool(n) ? (n.boolValue ? "true" : "false") : "\(n)" }
        if v is [Any] { return "a list" }
        if v is [String: Any] { return "an object" }
        return "\(v)"
    }
}
