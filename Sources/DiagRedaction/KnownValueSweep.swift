import DiagSupport
import Foundation

/// Replaces, in finished text, every original value that the redactor replaced anywhere else.
///
/// Pattern and key rules see a value only where its context gives it away (`tenant_id="acme"`).
/// The same value can also appear on its own elsewhere, such as a tenant name in an alert annotation.
/// Once any rule has replaced a value, this sweep replaces it everywhere with the same pseudonym.
/// A value is matched only where it is not part of a longer word (no letter or digit directly
/// before or after it), and values shorter than `LeakScanner.minimumLength` bytes are skipped,
/// as the leak check skips them. Tenant, user and customer names match in any ASCII letter case,
/// other values only as written. Generic account names (`Redactor.genericValues`) are
/// replaced where a rule finds them but not swept elsewhere, because words such as `grafana` or
/// `admin` name software and roles all over a bundle and identify nobody.
public struct KnownValueSweep: Sendable {
    /// Returns the replaced values that the sweep and the leak check consider, with their rule ids.
    public static func identifyingValues(_ replaced: [String: RecordedReplacement]) -> [String: String] {
        replaced.filter { value, record in isIdentifying(value, kind: record.kind) }.mapValues(\.rule)
    }

    /// Returns whether the sweep and the leak check look for `value`, replaced as `kind`, in other
    /// places: it has at least `LeakScanner.minimumLength` bytes, is no generic account name, and
    /// is no short word found as a secret. A word of fewer than `minimumSecretWordLength` letters
    /// under a secret key (`Signature: [image]` in a form) is more often a placeholder than a
    /// password, and swept into other files it rewrites keys such as `image:`.
    static func isIdentifying(_ value: String, kind: RuleKind) -> Bool {
        guard value.utf8.count >= LeakScanner.minimumLength, !Redactor.genericValues.contains(value.lowercased()) else {
            return false
        }
        return !(kind.isSecret && value.utf8.count < minimumSecretWordLength && isLetters(value))
    }

    static let minimumSecretWordLength = 8

    /// Returns whether `value` consists of ASCII letters only.
    static func isLetters(_ value: String) -> Bool {
        value.utf8.allSatisfy { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }
    }

    private let replacements: [(original: [UInt8], replacement: [UInt8], rule: String, caseless: Bool, user: Bool)]
    private let matcher: MultiPatternMatcher

    /// Kinds whose values are names, swept in any letter case: a tenant found as
    /// `org_id="kanoagro"` is the same tenant in an annotation's "Kanoagro ERP webhook". Secrets
    /// and other values are swept only as written.
    static let caselessKinds: Set<RuleKind> = [.tenantID, .userID, .customerID]

    /// Uses the exact replacement text the redactor wrote for each value, so the sweep gives the
    /// same pseudonym as the rule that found it, and adds the short names of the replaced hosts
    /// (`Redactor.shortHostNames(of:)`, recorded in the redactor's map) and the site's known
    /// identifiers (`Redactor.sweepSiteIdentifiers(from:)`) that this run did not replace itself.
    public init(redactor: Redactor) {
        let replaced = redactor.sweepableReplacements
        let short = redactor.recordShortHostNames(of: replaced)
        self.init(recorded: replaced.merging(short) { own, _ in own }.merging(redactor.siteIdentifiers) { own, _ in own })
    }

    /// Sweeps the values of `recorded`, such as the replacements of one file.
    init(recorded: [String: RecordedReplacement]) {
        replacements = Self.identifyingValues(recorded)
            .compactMap { original, rule in
                // A replacement that contains its original (a URL whose host is kept) would be
                // matched again on every sweep, so that value is left to the rules.
                guard let record = recorded[original], !record.replacement.contains(original) else { return nil }
                return (
                    Array(original.utf8), Array(record.replacement.utf8), rule, Self.caselessKinds.contains(record.kind),
                    record.kind == .userID
                )
            }
            .sorted { $0.original.lexicographicallyPrecedes($1.original) }
        matcher = MultiPatternMatcher(patterns: replacements.map(\.original), foldingCase: true)
    }

    public var isEmpty: Bool { replacements.isEmpty }

