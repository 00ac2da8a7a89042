#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `key=value` pairs of a logfmt line, whose values may be double-quoted with backslash escapes.
enum LogfmtPairs {
    /// Fills `slots` with the values of the keys `StructuredFieldScanner` reads, the first of each
    /// key winning, and returns the number of pairs, or nil when a token is not a pair.
    static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into slots: inout [StructuredLogLine.FieldValue?]
    ) -> Int? {
        // A line whose first token is not a key followed by `=` is not logfmt, so most text lines end here.
        var first = start
        while first < end, bytes[first] == ASCII.space || bytes[first] == ASCII.tab { first += 1 }
        let keyBytes = Self.keyBytes
        while first < end, isKeyByte(bytes[first], keyBytes) { first += 1 }
        guard first < end, bytes[first] == ASCII.equals else { return nil }

        slots.withUnsafeMutableBufferPointer { $0.update(repeating: nil) }
        let keyTable = StructuredFieldScanner.keyTable
        var count = 0
        var position = start
        while position < end {
            while position < end, bytes[position] == ASCII.space || bytes[position] == ASCII.tab { position += 1 }
            guard position < end else { break }

            let keyStart = position
            while position < end, isKeyByte(bytes[position], keyBytes) { position += 1 }
            guard position > keyStart, position < end, bytes[position] == ASCII.equals else { return nil }
            let slot = keyTable.value(bytes, keyStart, position)
            position += 1
            count += 1

            let value: FieldText
            if position < end, bytes[position] == ASCII.quote {
                // Quoted values end as JSON strings do: at a quote after an even run of backslashes.
                guard let string = StructuredFieldScanner.stringScan(bytes, position, end) else { return nil }
                value = FieldText(start: position + 1, end: string.end - 1, escaping: string.hasEscape ? .logfmt : .none)
                position = string.end
            } else {
                let valueStart = position
                position = ASCII.firstWhitespace(bytes, position, end)
                value = FieldText(start: valueStart, end: position, escaping: .none)
            }
            if let slot, case .none = slots[slot] { slots[slot] = .text(value) }
        }
        return count
    }

    /// A flag per byte value, 1 for the bytes of a key: letters, digits, `_`, `.`, `-` and `@`.
    /// The table lives as long as the process, so reading it costs no reference counting.
    private static let keyBytes: UnsafePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for value in 0..<256 {
            let byte = UInt8(value)
            let isKey = ASCII.isAlphanumeric(byte) || byte == UInt8(ascii: "_") || byte == ASCII.dot
                || byte == ASCII.dash || byte == UInt8(ascii: "@")
            (table + value).initialize(to: isKey ? 1 : 0)
        }
        return UnsafePointer(table)
    }()

    @inline(__always) private static func isKeyByte(_ byte: UInt8, _ table: UnsafePointer<UInt8>) -> Bool {
        table[Int(byte)] != 0
    }
}
