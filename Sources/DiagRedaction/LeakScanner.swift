import Foundation

/// An original value found in a document after redaction: which file and which rule replaced
/// the value elsewhere, never the value itself.
public struct LeakHit: Sendable, Equatable, Hashable {
    public var file: String
    /// The id of the rule that replaced the value, or nil when the caller gave no rule ids.
    public var ruleID: String?
    /// How many times a replaced value occurs in the file.
    public var count: Int

    public init(file: String, ruleID: String?, count: Int) {
        self.file = file
        self.ruleID = ruleID
        self.count = count
    }
}

/// Checks redacted documents for any original value the redactor replaced somewhere.
public enum LeakScanner {
    /// Values shorter than this many bytes are skipped, because they occur by chance in any text.
    public static let minimumLength = 4

    /// Scans every document for every value; hits are sorted by file.
    public static func scan(documents: [String: Data], for values: Set<String>) -> [LeakHit] {
        scan(documents: documents, for: Dictionary(uniqueKeysWithValues: values.map { ($0, "") })).map {
            LeakHit(file: $0.file, ruleID: nil, count: $0.count)
        }
    }

    /// Scans every document for every value, reporting the rule id given for the value.
    ///
    /// A hit counts only when no letter or digit is glued to it on either side. So a tenant id
    /// `acme` does not flag the word `acmes`, but `acme_corp` and `acme-corp` still count.
    public static func scan(documents: [String: Data], for values: [String: String]) -> [LeakHit] {
        let kept = values.filter { $0.key.utf8.count >= minimumLength }.sorted { $0.key < $1.key }
        guard !kept.isEmpty else { return [] }
        let matcher = MultiPatternMatcher(patterns: kept.map { Array($0.key.utf8) })

        var hits: [LeakHit] = []
        for file in documents.keys.sorted() {
            var counts: [String: Int] = [:]
            documents[file]!.withUnsafeBytes { raw in
                let buffer = raw.bindMemory(to: UInt8.self)
                var markers: [Range<Int>]?
                matcher.forEachMatch(in: buffer) { index, end in
                    let start = end - matcher.patterns[index].count
                    guard PseudonymMap.isWholeToken(start: start, end: end, in: buffer) else { return }
                    // The text of the tool's own markers (`card` in `<redacted:card-number:…>`) is no leak.
                    if markers == nil { markers = KnownValueSweep.markerRanges(buffer) }
                    if Redactor.overlapsAny(markers!, start..<end) { return }
                    counts[kept[index].value, default: 0] += 1
                }
            }
            for (rule, count) in counts.sorted(by: { $0.key < $1.key }) {
                hits.append(LeakHit(file: file, ruleID: rule, count: count))
            }
        }
        return hits
    }
}
