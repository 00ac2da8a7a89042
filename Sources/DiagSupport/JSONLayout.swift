import Foundation

extension JSONValue {
    /// Returns `redacted` written in the layout of `original`, the document it was made from:
    /// the same whitespace, member order and number spelling, with each string, number or key
    /// that `redacted` changed written compactly in its place. Returns nil when the two documents
    /// do not line up (an array of another length, a member missing, a duplicate key), so the
    /// caller writes `redacted` on its own.
    ///
    /// Only whitespace, punctuation, and scalars and keys whose value equals the one in `redacted`
    /// are copied from `original`. Everything else is written from `redacted`, so the result
    /// contains nothing of `original` that `redacted` lacks. `renamedKeys` gives, for a
    /// member key of `original`, the key it has in `redacted`. A key found under its own name in
    /// an object is taken first.
    public static func serialized(_ redacted: JSONValue, inLayoutOf original: Data, renamedKeys: [String: String] = [:]) -> Data? {
        original.withUnsafeBytes { raw -> Data? in
            var writer = JSONLayoutWriter(parser: JSONParser(bytes: raw.bindMemory(to: UInt8.self)), renamedKeys: renamedKeys)
            guard (try? writer.writeDocument(redacted)) == true else { return nil }
            return Data(writer.output)
        }
    }
}

/// Walks an original JSON document with `JSONParser` and writes a redacted one in its layout.
struct JSONLayoutWriter {
    var parser: JSONParser
    let renamedKeys: [String: String]
    var output: [UInt8] = []

    init(parser: JSONParser, renamedKeys: [String: String]) {
        self.parser = parser
        self.renamedKeys = renamedKeys
        output.reserveCapacity(parser.bytes.count + parser.bytes.count / 8)
    }

    /// Writes the whole document and returns whether it lined up with `redacted`.
    mutating func writeDocument(_ redacted: JSONValue) throws -> Bool {
        let bytes = parser.bytes
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            parser.position = 3
            output.append(contentsOf: [0xEF, 0xBB, 0xBF])
        }
        copyWhitespace()
        guard try write(redacted) else { return false }
        copyWhitespace()
        return parser.position == bytes.count
    }

    mutating func copyWhitespace() {
        let start = parser.position
        parser.skipWhitespace()
        output.append(contentsOf: UnsafeBufferPointer(rebasing: parser.bytes[start..<parser.position]))
    }

    /// Copies the whitespace after a member or item and the comma after it, if any, with the
    /// whitespace after that. Returns false at the end of the input.
    mutating func copySeparator() -> Bool {
        copyWhitespace()
        guard parser.position < parser.bytes.count else { return false }
        if parser.bytes[parser.position] == UInt8(ascii: ",") {
            parser.position += 1
            output.append(UInt8(ascii: ","))
            copyWhitespace()
        }
        return true
    }

    mutating func copy(from start: Int) {
        output.append(contentsOf: UnsafeBufferPointer(rebasing: parser.bytes[start..<parser.position]))
    }

    /// Writes the value at the parser's position as `redacted` and returns whether it lined up.
    mutating func write(_ redacted: JSONValue) throws -> Bool {
        guard parser.position < parser.bytes.count else { return false }
        let start = parser.position
        switch (parser.bytes[start], redacted) {
        case (UInt8(ascii: "{"), .object(let members)):
            return try writeObject(members)
        case (UInt8(ascii: "["), .array(let items)):
            return try writeArray(items)
        case (UInt8(ascii: "{"), _), (UInt8(ascii: "["), _):
            // A container that the redactor replaced whole, such as a secret object behind a marker.
            _ = try parser.parseValue()
        default:
            // A scalar keeps its spelling (escapes, exponent, trailing zeros) when its value is unchanged.
            let value = try parser.parseValue()
            if value == redacted {
                copy(from: start)
                return true
            }
        }
        output.append(contentsOf: redacted.serialized(pretty: false))
        return true
    }

    mutating func writeObject(_ members: [String: JSONValue]) throws -> Bool {
        try parser.enter()
        defer { parser.depth -= 1 }
        parser.position += 1
        output.append(UInt8(ascii: "{"))
        var used = Set<String>()
        copyWhitespace()
        while parser.position < parser.bytes.count, parser.bytes[parser.position] != UInt8(ascii: "}") {
            let keyStart = parser.position
            guard parser.bytes[keyStart] == UInt8(ascii: "\"") else { return false }
            let key = try parser.parseString()
            let renamed = renamedKeys[key]
            let chosen: String
            if members[key] != nil, !used.contains(key) {
                chosen = key
            } else if let renamed, members[renamed] != nil, !used.contains(renamed) {
                chosen = renamed
            } else {
                return false
            }
            used.insert(chosen)
            if chosen == key {
                copy(from: keyStart)
            } else {
                output.append(contentsOf: JSONValue.string(chosen).serialized(pretty: false))
            }
            copyWhitespace()
            guard parser.position < parser.bytes.count, parser.bytes[parser.position] == UInt8(ascii: ":") else { return false }
            parser.position += 1
            output.append(UInt8(ascii: ":"))
            copyWhitespace()
            guard try write(members[chosen]!), copySeparator() else { return false }
        }
        guard parser.position < parser.bytes.count, used.count == members.count else { return false }
        parser.position += 1
        output.append(UInt8(ascii: "}"))
        return true
    }

    mutating func writeArray(_ items: [JSONValue]) throws -> Bool {
        try parser.enter()
        defer { parser.depth -= 1 }
        parser.position += 1
        output.append(UInt8(ascii: "["))
        copyWhitespace()
        var index = 0
        while parser.position < parser.bytes.count, parser.bytes[parser.position] != UInt8(ascii: "]") {
            guard index < items.count, try write(items[index]), copySeparator() else { return false }
            index += 1
        }
        guard parser.position < parser.bytes.count, index == items.count else { return false }
        parser.position += 1
        output.append(UInt8(ascii: "]"))
        return true
    }
}
