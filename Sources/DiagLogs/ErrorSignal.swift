/// Recognizes messages that report an error without an error level: exception and stack-trace
/// heads, and the continuation lines of a stack trace that belong to the line before them.
enum ErrorSignal {
    /// Returns true when the message names an exception (`java.io.IOException: ...`,
    /// `DataStreamer Exception`, `ValueError: bad value`, `java.lang.OutOfMemoryError`) or starts
    /// a panic (`panic:`, `fatal error:`).
    static func isExceptionHead(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        if startsWith(bytes, start, end, "panic:") || startsWith(bytes, start, end, "fatal error:") { return true }
        var position = start
        while position < end {
            while position < end, ASCII.isWhitespace(bytes[position]) { position += 1 }
            let tokenStart = position
            while position < end, !ASCII.isWhitespace(bytes[position]) { position += 1 }
            var tokenEnd = position
            while tokenEnd > tokenStart, bytes[tokenEnd - 1] == ASCII.colon || bytes[tokenEnd - 1] == ASCII.dot {
                tokenEnd -= 1
            }
            if endsWith(bytes, tokenStart, tokenEnd, "Exception") { return true }
            if tokenEnd - tokenStart > 5, endsWith(bytes, tokenStart, tokenEnd, "Error") {
                let before = bytes[tokenEnd - 6]
                if ASCII.isLower(before) || before == ASCII.dot { return true }
            }
        }
        return false
    }

    /// Returns true for the head of a Python traceback, whose exception line comes last.
    static func isTracebackHead(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        startsWith(bytes, start, end, "Traceback (most recent call last)")
    }

    /// Returns true for lines that continue a multi-line record: indented lines (stack frames,
    /// wrapped text), `Caused by:`, `... 12 more` and Go's `goroutine 1 [running]:`.
    static func isContinuation(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard start < end else { return false }
        if bytes[start] == ASCII.space || bytes[start] == ASCII.tab { return true }
        return startsWith(bytes, start, end, "Caused by:") || startsWith(bytes, start, end, "... ")
            || startsWith(bytes, start, end, "goroutine ")
    }

    private static func startsWith(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard end - start >= count else { return false }
        return ASCII.equals(bytes, start, start + count, prefix)
    }

    private static func endsWith(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ suffix: StaticString) -> Bool {
        let count = suffix.utf8CodeUnitCount
        guard end - start >= count else { return false }
        return ASCII.equals(bytes, end - count, end, suffix)
    }
}
