/// One step from a document's root to a value: a mapping key, or an item of a list.
public enum ConfigPathStep: Sendable, Equatable, Hashable {
    case key(String)
    case item
}

/// A key path of an allowlist, such as `scrape_configs[].static_configs[].targets[]`.
///
/// Keys are joined by `.`, and `[]` (or `[*]`) stands for any item of a list. `*` is any one key,
/// and `**` any number of steps, zero included, which grants a whole subtree. A key that contains
/// `.`, `[`, `]`, `*` or spaces is written in double quotes: `labels."app.kubernetes.io/name"`.
public struct AllowlistPath: Sendable, Equatable, CustomStringConvertible {
    enum Segment: Sendable, Equatable {
        case key(String)
        case anyKey
        case anyItem
        case anyDepth
    }

    /// The path as written in the ruleset.
    public let text: String
    let segments: [Segment]

    /// Parses `text`; throws `AllowlistPathError` with the reason when the syntax is invalid.
    public init(_ text: String) throws {
        self.text = text
        segments = try Self.parse(Array(text.unicodeScalars))
    }

    public var description: String { text }

    /// Returns whether `steps`, the path of one scalar value, matches this path.
    public func matches(_ steps: [ConfigPathStep]) -> Bool {
        Self.match(segments[...], steps[...])
    }

    private static func match(_ segments: ArraySlice<Segment>, _ steps: ArraySlice<ConfigPathStep>) -> Bool {
        guard let segment = segments.first else { return steps.isEmpty }
        if segment == .anyDepth {
            // Try every split point; paths are short, so the search stays small.
            var rest = steps
            while true {
                if match(segments.dropFirst(), rest) { return true }
                guard !rest.isEmpty else { return false }
                rest = rest.dropFirst()
            }
        }
        guard let step = steps.first else { return false }
        switch (segment, step) {
        case (.key(let expected), .key(let actual)) where expected == actual: break
        case (.anyKey, .key): break
        case (.anyItem, .item): break
        default: return false
        }
        return match(segments.dropFirst(), steps.dropFirst())
    }

    private static func parse(_ scalars: [Unicode.Scalar]) throws -> [Segment] {
        guard !scalars.isEmpty else { throw AllowlistPathError("the path is empty") }
        var segments: [Segment] = []
        var index = 0
        var expectsKey = true

        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "[" {
                index = try parseItem(scalars, at: index)
                segments.append(.anyItem)
                expectsKey = false
                continue
            }
            if !expectsKey {
                guard scalar == "." else {
                    throw AllowlistPathError("expected '.' or '[' after a key or '[]' at character \(index + 1)")
                }
                index += 1
                guard index < scalars.count else { throw AllowlistPathError("the path ends with '.'; remove it or add a key") }
                expectsKey = true
                continue
            }
            let (segment, next) = try parseKey(scalars, at: index)
            segments.append(segment)
            index = next
            expectsKey = false
        }
        return segments
    }

    /// Parses `[]` or `[*]` at `index` and returns the index after it.
    private static func parseItem(_ scalars: [Unicode.Scalar], at index: Int) throws -> Int {
        if index + 1 < scalars.count, scalars[index + 1] == "]" { return index + 2 }
        if index + 2 < scalars.count, scalars[index + 1] == "*", scalars[index + 2] == "]" { return index + 3 }
        throw AllowlistPathError("'[' at character \(index + 1) must be '[]' or '[*]'; list indexes are not supported")
    }

    /// Parses a quoted or plain key, `*` or `**` at `index`.
    private static func parseKey(_ scalars: [Unicode.Scalar], at index: Int) throws -> (Segment, Int) {
        if scalars[index] == "\"" {
            guard let close = scalars[(index + 1)...].firstIndex(of: "\"") else {
                throw AllowlistPathError("the quote at character \(index + 1) is not closed")
            }
            guard close > index + 1 else { throw AllowlistPathError("the quoted key at character \(index + 1) is empty") }
            return (.key(String(String.UnicodeScalarView(scalars[(index + 1)..<close]))), close + 1)
        }

        var end = index
        while end < scalars.count, scalars[end] != ".", scalars[end] != "[" { end += 1 }
        let word = String(String.UnicodeScalarView(scalars[index..<end]))
        guard !word.isEmpty else { throw AllowlistPathError("an empty key at character \(index + 1); remove the extra '.'") }
        switch word {
        case "*": return (.anyKey, end)
        case "**": return (.anyDepth, end)
        default: break
        }
        if word.contains("*") || word.contains("]") || word.contains("\"") {
            throw AllowlistPathError(
                "invalid key '\(word)': '*' must stand alone as a wildcard, and a key that contains '*', ']' or '\"' must be written in double quotes")
        }
        if word.unicodeScalars.contains(where: { $0.properties.isWhitespace }) {
            throw AllowlistPathError("the key '\(word)' contains white space; write it in double quotes")
        }
        return (.key(word), end)
    }
}

/// An allowlist key path with invalid syntax.
public struct AllowlistPathError: Error, Equatable, CustomStringConvertible {
    public var reason: String

    init(_ reason: String) { self.reason = reason }

    public var description: String { reason }
}
