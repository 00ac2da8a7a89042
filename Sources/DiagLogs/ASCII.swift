/// Byte-level character classes for scanning log lines without decoding them as `String`.
///
/// Log lines are scanned as UTF-8 bytes, which avoids decoding `Character`s on the per-line path.
/// Only ASCII bytes are classified, so multi-byte characters count as ordinary word bytes.
enum ASCII {
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let newline: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let colon = UInt8(ascii: ":")
    static let equals = UInt8(ascii: "=")
    static let slash = UInt8(ascii: "/")
    static let dot = UInt8(ascii: ".")
    static let comma = UInt8(ascii: ",")
    static let dash = UInt8(ascii: "-")
    static let quote = UInt8(ascii: "\"")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")

    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }
    @inline(__always) static func isUpper(_ byte: UInt8) -> Bool { byte &- 0x41 < 26 }
    @inline(__always) static func isLower(_ byte: UInt8) -> Bool { byte &- 0x61 < 26 }
    @inline(__always) static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) &- 0x61 < 26 }
    @inline(__always) static func isAlphanumeric(_ byte: UInt8) -> Bool { isDigit(byte) || isLetter(byte) }
    @inline(__always) static func lowercased(_ byte: UInt8) -> UInt8 { isUpper(byte) ? byte | 0x20 : byte }

    /// Returns true for space, tab, CR, LF, vertical tab and form feed.
    @inline(__always) static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == space || (byte >= 0x09 && byte <= 0x0D)
    }

    /// Returns the offset of the first whitespace byte in `bytes[start..<end]`, or `end`.
    ///
    /// Eight bytes at a time are tested for a byte below 0x21 (`x - 0x21…21 & ~x & 0x80…80`
    /// flags the first such byte exactly). Only flagged bytes are checked one by one.
    static func firstWhitespace(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var position = start
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while position + 8 <= end {
                let word = raw.loadUnaligned(fromByteOffset: position, as: UInt64.self)
                let low = (word &- 0x2121_2121_2121_2121) & ~word & 0x8080_8080_8080_8080
                if low == 0 {
                    position += 8
                    continue
                }
                position += low.trailingZeroBitCount / 8
                if isWhitespace(bytes[position]) { return position }
                position += 1
            }
        }
        while position < end, !isWhitespace(bytes[position]) { position += 1 }
        return position
    }

    @inline(__always) static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20) &- 0x61 < 6
    }

    /// Compares `bytes[range]` with an ASCII literal, ignoring letter case when `caseInsensitive` is set.
    static func equals(
        _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ literal: StaticString,
        caseInsensitive: Bool = false
    ) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard end - start == count else { return false }
        let pointer = literal.utf8Start
        for index in 0..<count {
            let byte = bytes[start + index]
            let expected = pointer[index]
            if caseInsensitive {
                if lowercased(byte) != lowercased(expected) { return false }
            } else if byte != expected {
                return false
            }
        }
        return true
    }

    /// Parses `bytes[start..<end]` when it is a whole number in JSON syntax (`-12`, `3.5`,
    /// `1e-3`), or returns nil for anything else, such as `2024-05-01` or `nan`.
    static func jsonNumber(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var position = start
        if position < end, bytes[position] == dash { position += 1 }
        let integerStart = position
        var integer: UInt64 = 0
        while position < end, isDigit(bytes[position]) {
            integer = integer &* 10 &+ UInt64(bytes[position] &- 0x30)
            position += 1
        }
        let integerDigits = position - integerStart
        guard integerDigits > 0 else { return nil }
        if position == end, integerDigits <= 15 {
            let value = Double(integer)
            return bytes[start] == dash ? -value : value
        }
        if position < end, bytes[position] == dot {
            position += 1
            let fractionStart = position
            while position < end, isDigit(bytes[position]) { position += 1 }
            guard position > fractionStart else { return nil }
        }
        if position < end, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < end, bytes[position] == dash || bytes[position] == UInt8(ascii: "+") { position += 1 }
            let exponentStart = position
            while position < end, isDigit(bytes[position]) { position += 1 }
            guard position > exponentStart else { return nil }
        }
        guard position == end else { return nil }
        return Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
    }

    /// Parses the unsigned decimal number in `bytes[start..<end]`, or returns nil when a byte is not a digit.
    static func number(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        guard start < end, end - start <= 18 else { return nil }
        var value = 0
        for index in start..<end {
            let byte = bytes[index]
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte &- 0x30)
        }
        return value
    }
}

extension Array where Element == UInt8 {
    /// Appends the bytes of an ASCII literal.
    mutating func appendLiteral(_ literal: StaticString) {
        let pointer = literal.utf8Start
        for index in 0..<literal.utf8CodeUnitCount { append(pointer[index]) }
    }
}
