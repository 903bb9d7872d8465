/// A small strict JSON reader for file headers (`safetensors`): objects keep their keys in
/// order and refuse a key given twice, nesting is bounded, and numbers are kept as their text
/// so the caller decides what it accepts. Foundation's reader would silently keep one of two
/// equal keys, which for a tensor name means a tensor read from the wrong bytes.
package indirect enum HeaderJSON: Sendable {
    case object([(key: String, value: HeaderJSON)])
    case array([HeaderJSON])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    /// A reason the text is not JSON, with the byte offset where reading stopped.
    package struct Failure: Error, Sendable {
        package var message: String
        package var offset: Int
    }

    /// Parses `bytes` as one JSON value followed only by whitespace (safetensors pads its
    /// header with spaces); at most `depth` levels of objects and arrays.
    package static func parse(_ bytes: ArraySlice<UInt8>, depth: Int = 8) throws(Failure) -> HeaderJSON {
        var reader = Reader(bytes: bytes, position: bytes.startIndex, maxDepth: depth)
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.position == bytes.endIndex else { throw reader.failure("unexpected text after the JSON value") }
        return value
    }

    /// The description of the value's kind, for messages.
    package var kind: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        }
    }

    /// The value as a non-negative integer (digits only, no sign, fraction or exponent), or nil.
    package var nonNegativeInteger: Int? {
        guard case .number(let text) = self, !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int(text)
    }

    /// The JSON text of a string (quotes and escapes), for writers.
    package static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private struct Reader {
        let bytes: ArraySlice<UInt8>
        var position: Int
        let maxDepth: Int

        func failure(_ message: String) -> Failure { Failure(message: message, offset: position - bytes.startIndex) }

        mutating func skipSpace() {
            while position < bytes.endIndex, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        mutating func value(depth: Int) throws(Failure) -> HeaderJSON {
            skipSpace()
            guard position < bytes.endIndex else { throw failure("the JSON text ends early") }
            switch bytes[position] {
            case UInt8(ascii: "{"):
                guard depth < maxDepth else { throw failure("objects and arrays nest more than \(maxDepth) deep") }
                position += 1
                var members: [(key: String, value: HeaderJSON)] = []
                var keys: Set<String> = []
                skipSpace()
                if position < bytes.endIndex, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
                while true {
                    skipSpace()
                    guard position < bytes.endIndex, bytes[position] == UInt8(ascii: "\"") else { throw failure("expected a quoted key") }
                    let key = try string()
                    guard keys.insert(key).inserted else { throw failure("the key \(HeaderJSON.quoted(key)) appears twice") }
                    skipSpace()
                    guard position < bytes.endIndex, bytes[position] == UInt8(ascii: ":") else { throw failure("expected ':' after a key") }
                    position += 1
                    members.append((key, try value(depth: depth + 1)))
                    skipSpace()
                    guard position < bytes.endIndex else { throw failure("the JSON text ends inside an object") }
                    if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                    guard bytes[position] == UInt8(ascii: "}") else { throw failure("expected ',' or '}' in an object") }
                    position += 1
                    return .object(members)
                }
            case UInt8(ascii: "["):
                guard depth < maxDepth else { throw failure("objects and arrays nest more than \(maxDepth) deep") }
                position += 1
                var items: [HeaderJSON] = []
                skipSpace()
                if position < bytes.endIndex, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                while true {
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard position < bytes.endIndex else { throw failure("the JSON text ends inside an array") }
                    if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                    guard bytes[position] == UInt8(ascii: "]") else { throw failure("expected ',' or ']' in an array") }
                    position += 1
                    return .array(items)
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let start = position
                while position < bytes.endIndex, "+-.eE0123456789".utf8.contains(bytes[position]) { position += 1 }
                let text = String(decoding: bytes[start..<position], as: UTF8.self)
                guard Double(text) != nil else { throw failure("\(text) is not a number") }
                return .number(text)
            default:
                for (word, value) in [("true", HeaderJSON.bool(true)), ("false", .bool(false)), ("null", .null)] {
                    let w = Array(word.utf8)
                    if bytes.endIndex - position >= w.count, Array(bytes[position..<(position + w.count)]) == w {
                        position += w.count
                        return value
                    }
                }
                throw failure("unexpected character '\(Character(Unicode.Scalar(bytes[position])))'")
            }
        }

        /// A string starting at the opening quote; escapes decoded, control characters refused.
        mutating func string() throws(Failure) -> String {
            position += 1
            var scalars = String.UnicodeScalarView()
            var run: [UInt8] = []
            func flush() throws(Failure) {
                guard !run.isEmpty else { return }
                guard let text = String(validating: run, as: UTF8.self) else { throw failure("a string is not UTF-8") }
                scalars.append(contentsOf: text.unicodeScalars)
                run = []
            }
            while true {
                guard position < bytes.endIndex else { throw failure("a string is not closed") }
                let c = bytes[position]
                position += 1
                switch c {
                case UInt8(ascii: "\""):
                    try flush()
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    try flush()
                    guard position < bytes.endIndex else { throw failure("a string is not closed") }
                    let e = bytes[position]
                    position += 1
                    switch e {
                    case UInt8(ascii: "\""): scalars.append("\"")
                    case UInt8(ascii: "\\"): scalars.append("\\")
                    case UInt8(ascii: "/"): scalars.append("/")
                    case UInt8(ascii: "b"): scalars.append("\u{8}")
                    case UInt8(ascii: "f"): scalars.append("\u{C}")
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "u"):
                        var code = try hex4()
                        if (0xD800..<0xDC00).contains(code) {
                            guard bytes.endIndex - position >= 2, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                                throw failure("a \\u escape is half of a surrogate pair")
                            }
                            position += 2
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw failure("a \\u escape is half of a surrogate pair") }
                            code = 0x10000 + (code - 0xD800) << 10 + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(code) else { throw failure("a \\u escape is not a character") }
                        scalars.append(scalar)
                    default: throw failure("unknown escape \\\(Character(Unicode.Scalar(e)))")
                    }
                case 0..<0x20:
                    throw failure("a string holds a control character (byte \(c))")
                default:
                    run.append(c)
                }
            }
        }

        mutating func hex4() throws(Failure) -> UInt32 {
            guard bytes.endIndex - position >= 4,
                  bytes[position..<(position + 4)].allSatisfy({ "0123456789abcdefABCDEF".utf8.contains($0) }),
                  let v = UInt32(String(decoding: bytes[position..<(position + 4)], as: UTF8.self), radix: 16) else {
                throw failure("a \\u escape needs four hex digits")
            }
            position += 4
            return v
        }
    }
}
