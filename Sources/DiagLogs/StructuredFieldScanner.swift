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
    static let keys: [String] = {
        typealias Line = StructuredLogLine
        let lists = [Line.messageKeys, Line.levelKeys, Line.serviceKeys, Line.timestampKeys, Line.stackKeys]
        let ranges = [Line.messageSlots, Line.levelSlots, Line.serviceSlots, Line.timestampSlots, Line.stackSlots]
        var keys: [String] = []
        for (list, range) in zip(lists, ranges) {
            precondition(range == keys.count..<(keys.count + list.count), "slot ranges of StructuredLogLine are out of date")
            keys += list
        }
        precondition(Line.prioritySlot == keys.count, "prioritySlot of StructuredLogLine is out of date")
        return keys + ["PRIORITY"]
    }()

    /// The slot of every read key, by name. Scanners read it once per line into a local, since
    /// each read of a static constant checks that it was initialized.
    static let keyTable = PackedNameTable(keys.enumerated().map { ($0.element, $0.offset) })

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
        slots.withUnsafeMutableBufferPointer { $0.update(repeating: nil) }
        let keyTable = Self.keyTable
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
            let slot = keyTable.value(bytes, position + 1, keyEnd - 1)
            position = skipSpace(bytes, keyEnd, end)
            guard position < end, bytes[position] == ASCII.colon else { return false }
            position = skipSpace(bytes, position + 1, end)
            guard position < end else { return false }

            let valueStart = position
            let valueEnd: Int
            if bytes[position] == ASCII.quote {
                guard let string = stringScan(bytes, position, end) else { return false }
                valueEnd = string.end
                if let slot {
                    let body = FieldText(start: valueStart + 1, end: valueEnd - 1, escaping: string.hasEscape ? .json : .none)
                    slots[slot] = .text(body)
                }
            } else {
                guard let after = Self.valueEnd(bytes, position, end) else { return false }
                valueEnd = after
                if let slot { slots[slot] = fieldValue(bytes, valueStart, valueEnd) }
            }
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
    @inline(__always)
    static func stringEnd(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        stringScan(bytes, start, end)?.end
    }

    /// Returns the offset after the closing quote of the string that starts at `start`, and
    /// whether the string contains a backslash escape, found in the same pass as the quote.
    ///
    /// Eight bytes at a time are tested for a quote or a backslash at once (the zero-byte test
    /// of `x - 0x01…01 & ~x & 0x80…80` on the word XOR each pattern). Only those bytes are looked at.
    static func stringScan(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> (end: Int, hasEscape: Bool)? {
        guard let base = bytes.baseAddress else { return nil }
        var hasEscape = false
        let raw = UnsafeRawPointer(base)
        var position = start + 1
        while position < end {
            while position + 8 <= end {
                let word = raw.loadUnaligned(fromByteOffset: position, as: UInt64.self)
                let quotes = word ^ 0x2222_2222_2222_2222
                let backslashes = word ^ 0x5C5C_5C5C_5C5C_5C5C
                let found = ((quotes &- 0x0101_0101_0101_0101) & ~quotes
                    | (backslashes &- 0x0101_0101_0101_0101) & ~backslashes) & 0x8080_8080_8080_8080
                if found != 0 {
                    position += found.trailingZeroBitCount / 8
                    break
                }
                position += 8
            }
            guard position < end else { return nil }
            switch bytes[position] {
            case ASCII.quote: return (position + 1, hasEscape)
            case UInt8(ascii: "\\"):
                hasEscape = true
                position += 2
            default: position += 1
            }
        }
        return nil
    }

    /// Returns the field value of a JSON value other than a string, which `scanJSON` reads itself.
    private static func fieldValue(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> StructuredLogLine.FieldValue? {
        switch bytes[start] {
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
