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
                position += 1
                let valueStart = position
                var escaping = FieldText.Escaping.none
                var closed = false
                while position < end {
                    let byte = bytes[position]
                    if byte == UInt8(ascii: "\\"), position + 1 < end {
                        escaping = .logfmt
                        position += 2
                    } else if byte == ASCII.quote {
                        closed = true
                        break
                    } else {
                        position += 1
                    }
                }
                guard closed else { return nil }
                value = FieldText(start: valueStart, end: position, escaping: escaping)
                position += 1
            } else {
                let valueStart = position
                while position < end, !ASCII.isWhitespace(bytes[position]) { position += 1 }
                value = FieldText(start: valueStart, end: position, escaping: .none)
            }
            if let slot, case .none = slots[slot] { slots[slot] = .text(value) }
        }
        return count
    }

    private static func isKeyByte(_ byte: UInt8) -> Bool {
        ASCII.isAlphanumeric(byte) || byte == UInt8(ascii: "_") || byte == ASCII.dot || byte == ASCII.dash
            || byte == UInt8(ascii: "@")
    }
}
