import DiagSupport
import Foundation

/// Adds one equality matcher, such as `tenant_id="acme"`, to every vector selector of a PromQL
/// expression, so a query only sees that tenant's series.
///
/// It works on tokens, not on a full parse tree: a metric name that is not followed by `(` and is
/// not a keyword is a selector, and so is a bare `{…}` block. Label lists after `by`, `without`,
/// `on`, `ignoring`, `group_left` and `group_right`, range and subquery brackets, `offset`
/// durations, strings and comments are copied unchanged. A selector that already matches on the
/// label keeps its matcher and gets the new one as well; Prometheus ANDs them.
public struct PromQLMatcherInjector: Sendable {
    public let label: String
    public let value: String

    /// Words that take a parenthesized list of label names, which are not selectors.
    static let labelListKeywords: Set<String> = ["by", "without", "on", "ignoring", "group_left", "group_right"]
    /// Binary operator words and number words, which are not selectors either.
    static let operatorWords: Set<String> = ["and", "or", "unless", "bool", "atan2", "inf", "nan"]
    /// Aggregation operators, which may be followed by `by`/`without` before their `(`.
    static let aggregators: Set<String> = [
        "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
        "quantile", "limitk", "limit_ratio",
    ]

    public init(label: String, value: String) {
        self.label = label
        self.value = value
    }

    /// The matcher text added to each selector, with the value quoted as a PromQL string.
    var matcher: String {
        var quoted = ""
        for character in value {
            if character == "\"" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        return "\(label)=\"\(quoted)\""
    }

    /// Returns `expression` with the matcher in every vector selector.
    ///
    /// Throws a data error naming the position when a string, brace, bracket or parenthesis is
    /// not closed, because such an expression cannot be scoped with certainty.
    public func inject(into expression: String) throws -> String {
        let tokens = try PromQLTokenizer.tokenize(expression)
        try Self.checkBalance(tokens, expression: expression)
        var output = ""
        var index = 0
        while index < tokens.count {
            let token = tokens[index]
            switch token.kind {
            case .symbol(UInt8(ascii: "{")):
                index = try copySelectorBlock(tokens, from: index, into: &output, expression: expression)
            case .symbol(UInt8(ascii: "[")):
                index = try copyBalanced(tokens, from: index, close: UInt8(ascii: "]"), into: &output, expression: expression)
            case .identifier:
                index = try copyIdentifier(tokens, at: index, into: &output, expression: expression)
            default:
                output += token.text
                index += 1
            }
        }
        return output
    }

    /// Copies an identifier and what belongs to it; returns the index after what was copied.
    private func copyIdentifier(_ tokens: [PromQLToken], at index: Int, into output: inout String, expression: String) throws -> Int {
        let word = tokens[index].text
        let lower = word.lowercased()
        let next = Self.nextSignificant(tokens, after: index)
        output += word

        if Self.labelListKeywords.contains(lower) {
            guard let next, tokens[next].kind == .symbol(UInt8(ascii: "(")) else { return index + 1 }
            copySpace(tokens, from: index + 1, to: next, into: &output)
            return try copyBalanced(tokens, from: next, close: UInt8(ascii: ")"), into: &output, expression: expression)
        }
        if lower == "offset" {
            // The duration after `offset` may carry a sign; copying it as ordinary tokens is safe
            // because neither a sign nor a number is a selector.
            return index + 1
        }
        if Self.operatorWords.contains(lower) { return index + 1 }
        if let next, tokens[next].kind == .symbol(UInt8(ascii: "(")) { return index + 1 }
        if let next, Self.aggregators.contains(lower), tokens[next].kind == .identifier,
            ["by", "without"].contains(tokens[next].text.lowercased())
        {
            return index + 1
        }

        // A metric name: scope its matcher block, or add one.
        if let next, tokens[next].kind == .symbol(UInt8(ascii: "{")) {
            copySpace(tokens, from: index + 1, to: next, into: &output)
            return try copySelectorBlock(tokens, from: next, into: &output, expression: expression)
        }
        output += "{\(matcher)}"
        return index + 1
    }

    /// Copies a `{…}` matcher block with the matcher added before its `}`.
    private func copySelectorBlock(_ tokens: [PromQLToken], from start: Int, into output: inout String, expression: String) throws -> Int {
        output += "{"
        var index = start + 1
        var lastSignificant: PromQLToken?
        while index < tokens.count {
            let token = tokens[index]
            switch token.kind {
            case .symbol(UInt8(ascii: "}")):
                let needsComma = lastSignificant != nil && lastSignificant?.kind != .symbol(UInt8(ascii: ","))
                output += (needsComma ? ", " : "") + matcher + "}"
                return index + 1
            case .symbol(UInt8(ascii: "{")):
                throw Self.failure("a '{' inside a label matcher block", at: token.offset, in: expression)
            case .space:
                break
            default:
                lastSignificant = token
            }
            output += token.text
            index += 1
        }
        throw Self.failure("a '{' that is never closed", at: tokens[start].offset, in: expression)
    }

    /// Copies tokens from an opening bracket through its matching `close`, unchanged.
    private func copyBalanced(
        _ tokens: [PromQLToken], from start: Int, close: UInt8, into output: inout String, expression: String
    ) throws -> Int {
        guard case .symbol(let open) = tokens[start].kind else { return start + 1 }
        var depth = 0
        var index = start
        while index < tokens.count {
            let token = tokens[index]
            if token.kind == .symbol(open) { depth += 1 }
            if token.kind == .symbol(close) { depth -= 1 }
            output += token.text
            index += 1
            if depth == 0 { return index }
        }
        let name = String(decoding: [open], as: UTF8.self)
        throw Self.failure("a '\(name)' that is never closed", at: tokens[start].offset, in: expression)
    }

    private func copySpace(_ tokens: [PromQLToken], from start: Int, to end: Int, into output: inout String) {
        for token in tokens[start..<end] { output += token.text }
    }

    /// Checks that every `(`, `[` and `{` is closed by its own kind, in order.
    static func checkBalance(_ tokens: [PromQLToken], expression: String) throws {
        let pairs: [UInt8: UInt8] = [UInt8(ascii: ")"): UInt8(ascii: "("), UInt8(ascii: "]"): UInt8(ascii: "["), UInt8(ascii: "}"): UInt8(ascii: "{")]
        var open: [PromQLToken] = []
        for token in tokens {
            guard case .symbol(let byte) = token.kind else { continue }
            if pairs.values.contains(byte) {
                open.append(token)
            } else if let opener = pairs[byte] {
                guard let last = open.popLast(), last.kind == .symbol(opener) else {
                    throw failure("a '\(token.text)' without its opening bracket", at: token.offset, in: expression)
                }
            }
        }
        if let unclosed = open.last {
            throw failure("a '\(unclosed.text)' that is never closed", at: unclosed.offset, in: expression)
        }
    }

    static func nextSignificant(_ tokens: [PromQLToken], after index: Int) -> Int? {
        var next = index + 1
        while next < tokens.count, tokens[next].kind == .space { next += 1 }
        return next < tokens.count ? next : nil
    }

    static func failure(_ problem: String, at offset: Int, in expression: String) -> DiagError {
        DiagError.data("cannot add a tenant matcher to the PromQL expression '\(expression)': \(problem) at byte \(offset); fix the query")
    }
}
