import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension Redactor {
    /// Redacts a block of whole lines line by line, running on each line only the rules whose
    /// screen matched it and copying the other lines as they are. Returns nil when the block needs
    /// to be redacted whole: a rule whose pattern spans lines matched, or the block holds a
    /// triple-quoted value, which can run over several lines.
    ///
    /// `columnSpans` are the W3C column spans of the block (`w3cFieldSpans`), in order. A line
    /// alone does not say which column is which, so each line gets its spans from here, and a
    /// line with such a span is redacted even when no screen matched it.
    func redactScreened(
        _ bytes: UnsafeBufferPointer<UInt8>, screen: LineScreen, log: inout RedactionLog, columnSpans: [Span] = []
    ) throws -> [UInt8]? {
        if Self.containsTripleQuote(bytes) { return nil }
        var lines = try screen.lines(in: bytes)
        if !screen.multiLineRules.isEmpty,
            lines.contains(where: { $0.patternRules.contains(where: screen.multiLineRules.contains) })
        {
            return nil
        }
        if !columnSpans.isEmpty { lines = Self.addingLines(of: columnSpans, to: lines, in: bytes) }
        var nextSpan = 0

        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 16)
        var position = 0
        for line in lines {
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[position..<line.range.lowerBound]))
            let lineBytes = UnsafeBufferPointer(rebasing: bytes[line.range])
            // Rule order is priority order, and `LineScreen.lines` lists each line's rules in that order.
            let rules = line.patternRules.map { compiled.rules[$0] }
            var lineSpans: [Span] = []
            while nextSpan < columnSpans.count, columnSpans[nextSpan].range.lowerBound < line.range.upperBound {
                var span = columnSpans[nextSpan]
                if span.range.lowerBound >= line.range.lowerBound {
                    span.range = (span.range.lowerBound - line.range.lowerBound)..<(span.range.upperBound - line.range.lowerBound)
                    lineSpans.append(span)
                }
                nextSpan += 1
            }
            if let redacted = try redactBytes(
                lineBytes, log: &log, keyValues: line.needsKeyScan, patternRules: rules, extraSpans: lineSpans)
            {
                output.append(contentsOf: redacted)
            } else {
                output.append(contentsOf: lineBytes)
            }
            position = line.range.upperBound
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[position...]))
        return output
    }

    /// Returns `lines` with the line of each of `spans` that no screen matched, in order, so
    /// that line is redacted too.
    static func addingLines(of spans: [Span], to lines: [LineScreen.Line], in bytes: UnsafeBufferPointer<UInt8>) -> [LineScreen.Line] {
        var starts = Set(lines.map(\.range.lowerBound))
        var added = lines
        for span in spans {
            var start = span.range.lowerBound
            while start > 0, bytes[start - 1] != 0x0A { start -= 1 }
            guard starts.insert(start).inserted else { continue }
            var stop = span.range.upperBound
            while stop < bytes.count, bytes[stop] != 0x0A { stop += 1 }
            added.append(LineScreen.Line(range: start..<min(stop + 1, bytes.count), patternRules: [], needsKeyScan: false))
        }
        return added.count == lines.count ? lines : added.sorted { $0.range.lowerBound < $1.range.lowerBound }
    }

    /// Redacts one line of text as streaming does, through `screen`, which must come from a
    /// ruleset with the same rules. Returns nil when streaming would redact it whole.
    func redactScreened(_ text: String, screen: LineScreen) -> String? {
        var text = text
        var log = RedactionLog(file: "example")
        log.learnsAcrossLines = false
        let output = text.withUTF8 { bytes in try? redactScreened(bytes, screen: screen, log: &log) }
        return output.flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) }
    }

    /// Returns whether `bytes` contain a triple quote in a form `KeyValueScanner` reads:
    /// `"""`, `'''` or the escaped `\"\"\"`. A `memchr` pass per form keeps this cheap on JSON
    /// logs, which are full of single quote characters.
    static func containsTripleQuote(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        contains(bytes, Array("\"\"\"".utf8)) || contains(bytes, Array("'''".utf8))
            || contains(bytes, Array(#"\"\""#.utf8))
    }

    private static func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard let base = bytes.baseAddress, bytes.count >= needle.count else { return false }
        var offset = 0
        while offset <= bytes.count - needle.count,
            let found = memchr(base + offset, Int32(needle[0]), bytes.count - needle.count + 1 - offset)
        {
            let position = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            if memcmp(base + position, needle, needle.count) == 0 { return true }
            offset = position + 1
        }
        return false
    }
}
