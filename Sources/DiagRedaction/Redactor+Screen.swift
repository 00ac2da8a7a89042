import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension Redactor {
    /// Redacts a block of whole lines line by line, running on each line only the rules whose
    /// screen matched it and copying the other lines as they are. Returns nil when the block needs
    /// to be redacted whole: a rule whose pattern spans lines matched, or the block holds a
    /// triple-quoted value, which can run over several lines.
    func redactScreened(
        _ bytes: UnsafeBufferPointer<UInt8>, screen: LineScreen, log: inout RedactionLog
    ) throws -> [UInt8]? {
        if Self.containsTripleQuote(bytes) { return nil }
        let lines = try screen.lines(in: bytes)
        if !screen.multiLineRules.isEmpty,
            lines.contains(where: { $0.patternRules.contains(where: screen.multiLineRules.contains) })
        {
            return nil
        }

        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 16)
        var position = 0
        for line in lines {
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[position..<line.range.lowerBound]))
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[line.range]), as: UTF8.self)
            // Rule order is priority order, and `LineScreen.lines` lists each line's rules in that order.
            let rules = line.patternRules.map { compiled.rules[$0] }
            let redacted = try redactText(text, log: &log, keyValues: line.needsKeyScan, patternRules: rules)
            output.append(contentsOf: redacted.utf8)
            position = line.range.upperBound
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[position...]))
        return output
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