    /// Returns the swept bytes and the replacements made per rule id. One Aho-Corasick pass finds
    /// every whole-token occurrence of every value in `data`. Where occurrences overlap, the one
    /// that starts first wins, and of those the longest, so text a replacement wrote is never
    /// scanned again.
    ///
    /// With `xml`, a marker written in place of a value is escaped (`&lt;redacted:…&gt;`), so
    /// an XML document stays well-formed.
    public func apply(to data: Data, xml: Bool = false) -> (Data, [String: Int]) {
        guard !replacements.isEmpty else { return (data, [:]) }
        let bytes = [UInt8](data)
        var found: [(start: Int, end: Int, exact: Bool, index: Int)] = []
        bytes.withUnsafeBufferPointer { buffer in
            matcher.forEachMatch(in: buffer) { index, end in
                let original = replacements[index].original
                let start = end - original.count
                let exact = original.elementsEqual(buffer[start..<end])
                // Another spelling of a user name must also stand apart from `_`, so
                // `User=payout` does not rewrite the variable `PAYOUT_DB_URL`. A tenant or
                // customer name is replaced there too (`KANOAGRO_DB_URL` names the tenant).
                if exact || replacements[index].caseless,
                    Self.isWholeToken(original, in: buffer, start: start, end: end),
                    exact || !replacements[index].user || !Self.touchesUnderscore(in: buffer, start: start, end: end)
                {
                    found.append((start, end, exact, index))
                }
            }
        }
        guard !found.isEmpty else { return (data, [:]) }
        // Of two values that differ only in case, the one written exactly as found wins.
        found.sort { ($0.start, -$0.end, $0.exact ? 0 : 1, $0.index) < ($1.start, -$1.end, $1.exact ? 0 : 1, $1.index) }
        // A value that also occurs in the text of a marker (`card` in `<redacted:card-number:…>`)
        // is not replaced there, so every marker stays readable and unmappable.
        let markers = bytes.withUnsafeBufferPointer(Self.markerRanges)
        if !markers.isEmpty {
            found.removeAll { Redactor.overlapsAny(markers, $0.start..<$0.end) }
        }
        // Nor inside a pseudonym (`tenant` in `tenant-4462b4b4`), which must stay unmappable.
        bytes.withUnsafeBufferPointer { buffer in
            found.removeAll { Self.isInsidePseudonym(buffer, start: $0.start, end: $0.end) }
        }

        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var counts: [String: Int] = [:]
        var position = 0
        for match in found where match.start >= position {
            output.append(contentsOf: bytes[position..<match.start])
            let replacement = replacements[match.index].replacement
            if xml, replacement.first == UInt8(ascii: "<"), replacement.last == UInt8(ascii: ">") {
                output.append(contentsOf: "&lt;".utf8)
                output.append(contentsOf: replacement.dropFirst().dropLast())
                output.append(contentsOf: "&gt;".utf8)
            } else {
                output.append(contentsOf: replacement)
            }
            counts[replacements[match.index].rule, default: 0] += 1
            position = match.end
        }
        output.append(contentsOf: bytes[position...])
        return (Data(output), counts)
    }

    /// Returns the ranges of the `<redacted:…>` markers in `bytes`, in order, as the residual
    /// scan reads them.
    static func markerRanges(_ bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        while let found = Redactor.find(markerPrefix, in: bytes, from: start, to: bytes.count) {
            guard let end = ResidualScanner.markerEnd(bytes, from: found) else {
                start = found + markerPrefix.count
                continue
            }
            ranges.append(found..<end)
            start = end
        }
        return ranges
    }

    static let markerPrefix = Array("<redacted:".utf8)

    /// Returns whether `start..<end` lies inside a token of letters, digits and hyphens that has
    /// the shape of a pseudonym (`tenant-4462b4b4`, `customer-1a2b3c4d-7d9f6c8b5`) or of a
    /// pseudonymous domain label (`example-8e2bf2`).
    static func isInsidePseudonym(_ bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int) -> Bool {
        let isTokenByte = { (byte: UInt8) in isWordByte(byte) || byte == UInt8(ascii: "-") }
        var tokenStart = start
        while tokenStart > 0, isTokenByte(bytes[tokenStart - 1]) { tokenStart -= 1 }
        var tokenEnd = end
        while tokenEnd < bytes.count, isTokenByte(bytes[tokenEnd]) { tokenEnd += 1 }
        guard tokenEnd - tokenStart > end - start else { return false }
        let token = UnsafeBufferPointer(rebasing: bytes[tokenStart..<tokenEnd])
        if token.count == domainLabelPrefix.count + 6, token.starts(with: domainLabelPrefix),
            token.dropFirst(domainLabelPrefix.count).allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
        {
            return true
        }
        return ResidualScanner.isPseudonym(bytes, start: tokenStart, count: tokenEnd - tokenStart)
    }

    static let domainLabelPrefix = Array("example-".utf8)

    /// Returns whether `needle`, found at `start..<end`, is not part of a longer word: no letter
    /// or digit directly before or after it, where its own first or last byte is one.
    private static func isWholeToken(_ needle: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int) -> Bool {
        if start > 0, isWordByte(bytes[start - 1]), isWordByte(needle[0]) { return false }
        if end < bytes.count, isWordByte(bytes[end]), isWordByte(needle[needle.count - 1]) { return false }
        return true
    }

    private static func touchesUnderscore(in bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int) -> Bool {
        (start > 0 && bytes[start - 1] == UInt8(ascii: "_")) || (end < bytes.count && bytes[end] == UInt8(ascii: "_"))
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte >= 0x80
    }
}
