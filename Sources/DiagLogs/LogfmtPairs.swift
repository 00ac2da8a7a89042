#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `key=value` pairs of a logfmt line; values may be double-quoted with backslash escapes.
enum LogfmtPairs {
    /// Fills `slots` with the values of the keys `StructuredFieldScanner` reads, the first of each
    /// key winning, and returns the number of pairs, or nil when a token is not a pair.
    static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into slots: inout [StructuredLogLine.FieldValue?]
    ) -> Int? {
        // A line whose first token is not a key followed by `=` is not logfmt; most text lines end here.
        var first = start
        while first < end, bytes[first] == ASCII.space || bytes[first] == ASCII.tab { first += 1 }
        while first < end, isKeyByte(bytes[first]) { first += 1 }
        guard first < end, bytes[first] == ASCII.equals else { return nil }

        for index in slots.indices { slots[index] = nil }
        var count = 0
        var position = start
        while position < end {
            while position < end, bytes[position] == ASCII.space || bytes[position] == ASCII.tab { position += 1 }
            guard position < end else { break }

            let keyStart = position
            while position < end, isKeyByte(bytes[position]) { position += 1 }
            guard position > keyStart, position < end, bytes[position] == ASCII.equals else { return nil }
            let slot = StructuredFieldScanner.slot(bytes, keyStart, position)
            position += 1
            count += 1

            let value: FieldText
            if position < end, bytes[position] == ASCII.quote {
                // Quoted values end as JSON strings do: at a quote after an even run of backslashes.
                guard let after = StructuredFieldScanner.stringEnd(bytes, position, end) else { return nil }
                let valueStart = position + 1
                let valueEnd = after - 1
                let hasEscape = valueStart < valueEnd
                    && memchr(bytes.baseAddress! + valueStart, Int32(UInt8(ascii: "\\")), valueEnd - valueStart) != nil
                value = FieldText(start: valueStart, end: valueEnd, escaping: hasEscape ? .logfmt : .none)
                position = after
            } else {
                let valueStart = position
                position = ASCII.firstWhitespace(bytes, position, end)
                value = FieldText(start: valueStart, end: position, escaping: .none)
            }
            if let slot, case .none = slots[slot] { slots[slot] = .text(value) }
        }
        return count
    }

    /// Returns true for letters, digits, `_`, `.`, `-` and `@`, from two 64-bit masks of the
    /// ASCII range.
    @inline(__always) private static func isKeyByte(_ byte: UInt8) -> Bool {
        // Bits 45 (-), 46 (.) and 48-57 (digits); then 64 (@), 65-90, 95 (_) and 97-122, less 64.
        let low: UInt64 = 0x03FF_6000_0000_0000
        let high: UInt64 = 0x07FF_FFFE_87FF_FFFF
        if byte < 64 { return low >> UInt64(byte) & 1 != 0 }
        return byte < 128 && high >> UInt64(byte - 64) & 1 != 0
    }
}
