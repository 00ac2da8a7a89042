#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads the fields that `StructuredLogLine` uses from JSON and logfmt lines in one pass over
/// the bytes.
///
/// A JSON line is checked for structure (balanced brackets, terminated strings, members
/// separated by commas, nothing after the object) but values of other fields are skipped, not
/// validated. Strings of read fields stay byte ranges of the line (see `FieldText`) and are
/// decoded only where used. Duplicate JSON keys keep the last value, as a dictionary built from
/// the document would. Logfmt keeps the first value.
enum StructuredFieldScanner {
    /// Every field name `StructuredLogLine` reads, each with its slot number.
    static let keys: [String] =
        StructuredLogLine.messageKeys + StructuredLogLine.levelKeys + StructuredLogLine.serviceKeys
        + StructuredLogLine.timestampKeys + StructuredLogLine.stackKeys + ["PRIORITY"]

    /// Slot numbers of `keys` by name length, for matching a key's bytes without hashing.
    private static let slotsByLength: [[(bytes: [UInt8], slot: Int)]] = {
        var table = [[(bytes: [UInt8], slot: Int)]](repeating: [], count: 33)
        for (slot, key) in keys.enumerated() where key.utf8.count < table.count {
            table[key.utf8.count].append((Array(key.utf8), slot))
        }
        return table
    }()

    /// Returns the slot of the key in `bytes[start..<end]`, or nil when it is not read.
    static func slot(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        let length = end - start
        guard length > 0, length < slotsByLength.count else { return nil }
        for candidate in slotsByLength[length] {
            var equal = true
            for index in 0..<length where bytes[start + index] != candidate.bytes[index] {
                equal = false
                break
            }
            if equal { return candidate.slot }
        }
        return nil
    }

    // MARK: JSON

    /// Returns empty slots for every read key, to pass to the scanning functions again and again.
    static func makeSlots() -> [StructuredLogLine.FieldValue?] {
        [StructuredLogLine.FieldValue?](repeating: nil, count: keys.count)
    }

    /// Fills `slots` (from `makeSlots`) with the read fields of the JSON object in
    /// `bytes[start..<end]`; returns false when the line is not one well-formed object.
    static func scanJSON(
        _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into slots: inout [StructuredLogLine.FieldValue?]
    ) -> Bool {
        for index in slots.indices { slots[index] = nil }
        var position = skipSpace(bytes, start, end)
        guard position < end, bytes[position] == UInt8(ascii: "{") else { return false }
        position = skipSpace(bytes, position + 1, end)
        if position < end, bytes[position] == UInt8(ascii: "}") {
            return skipSpace(bytes, position + 1, end) == end
        }

        while true {
            guard position < end, bytes[position] == ASCII.quote,
                let keyEnd = stringEnd(bytes, position, end)
            else { return false }
            let slot = slot(bytes, position + 1, keyEnd - 1)
            position = skipSpace(bytes, keyEnd, end)
            guard position < end, bytes[position] == ASCII.colon else { return false }
            position = skipSpace(bytes, position + 1, end)
            guard position < end else { return false }

            let valueStart = position
            guard let valueEnd = valueEnd(bytes, position, end) else { return false }
            if let slot { slots[slot] = fieldValue(bytes, valueStart, valueEnd) }
            position = skipSpace(bytes, valueEnd, end)
            guard position < end else { return false }
            if bytes[position] == ASCII.comma {
                position = skipSpace(bytes, position + 1, end)
                continue
            }
            guard bytes[position] == UInt8(ascii: "}") else { return false }
            return skipSpace(bytes, position + 1, end) == end 
        }
    }

    /// Returns the offset after the JSON value that starts at `start`, or nil when it is cut off.
    private static func valueEnd(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        switch bytes[start] {
        case ASCII.quote:
            return stringEnd(bytes, start, end)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var position = start
            while position < end {
                switch bytes[position] {
                case ASCII.quote:
                    guard let after = stringEnd(bytes, position, end) else { return nil }
                    position = after
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return position + 1 }
                default:
                    break
                }
                position += 1
            }
            return nil
        default:
            var position = start
            while position < end {
                let byte = bytes[position]
                if byte == ASCII.comma || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") || ASCII.isWhitespace(byte) {
                    break
                }
                position += 1
            }
            return position > start ? position : nil
        }
    }

    /// Returns the offset after the closing quote of the string that starts at `start`.
    private static func stringEnd(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        var position = start + 1
        while position < end {
            switch bytes[position] {
            case ASCII.quote: return position + 1
            case UInt8(ascii: "\\"): position += 2
            default: position += 1
            }
        }
        return nil
    }

    private static func fieldValue(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> StructuredLogLine.FieldValue? {
        switch bytes[start] {
        case ASCII.quote:
            let bodyStart = start + 1
            let bodyEnd = end - 1
            let hasEscape = bodyStart < bodyEnd
                && memchr(bytes.baseAddress! + bodyStart, Int32(UInt8(ascii: "\\")), bodyEnd - bodyStart) != nil
            return .text(FieldText(start: bodyStart, end: bodyEnd, escaping: hasEscape ? .json : .none))
        case UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "n"):
            return .present
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            // `true` and `false` read as their text, as a level or a flag would be.
            return .text(FieldText(start: start, end: end, escaping: .none))
        default:
            return ASCII.jsonNumber(bytes, start, end).map { .number($0) } ?? .present
        }
    }

    private static func skipSpace(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var position = start
        while position < end, ASCII.isWhitespace(bytes[position]) { position += 1 }
        return position
    }
}
