/// The recognizers of single header elements that `strip` runs in turn.
extension LogHeaderStripper {
    /// Reads `[...]` (nested brackets allowed): a timestamp, a level, or after a first element any
    /// group such as a thread name or process id. Returns the offset after it, or nil to end the header.
    func bracketGroup(
        _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, elements: Int, header: inout LogHeader
    ) -> Int? {
        var depth = 0
        var close = start
        let limit = min(end, start + 256)
        while close < limit {
            if bytes[close] == ASCII.openBracket { depth += 1 }
            if bytes[close] == ASCII.closeBracket {
                depth -= 1
                if depth == 0 { break }
            }
            close += 1
        }
        guard close < limit else { return nil }

        let innerStart = start + 1
        if let match = scanner.match(bytes, at: innerStart, end: close), match.end == close {
            if header.timestamp == nil { header.timestamp = match.seconds }
        } else if let level = LogLevel.parse(bytes, innerStart, close, caseInsensitive: true) {
            if header.level == nil { header.level = level }
        } else if elements == 0 {
            return nil
        }
        var next = close + 1
        if next < end, bytes[next] == ASCII.colon { next += 1 }
        return next
    }

    /// Reads a syslog priority such as `<34>` with the RFC 5424 version after it (`<34>1 `). The
    /// timestamp may follow without a space.
    func priority(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ tokenEnd: Int) -> Int? {
        guard bytes[start] == UInt8(ascii: "<") else { return nil }
        var index = start + 1
        while index < tokenEnd, ASCII.isDigit(bytes[index]) { index += 1 }
        guard index > start + 1, index - start <= 4, index < tokenEnd, bytes[index] == UInt8(ascii: ">") else {
            return nil
        }
        index += 1
        var version = index
        while version < tokenEnd, ASCII.isDigit(bytes[version]) { version += 1 }
        return version == tokenEnd ? version : index
    }

    /// Reads the stream and tag of the CRI container log format (`stdout F`, `stderr P`) that
    /// Kubernetes writes after the timestamp, and returns the offset after them.
    func containerStream(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ tokenEnd: Int, _ end: Int) -> Int? {
        guard ASCII.equals(bytes, start, tokenEnd, "stdout") || ASCII.equals(bytes, start, tokenEnd, "stderr") else {
            return nil
        }
        let tag = skipSpaces(bytes, tokenEnd, end)
        guard tag + 1 <= end, bytes[tag] == UInt8(ascii: "F") || bytes[tag] == UInt8(ascii: "P"),
            tag + 1 == end || ASCII.isWhitespace(bytes[tag + 1])
        else { return tokenEnd }
        return tag + 1
    }

    /// Reads an upper-case level, with an optional trailing colon (`ERROR`, `WARN:`). After a
    /// timestamp a level of four or more letters may have any case (`Info`), and logcat's single
    /// letters (`V`, `D`, `I`, `W`, `E`, `F`) count too.
    func bareLevel(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ tokenEnd: Int, afterTimestamp: Bool = false)
        -> LogLevel?
    {
        var end = tokenEnd
        if end - start > 1, bytes[end - 1] == ASCII.colon { end -= 1 }
        if afterTimestamp, end - start == 1 {
            switch bytes[start] {
            case UInt8(ascii: "V"): return .trace
            case UInt8(ascii: "D"): return .debug
            case UInt8(ascii: "I"): return .info
            case UInt8(ascii: "W"): return .warning
            case UInt8(ascii: "E"): return .error
            case UInt8(ascii: "F"): return .fatal
            default: return nil
            }
        }
        let caseInsensitive = afterTimestamp && end - start >= 4
        return LogLevel.parse(bytes, start, end, caseInsensitive: caseInsensitive)
    }

    /// Returns true when a timestamp ending at `position` ends a header element: at the end, before
    /// whitespace, or before a `,` or `|` that separates fields.
    func endsElement(_ bytes: UnsafeBufferPointer<UInt8>, _ position: Int, _ end: Int) -> Bool {
        guard position < end else { return true }
        let byte = bytes[position]
        return ASCII.isWhitespace(byte) || byte == ASCII.comma || byte == UInt8(ascii: "|")
    }

    /// Returns the program name of a tag with a process id (`sshd[24200]:`,
    /// `sshd(pam_unix)[19939]:`, `/usr/sbin/gmetad[1682]:`), or nil.
    func programTag(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ tokenEnd: Int) -> Range<Int>? {
        guard tokenEnd - start >= 5, bytes[tokenEnd - 1] == ASCII.colon, bytes[tokenEnd - 2] == ASCII.closeBracket
        else { return nil }
        var open = tokenEnd - 3
        while open > start, ASCII.isDigit(bytes[open]) { open -= 1 }
        guard open > start, bytes[open] == ASCII.openBracket, open < tokenEnd - 3 else { return nil }
        var nameEnd = open
        if bytes[nameEnd - 1] == UInt8(ascii: ")") {
            while nameEnd > start, bytes[nameEnd - 1] != UInt8(ascii: "(") { nameEnd -= 1 }
            nameEnd -= 1
        }
        var nameStart = nameEnd
        while nameStart > start, bytes[nameStart - 1] != ASCII.slash { nameStart -= 1 }
        return nameStart < nameEnd ? nameStart..<nameEnd : nil
    }

