import DiagSupport
import Foundation

/// One lexical token of a PromQL expression, with its exact source text.
struct PromQLToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// Whitespace and `#` comments.
        case space
        /// A metric name, label name, keyword or function name.
        case identifier
        /// A number or a duration such as `5m` or `1h30m`.
        case number
        /// A string in double quotes, single quotes or backticks.
        case string
        /// One of `( ) { } [ ] , @`.
        case symbol(UInt8)
        /// An operator character such as `+`, `=` or `~`.
        case other
    }

    var kind: Kind
    var text: String
    /// The byte offset of the token in the expression.
    var offset: Int
}

/// Splits PromQL into tokens so that selectors can be found without mistaking text inside
/// strings, comments or label lists for a metric name.
enum PromQLTokenizer {
    static func tokenize(_ expression: String) throws -> [PromQLToken] {
        let bytes = Array(expression.utf8)
        var tokens: [PromQLToken] = []
        var index = 0
        while index < bytes.count {
            let start = index
            let byte = bytes[index]
            let kind: PromQLToken.Kind
            if isSpace(byte) || byte == UInt8(ascii: "#") {
                index = skipSpace(bytes, from: index)
                kind = .space
            } else if isIdentifierStart(byte) {
                index += 1
                while index < bytes.count, isIdentifierStart(bytes[index]) || isDigit(bytes[index]) { index += 1 }
                kind = .identifier
            } else if isDigit(byte) || (byte == UInt8(ascii: ".") && index + 1 < bytes.count && isDigit(bytes[index + 1])) {
                index = skipNumber(bytes, from: index)
                kind = .number
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "`") {
                index = try skipString(bytes, from: index, expression: expression)
                kind = .string
            } else if "(){}[],@".utf8.contains(byte) {
                index += 1
                kind = .symbol(byte)
            } else {
                index += 1
                // Keep a multi-byte UTF-8 character whole, although only strings may contain one.
                while index < bytes.count, bytes[index] & 0xC0 == 0x80 { index += 1 }
                kind = .other
            }
            tokens.append(
                PromQLToken(kind: kind, text: String(decoding: bytes[start..<index], as: UTF8.self), offset: start))
        }
        return tokens
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

    static func isIdentifierStart(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")
    }

    private static func skipSpace(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        while index < bytes.count {
            if isSpace(bytes[index]) {
                index += 1
            } else if bytes[index] == UInt8(ascii: "#") {
                while index < bytes.count, bytes[index] != 0x0A { index += 1 }
            } else {
                break
            }
        }
        return index
    }

    /// Skips a number, hexadecimal number or duration, including an exponent's sign (`1e-3`).
    private static func skipNumber(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if isDigit(byte) || isIdentifierStart(byte) && byte != UInt8(ascii: ":") || byte == UInt8(ascii: ".") {
                index += 1
            } else if (byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")), index > start,
                bytes[index - 1] | 0x20 == UInt8(ascii: "e"), index + 1 < bytes.count, isDigit(bytes[index + 1]),
                !isHex(bytes[start..<index])
            {
                index += 1
            } else {
                break
            }
        }
        return index
    }

    private static func isHex(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.count > 1 && bytes[bytes.startIndex] == UInt8(ascii: "0") && bytes[bytes.startIndex + 1] | 0x20 == UInt8(ascii: "x")
    }

    /// Skips a quoted string; backticks are raw, the other quotes take backslash escapes.
    private static func skipString(_ bytes: [UInt8], from start: Int, expression: String) throws -> Int {
        let quote = bytes[start]
        var index = start + 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\"), quote != UInt8(ascii: "`") {
                index += 2
                continue
            }
            if byte == quote { return index + 1 }
            index += 1
        }
        throw PromQLMatcherInjector.failure("a string that is never closed", at: start, in: expression)
    }
}
