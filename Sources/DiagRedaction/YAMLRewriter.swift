import DiagSupport

/// Collects replacements of YAML scalars by byte range and writes them back with quoting that
/// keeps each value a string with the intended text.
struct YAMLRewriter {
    let source: [UInt8]
    private var scalarRanges: [Range<Int>] = []
    /// New values of scalars, by the start of their source range.
    private var scalarEdits: [Int: (scalar: YAMLScalar, value: String, dropsTag: Bool)] = [:]
    /// New raw text (comments), by start offset.
    private var rawEdits: [Int: (range: Range<Int>, text: String)] = [:]

    init(source: [UInt8]) { self.source = source }

    var hasEdits: Bool { !scalarEdits.isEmpty || !rawEdits.isEmpty }

    mutating func noteScalar(_ scalar: YAMLScalar) {
        scalarRanges.append(scalar.sourceRange)
    }

    /// Records a new value; an alias seen again under a key rule may replace an earlier edit.
    /// With `dropsTag`, the scalar's tag is left out of the output, because the new value
    /// replaces text that the tag held.
    mutating func replace(_ scalar: YAMLScalar, with value: String, dropsTag: Bool = false) {
        scalarEdits[scalar.sourceRange.lowerBound] = (scalar, value, dropsTag)
    }

    mutating func replaceRaw(_ range: Range<Int>, with text: String) {
        rawEdits[range.lowerBound] = (range, text)
    }