    /// Returns true for a dotted logger name with a colon (`org.apache.hadoop.ipc.Client:`,
    /// `dfs.DataNode$PacketResponder:`) or followed by a separator (`app.db - ERROR - ...`).
    func isLoggerName(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ tokenEnd: Int, end: Int) -> Bool {
        var nameEnd = tokenEnd
        if bytes[tokenEnd - 1] == ASCII.colon {
            nameEnd -= 1
        } else {
            let next = skipSpaces(bytes, tokenEnd, end)
            guard next < end, isSeparator(bytes, next, nextSpace(bytes, next, end)) else { return false }
        }
        guard nameEnd - start >= 3, ASCII.isLetter(bytes[start]), bytes[nameEnd - 1] != ASCII.dot else { return false }
        var dots = 0
        for index in start..<nameEnd {
            let byte = bytes[index]
            if byte == ASCII.dot {
                dots += 1
            } else if !(ASCII.isAlphanumeric(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$")) {
                return false
            }
        }
        return dots > 0
    }

    /// Returns true for klog's source location (`reflector.go:138]`).
    func isSourceLocation(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ tokenEnd: Int) -> Bool {
        guard tokenEnd - start >= 5, bytes[tokenEnd - 1] == ASCII.closeBracket else { return false }
        var index = tokenEnd - 2
        while index > start, ASCII.isDigit(bytes[index]) { index -= 1 }
        return index < tokenEnd - 2 && bytes[index] == ASCII.colon && index > start
    }

    /// Returns true for a syslog tag without a process id (`kernel:`, `syslog-ng:`).
    func isPlainTag(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ tokenEnd: Int) -> Bool {
        guard tokenEnd - start >= 2, bytes[tokenEnd - 1] == ASCII.colon else { return false }
        for index in start..<(tokenEnd - 1) {
            let byte = bytes[index]
            guard ASCII.isAlphanumeric(byte) || byte == ASCII.dash || byte == UInt8(ascii: "_") || byte == ASCII.dot
                || byte == ASCII.slash || byte == UInt8(ascii: "(") || byte == UInt8(ascii: ")")
            else { return false }
        }
        return true
    }

    /// Returns true for an upper-case label at the start of a line (`-`, `KERNDTLB`), as some
    /// archives put before the timestamp.
    func isLabel(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ tokenEnd: Int) -> Bool {
        for index in start..<tokenEnd {
            let byte = bytes[index]
            guard ASCII.isUpper(byte) || byte == ASCII.dash || byte == UInt8(ascii: "_") else { return false }
        }
        return true
    }

    func precedesDatedTimestamp(_ bytes: UnsafeBufferPointer<UInt8>, _ tokenEnd: Int, _ end: Int) -> Bool {
        let next = skipSpaces(bytes, tokenEnd, end)
        guard next < end, let match = scanner.match(bytes, at: next, end: end) else { return false }
        return match.seconds != nil
    }

    func isSeparator(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ tokenEnd: Int) -> Bool {
        guard tokenEnd - start <= 2 else { return false }
        for index in start..<tokenEnd {
            let byte = bytes[index]
            guard byte == ASCII.dash || byte == UInt8(ascii: "|") || byte == ASCII.colon else { return false }
        }
        return true
    }

    func isDigits(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        for index in start..<end where !ASCII.isDigit(bytes[index]) { return false }
        return start < end
    }

    /// Skips whitespace and `|`, which pipe-separated formats put between header fields.
    func skipSpaces(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var position = start
        while position < end, ASCII.isWhitespace(bytes[position]) || bytes[position] == UInt8(ascii: "|") {
            position += 1
        }
        return position
    }

    /// Returns the offset of the first whitespace byte or `|` in `bytes[start..<end]`, or `end`.
    ///
    /// Eight bytes at a time are tested for a byte below 0x21 or a `|`, with the zero-byte test
    /// on the word XOR `|…|`. Only flagged bytes are checked one by one, as in
    /// `ASCII.firstWhitespace`.
    func nextSpace(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var position = start
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while position + 8 <= end {
                let word = raw.loadUnaligned(fromByteOffset: position, as: UInt64.self)
                let bars = word ^ 0x7C7C_7C7C_7C7C_7C7C
                let found = ((word &- 0x2121_2121_2121_2121) & ~word | (bars &- 0x0101_0101_0101_0101) & ~bars)
                    & 0x8080_8080_8080_8080
                if found == 0 {
                    position += 8
                    continue
                }
                position += found.trailingZeroBitCount / 8
                let byte = bytes[position]
                if ASCII.isWhitespace(byte) || byte == UInt8(ascii: "|") { return position }
                position += 1
            }
        }
        while position < end, !ASCII.isWhitespace(bytes[position]), bytes[position] != UInt8(ascii: "|") {
            position += 1
        }
        return position
    }
}
