import Foundation

/// One replacement that a dry run would make, for the operator's eyes only: it contains the original.
public struct RedactionMatch: Sendable, Equatable {
    /// The 1-based line where the original occurs, or 0 when it does not occur verbatim (a
    /// percent-encoded or JSON-escaped value).
    public var line: Int
    public var rule: String
    public var kind: RuleKind
    public var original: String
    public var replacement: String
}

extension Redactor {
    /// Redacts `data` as `redactFile(name:data:)` does, with a separate redactor so that nothing is
    /// recorded in this one, and returns the output and every replacement with each line where
    /// its original occurs as a whole token, sorted by line.
    ///
    /// Throws the `RedactionError` that `redactFile` throws for data it cannot redact.
    public func explainFile(name: String, data: Data) throws -> (output: Data, matches: [RedactionMatch]) {
        let dryRun = Redactor(ruleset: ruleset, pseudonymizer: pseudonymizer)
        let remembered = rememberedValues
        if !remembered.isEmpty { dryRun.rememberValues(remembered) }

        let output = try dryRun.redactFile(name: name, data: data)
        let lineStarts = Self.lineStarts(data)
        var matches: [RedactionMatch] = []
        data.withUnsafeBytes { raw in
            let buffer = raw.bindMemory(to: UInt8.self)
            for (original, record) in dryRun.recordedReplacements {
                let lines = Self.lines(of: original, in: buffer, lineStarts: lineStarts)
                for line in lines.isEmpty ? [0] : lines {
                    matches.append(
                        RedactionMatch(
                            line: line, rule: record.rule, kind: record.kind, original: original,
                            replacement: record.replacement))
                }
            }
        }
        matches.sort { ($0.line, $0.rule, $0.original) < ($1.line, $1.rule, $1.original) }
        return (output, matches)
    }

    /// Returns the offset where each line of `data` starts.
    static func lineStarts(_ data: Data) -> [Int] {
        var starts = [0]
        for (offset, byte) in data.enumerated() where byte == 0x0A { starts.append(offset + 1) }
        return starts
    }

    /// Returns the distinct 1-based lines on which `value` occurs as a whole token.
    static func lines(of value: String, in buffer: UnsafeBufferPointer<UInt8>, lineStarts: [Int]) -> [Int] {
        let needle = Array(value.utf8)
        guard !needle.isEmpty else { return [] }
        var lines: [Int] = []
        var start = 0
        while let found = find(needle, in: buffer, from: start, to: buffer.count) {
            if PseudonymMap.isWholeToken(start: found, end: found + needle.count, in: buffer) {
                // The line is the number of line starts at or before the match.
                var low = 0
                var high = lineStarts.count
                while low < high {
                    let middle = (low + high) / 2
                    if lineStarts[middle] <= found { low = middle + 1 } else { high = middle }
                }
                if lines.last != low { lines.append(low) }
            }
            start = found + 1
        }
        return lines
    }
}