    static func isNull(_ scalar: YAMLScalar) -> Bool {
        scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.value)
    }

    /// Returns the byte ranges between scalars, which contain the comments and YAML punctuation.
    func gaps() -> [Range<Int>] {
        var result: [Range<Int>] = []
        var position = 0
        for range in scalarRanges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if range.lowerBound > position { result.append(position..<range.lowerBound) }
            position = max(position, range.upperBound)
        }
        if position < source.count { result.append(position..<source.count) }
        return result
    }

    /// Returns the text with every edit applied.
    func render(forceQuotes: Bool) -> String {
        var edits: [(range: Range<Int>, text: String)] = rawEdits.values.map { ($0.range, $0.text) }
        for edit in scalarEdits.values {
            // libyaml's range starts at the node's anchor or tag, which the replacement keeps.
            let range = edit.scalar.sourceRange
            let propertiesEnd = range.lowerBound + propertiesLength(at: range.lowerBound, limit: range.upperBound)
            var text = encode(edit.value, like: edit.scalar, contentStart: propertiesEnd, forceQuotes: forceQuotes || edit.dropsTag)
            var start = propertiesEnd
            if edit.dropsTag {
                // Keep the anchor, which aliases refer to; drop the tag.
                let properties = String(decoding: source[range.lowerBound..<propertiesEnd], as: UTF8.self)
                let anchors = properties.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
                    .filter { $0.hasPrefix("&") }
                text = anchors.map { $0 + " " }.joined() + text
                start = range.lowerBound
            }
            edits.append((start..<range.upperBound, text))
        }
        edits.sort { $0.range.lowerBound < $1.range.lowerBound }

        var output: [UInt8] = []
        output.reserveCapacity(source.count + source.count / 8)
        var position = 0
        for edit in edits where edit.range.lowerBound >= position {
            output.append(contentsOf: source[position..<edit.range.lowerBound])
            output.append(contentsOf: Array(edit.text.utf8))
            position = edit.range.upperBound
        }
        output.append(contentsOf: source[position...])
        return String(decoding: output, as: UTF8.self)
    }

    /// Returns every scalar value in document order, with the recorded edits applied.
    func expectedValues(_ documents: [YAMLNode]) -> [String] {
        var values: [String] = []
        func visit(_ node: YAMLNode) {
            switch node {
            case .scalar(let scalar): values.append(scalarEdits[scalar.sourceRange.lowerBound]?.value ?? scalar.value)
            case .sequence(let items): items.forEach(visit)
            case .mapping(let pairs):
                for pair in pairs {
                    visit(pair.key)
                    visit(pair.value)
                }
            }
        }
        documents.forEach(visit)
        return values
    }

    static func scalarValues(_ documents: [YAMLNode]) -> [String] {
        YAMLRewriter(source: []).expectedValues(documents)
    }

    // MARK: - Quoting

    /// Returns the length of the anchor (`&name`) and tag (`!tag`) properties at the start of a
    /// node's range, with the white space after them.
    func propertiesLength(at start: Int, limit: Int) -> Int {
        var index = start
        while index < limit, source[index] == UInt8(ascii: "&") || source[index] == UInt8(ascii: "!") {
            while index < limit, ![0x20, 0x09, 0x0A, 0x0D].contains(source[index]) { index += 1 }
            while index < limit, [0x20, 0x09, 0x0A, 0x0D].contains(source[index]) { index += 1 }
        }
        return index - start
    }

    /// Returns the YAML text for `value` in the style of `scalar` where that is safe, else
    /// double-quoted. `contentStart` is where the scalar's text starts after its properties.
    func encode(_ value: String, like scalar: YAMLScalar, contentStart: Int, forceQuotes: Bool) -> String {
        let content = contentStart..<scalar.sourceRange.upperBound
        if forceQuotes {
            let isBlock = scalar.style == .literal || scalar.style == .folded
            return YAMLScalar.doubleQuoted(value) + (isBlock && source[content].last == 0x0A ? "\n" : "")
        }
        switch scalar.style {
        case .plain:
            return isSafePlain(value, replacing: scalar) ? value : YAMLScalar.doubleQuoted(value)
        case .singleQuoted:
            guard !value.contains("\n") else { return YAMLScalar.doubleQuoted(value) }
            return "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
        case .doubleQuoted:
            return YAMLScalar.doubleQuoted(value)
        case .literal, .folded:
            let lineBreak = source[content].last == 0x0A ? "\n" : ""
            return literalBlock(value, content: content) ?? YAMLScalar.doubleQuoted(value) + lineBreak
        }
    }

    /// Returns whether `value` reads back as the same string when written plain where `scalar` was.
    private func isSafePlain(_ value: String, replacing scalar: YAMLScalar) -> Bool {
        guard let first = value.unicodeScalars.first, let last = value.unicodeScalars.last else { return false }
        if "-?:,[]{}#&*!|>'\"%@`".unicodeScalars.contains(first) || first == " " || last == " " { return false }
        if value.contains(": ") || value.contains(" #") || value.hasSuffix(":") { return false }
        if value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return false }
        // Flow indicators are fine only where the original plain scalar already held them (block context).
        for indicator in [",", "[", "]", "{", "}"] where value.contains(indicator) && !scalar.value.contains(indicator) {
            return false
        }
        let type = Self.plainType(value)
        return type == "string" || type == Self.plainType(scalar.value)
    }

    /// Returns the type a plain scalar resolves to under the YAML 1.2 core schema, counting the
    /// YAML 1.1 booleans `yes`, `no`, `on` and `off` too, because older readers still apply them.
    static func plainType(_ text: String) -> String {
        switch text {
        case "", "~", "null", "Null", "NULL": return "null"
        case "true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes", "YES", "no", "No", "NO", "on", "On",
            "ON", "off", "Off", "OFF":
            return "bool"
        default: break
        }
        if numberPattern.matches(text) { return "number" }
        return "string"
    }

    private static let numberPattern = try! PCRE2Regex(
        #"^(?:[-+]?[0-9]+|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"#
    )

    /// Returns a literal block (`|`, `|-` or `|+`) at the original's indentation, ending where the
    /// original ended. Returns nil when that layout cannot be reproduced, as for content that
    /// starts with a space.
    ///
    /// libyaml's range of a block scalar runs from the indicator through the line breaks after
    /// the last content line, so the replacement also ends with a line break.
    private func literalBlock(_ value: String, content range: Range<Int>) -> String? {
        guard source[range].last == 0x0A, let headerEnd = source[range].firstIndex(of: 0x0A) else { return nil }
        var contentStart = headerEnd + 1
        while contentStart < range.upperBound, source[contentStart] == 0x0A { contentStart += 1 }
        var indent = 0
        while contentStart + indent < range.upperBound, source[contentStart + indent] == UInt8(ascii: " ") { indent += 1 }
        guard indent > 0, !value.hasPrefix(" "), !value.hasPrefix("\n") else { return nil }

        let trailingNewlines = value.reversed().prefix { $0 == "\n" }.count
        let originalNewlines = source[range].reversed().prefix { $0 == 0x0A }.count
        let chomping = trailingNewlines == 0 ? "-" : (trailingNewlines == 1 ? "" : "+")
        let padding = String(repeating: " ", count: indent)
        var text = "|" + chomping + "\n"
        text += value.dropLast(trailingNewlines).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : padding + $0 }
            .joined(separator: "\n")
        let lineBreaks = chomping == "+" ? trailingNewlines : max(originalNewlines, 1)
        text += String(repeating: "\n", count: lineBreaks)
        return text
    }
}
