extension KeyValueScanner {
    /// Returns where a block of whole lines should end so that no value in triple quotes is cut
    /// in two. That is the start of the line that opens a value whose closing quotes could lie
    /// after the block, or `buffer.count` when there is none.
    ///
    /// `tripleQuoted(_:from:)` reads a value in `"""`, `'''` or `\"\"\"` up to its closing quotes,
    /// which may stand on a later line, searching `maximumTripleQuotedBytes` ahead. A stream that
    /// ends a block between the two would redact the opening line alone and pass the rest of the
    /// value (a multi-line INI secret) as plain text. Moving the block's end back to the opening
    /// line lets the next block hold the whole value. Only a value opened after `=` or `:` counts,
    /// as the scanner reads no other, and only one opened within `maximumTripleQuotedBytes` of the
    /// end, because the scanner stops searching after that. When the value opens on the block's
    /// first line, nothing earlier can end the block and `buffer.count` is returned.
    static func blockEnd(keepingTripleQuotedValuesIn buffer: UnsafeBufferPointer<UInt8>) -> Int {
        var index = 0
        while index < buffer.count {
            let byte = buffer[index]
            guard byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\\"),
                let quote = tripleQuote(in: buffer, at: index), followsOperator(buffer, at: index)
            else {
                index += 1
                continue
            }

            let innerStart = index + quote.count
            let searchEnd = innerStart + maximumTripleQuotedBytes
            if let close = find(quote, in: buffer, from: innerStart, to: min(searchEnd, buffer.count)) {
                index = close + quote.count
                continue
            }
            guard searchEnd > buffer.count else {
                // The scanner gives up within this block too and reads the rest of the line.
                index = innerStart
                continue
            }
            let lineStart = startOfLine(in: buffer, at: index)
            return lineStart > 0 ? lineStart : buffer.count
        }
        return buffer.count
    }

    /// Returns the triple quote that starts at `index`, in the forms `tripleQuoted` reads.
    private static func tripleQuote(in buffer: UnsafeBufferPointer<UInt8>, at index: Int) -> [UInt8]? {
        for quote in [Array(#"\"\"\""#.utf8), Array("\"\"\"".utf8), Array("'''".utf8)]
        where matches(buffer, at: index, quote, caseless: false) {
            return quote
        }
        return nil
    }

    /// Returns whether `=` or `:` precedes `index`, with only spaces or tabs between.
    private static func followsOperator(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        var position = index
        while position > 0, buffer[position - 1] == UInt8(ascii: " ") || buffer[position - 1] == UInt8(ascii: "\t") {
            position -= 1
        }
        guard position > 0 else { return false }
        return buffer[position - 1] == UInt8(ascii: "=") || buffer[position - 1] == UInt8(ascii: ":")
    }

    private static func find(_ literal: [UInt8], in buffer: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
        var index = start
        while index < end, index + literal.count <= buffer.count {
            if buffer[index] == literal[0], matches(buffer, at: index, literal, caseless: false) { return index }
            index += 1
        }
        return nil
    }

    private static func startOfLine(in buffer: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        var position = index
        while position > 0, buffer[position - 1] != 0x0A { position -= 1 }
        return position
    }
}
