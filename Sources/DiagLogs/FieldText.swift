/// The text of a JSON or logfmt field as a byte range of the line it was read from.
///
/// Keeping the range instead of a decoded `String` lets the collector mine a message, match a
/// level and look up a service straight from the line's bytes. Only a value with escapes is
/// decoded, into a separate buffer, when it is used. A range is only valid while the line's
/// bytes are.
struct FieldText: Equatable {
    /// The escape syntax of the value's bytes.
    enum Escaping: UInt8 {
        /// No escapes: the bytes are the text.
        case none
        /// JSON string escapes, including `\uXXXX` and surrogate pairs.
        case json
        /// Logfmt's backslash escapes: `\n`, `\t`, `\r`, and a backslash before any other byte.
        case logfmt
    }

    var start: Int
    var end: Int
    var escaping: Escaping

    var isEmpty: Bool { start == end }

    /// Returns the decoded text, with invalid UTF-8 replaced.
    func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        if escaping == .none { return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) }
        var output: [UInt8] = []
        decode(bytes, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends the decoded bytes to `output`.
    func decode(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
        output.reserveCapacity(output.count + end - start)
        switch escaping {
        case .none: output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<end]))
        case .json: Self.decodeJSON(bytes, start, end, into: &output)
        case .logfmt: Self.decodeLogfmt(bytes, start, end, into: &output)
        }
    }

    private static func decodeLogfmt(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into output: inout [UInt8]) {
        var position = start
        while position < end {
            let byte = bytes[position]
            position += 1
            guard byte == UInt8(ascii: "\\"), position < end else {
                output.append(byte)
                continue
            }
            switch bytes[position] {
            case UInt8(ascii: "n"): output.append(ASCII.newline)
            case UInt8(ascii: "t"): output.append(ASCII.tab)
            case UInt8(ascii: "r"): output.append(ASCII.carriageReturn)
            default: output.append(bytes[position])
            }
            position += 1
        }
    }

    /// Decodes the body of a JSON string. Unpaired surrogates become U+FFFD.
    private static func decodeJSON(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into output: inout [UInt8]) {
        var position = start
        while position < end {
            let byte = bytes[position]
            guard byte == UInt8(ascii: "\\"), position + 1 < end else {
                output.append(byte)
                position += 1
                continue
            }
            let escaped = bytes[position + 1]
            position += 2
            switch escaped {
            case UInt8(ascii: "n"): output.append(ASCII.newline)
            case UInt8(ascii: "t"): output.append(ASCII.tab)
            case UInt8(ascii: "r"): output.append(ASCII.carriageReturn)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "u"):
                var scalar = hexValue(bytes, position, end)
                position += 4
                if let high = scalar, (0xD800..<0xDC00).contains(high), position + 1 < end,
                    bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u"),
                    let low = hexValue(bytes, position + 2, end), (0xDC00..<0xE000).contains(low)
                {
                    scalar = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                    position += 6
                }
                let character = scalar.flatMap(Unicode.Scalar.init) ?? "\u{FFFD}"
                output.append(contentsOf: String(character).utf8)
            default: output.append(escaped)
            }
        }
    }

    private static func hexValue(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt32? {
        guard start + 4 <= end else { return nil }
        var value: UInt32 = 0
        for index in start..<(start + 4) {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: return nil
            }
            value = value << 4 | digit
        }
        return value
    }
}
