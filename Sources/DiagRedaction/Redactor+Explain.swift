import DiagSupport
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
    /// Redacts `data` as `redactStream` redacts a file up to `streamWholeTextBytes`, with a
    /// separate redactor so that nothing is recorded in this one. Returns the output and every
    /// replacement with each line where it happened, sorted by line.
    ///
    /// Throws the `RedactionError` that `redactFile` throws for data it cannot redact.
    public func explainFile(name: String, data: Data) throws -> (output: Data, matches: [RedactionMatch]) {
        let dryRun = makeDryRun()
        let output = try dryRun.redactFile(name: name, data: data, sweepsKnownValues: true)
        return (output, dryRun.matches(input: data, output: output))
    }

    /// Redacts the file at `url` with `redactStream`, as `redact` does, with a separate redactor,
    /// and returns the output and the replacements as `explainFile(name:data:)` does. `input` is
    /// the file's content, read once by the caller. The output goes to a private temporary folder
    /// that contains only redacted text and is removed at once.
    public func explainFile(at url: URL, name: String, input: Data) throws -> (output: Data, matches: [RedactionMatch]) {
        let dryRun = makeDryRun()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("waka-diag-explain-\(UUID().uuidString)")
        try SecureFiles.createDirectory(at: folder, mode: 0o700)
        defer { try? FileManager.default.removeItem(at: folder) }

        let redactedURL = folder.appendingPathComponent("redacted")
        try dryRun.redactStream(from: url, to: redactedURL, file: name)
        let output = try Data(contentsOf: redactedURL)
        return (output, dryRun.matches(input: input, output: output))
    }

    /// Returns a redactor with this one's rules, pseudonyms, remembered values and site
    /// identifiers, which records nothing here.
    private func makeDryRun() -> Redactor {
        let dryRun = Redactor(ruleset: ruleset, pseudonymizer: pseudonymizer)
        let remembered = rememberedValues
        if !remembered.isEmpty { dryRun.rememberValues(remembered) }
        dryRun.setSiteIdentifiers(siteIdentifiers)
        return dryRun
    }

    /// Returns the matches of this redactor's recorded replacements, and of the site identifiers
    /// that occur in `input` as written, between `input` and `output`.
    private func matches(input: Data, output: Data) -> [RedactionMatch] {
        let present = siteIdentifiers.filter { original, _ in input.range(of: Data(original.utf8)) != nil }
        let recorded = recordedReplacements.merging(present) { own, _ in own }
        return Self.matches(of: recorded, alternates: alternateReplacements, input: input, output: output)
    }

    /// Returns a match for each line of `input` where an original of `recorded` occurs as a whole
    /// token and the same line of `output` no longer contains it, sorted by line. A replaced
    /// multi-line value (a PEM block) changes the line count; then every line where an original
    /// occurs is listed. An original found on no line (percent-encoded or escaped) is listed
    /// once, on line 0. Where an original was replaced in more than one way, each line shows the
    /// replacement that its output line contains.
    static func matches(
        of recorded: [String: RecordedReplacement], alternates: [String: [RecordedReplacement]], input: Data, output: Data
    ) -> [RedactionMatch] {
        let lineStarts = Self.lineStarts(input)
        let outputLines = output.split(separator: 0x0A, omittingEmptySubsequences: false)
        let sameLines = outputLines.count == lineStarts.count
        var matches: [RedactionMatch] = []
        input.withUnsafeBytes { raw in
            let buffer = raw.bindMemory(to: UInt8.self)
            for (original, record) in recorded {
                let needle = Array(original.utf8)
                // A value glued to what precedes it (`-pS3cret`) occurs in no whole token, so its
                // lines are those where it occurs at all.
                let wholeTokens = Self.lines(of: original, in: buffer, lineStarts: lineStarts)
                let byToken = !wholeTokens.isEmpty
                let found = byToken ? wholeTokens : Self.lines(of: original, in: buffer, lineStarts: lineStarts, wholeTokensOnly: false)
                // A line counts where the output has fewer occurrences than the input, so a short
                // value that also occurs inside a longer word is still listed.
                let lines = found.filter { line in
                    guard sameLines else { return true }
                    let end = line < lineStarts.count ? lineStarts[line] : buffer.count
                    let inputLine = UnsafeBufferPointer(rebasing: buffer[lineStarts[line - 1]..<end])
                    let outputLine = [UInt8](outputLines[line - 1])
                    let remaining = outputLine.withUnsafeBufferPointer { Self.occurrences(of: needle, in: $0, wholeTokensOnly: byToken) }
                    return remaining < Self.occurrences(of: needle, in: inputLine, wholeTokensOnly: byToken)
                }
                if !found.isEmpty, lines.isEmpty { continue }
                let candidates = [record] + (alternates[original] ?? [])
                for line in lines.isEmpty ? [0] : lines {
                    var chosen = record
                    if sameLines, line > 0 {
                        // A value inside a longer one that another rule replaced whole (a tenant
                        // inside an email) has none of its replacements on the line: that row
                        // did not happen, and the longer value has a row of its own.
                        let text = outputLines[line - 1]
                        guard let shown = candidates.first(where: { Self.contains(text, replacement: $0.replacement) }) else { continue }
                        chosen = shown
                    }
                    matches.append(
                        RedactionMatch(
                            line: line, rule: chosen.rule, kind: chosen.kind, original: original,
                            replacement: chosen.replacement))
                }
            }
        }
        matches.sort { ($0.line, $0.rule, $0.original) < ($1.line, $1.rule, $1.original) }
        return matches
    }

    /// Returns whether an output line contains `replacement` as written or percent-encoded, as a
    /// replacement inside a URL is written (`@` as `%40`).
    static func contains(_ line: Data, replacement: String) -> Bool {
        if line.range(of: Data(replacement.utf8)) != nil { return true }
        let encoded = replacement.replacingOccurrences(of: "@", with: "%40")
        return encoded != replacement && line.range(of: Data(encoded.utf8)) != nil
    }

    /// Returns how often `needle` occurs in `buffer` as a whole token, or at all when
    /// `wholeTokensOnly` is false.
    static func occurrences(of needle: [UInt8], in buffer: UnsafeBufferPointer<UInt8>, wholeTokensOnly: Bool = true) -> Int {
        var count = 0
        var start = 0
        while let found = find(needle, in: buffer, from: start, to: buffer.count) {
            if !wholeTokensOnly || PseudonymMap.isWholeToken(start: found, end: found + needle.count, in: buffer) {
                count += 1
            }
            start = found + 1
        }
        return count
    }

    /// Returns the offset where each line of `data` starts.
    static func lineStarts(_ data: Data) -> [Int] {
        var starts = [0]
        for (offset, byte) in data.enumerated() where byte == 0x0A { starts.append(offset + 1) }
        return starts
    }

    /// Returns the distinct 1-based lines on which `value` occurs as a whole token, or at all
    /// when `wholeTokensOnly` is false.
    static func lines(
        of value: String, in buffer: UnsafeBufferPointer<UInt8>, lineStarts: [Int], wholeTokensOnly: Bool = true
    ) -> [Int] {
        let needle = Array(value.utf8)
        guard !needle.isEmpty else { return [] }
        var lines: [Int] = []
        var start = 0
        while let found = find(needle, in: buffer, from: start, to: buffer.count) {
            if !wholeTokensOnly || PseudonymMap.isWholeToken(start: found, end: found + needle.count, in: buffer) {
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
