import DiagSupport

/// The record of one replaced original: the rule, the kind it was replaced as, and the text.
public struct RecordedReplacement: Sendable, Equatable {
    public var rule: String
    public var kind: RuleKind
    public var replacement: String
}

/// The replacements of one redaction call, merged into the redactor when the call ends, and the
/// identifiers learned in the document so far.
struct RedactionLog {
    let file: String
    var report = RedactionReport()
    var map = PseudonymMap()
    var replaced: [String: RecordedReplacement] = [:]
    /// Later replacements of an original that differ from its first, by another rule or into
    /// another text, such as an email under a user key on one line and inside URL credentials on
    /// another. `rules explain` shows the one that applies on each line.
    var alternates: [String: [RecordedReplacement]] = [:]
    /// Identifier values found by key in this document, with the rule that found them.
    private(set) var learned: [String: CompiledRule] = [:]
    private var learnedMatcher: (values: [String], matcher: MultiPatternMatcher)?
    /// Whether values found by key are learned for the whole call. Streaming turns it off and
    /// applies each learned value to its own line only, so the set of learned values stays small.
    var learnsAcrossLines = true
    /// Member keys of the JSON being redacted that a rule replaced, with their replacements, so
    /// the copy can be written in the original's layout (`JSONValue.serialized(_:inLayoutOf:renamedKeys:)`).
    var renamedKeys: [String: String] = [:]
    /// The columns of the W3C extended log being redacted, from its latest `#Fields:` directive.
    var w3cFields: W3CFields?

    init(file: String) { self.file = file }

    /// The shortest value learned; shorter ones occur by chance in any text.
    static let minimumLearnedLength = 4

    mutating func learn(_ value: String, rule: CompiledRule) {
        guard learnsAcrossLines, value.utf8.count >= Self.minimumLearnedLength, learned[value] == nil else { return }
        learned[value] = rule
        learnedMatcher = nil
    }

    /// The values learned so far.
    var learnedValues: [String] { Array(learned.keys) }

    /// Spans for every whole-token occurrence of a learned value in `buffer`.
    mutating func learnedSpans(in buffer: UnsafeBufferPointer<UInt8>) -> [Span] {
        guard !learned.isEmpty else { return [] }
        if learnedMatcher == nil {
            let values = learned.keys.sorted()
            learnedMatcher = (values, MultiPatternMatcher(patterns: values.map { Array($0.utf8) }))
        }
        let (values, matcher) = learnedMatcher!
        var spans: [Span] = []
        matcher.forEachMatch(in: buffer) { index, end in
            let start = end - matcher.patterns[index].count
            if PseudonymMap.isWholeToken(start: start, end: end, in: buffer) {
                spans.append(Span(range: start..<end, rule: learned[values[index]]!, origin: .learned))
            }
        }
        return spans
    }

    var isEmpty: Bool { report.counts.isEmpty && map.entries.isEmpty && replaced.isEmpty }

    mutating func record(original: String, pseudonym: String, kind: RuleKind, rule: String) {
        let record = RecordedReplacement(rule: rule, kind: kind, replacement: pseudonym)
        if let first = replaced[original] {
            if first != record, alternates[original]?.contains(record) != true { alternates[original, default: []].append(record) }
        } else {
            replaced[original] = record
        }
        if !kind.isSecret { map.record(pseudonym: pseudonym, original: original, kind: kind) }
    }
}
