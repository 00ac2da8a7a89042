import DiagSupport
import Foundation

/// Redacts text, JSON, YAML and label sets under a ruleset, replacing every match by its
/// pseudonym and recording counts, the pseudonym map and the replaced originals.
///
/// Thread-safe: call it from several threads at once. Each call collects its results in a
/// `RedactionLog` and merges them under a lock when it ends.
public final class Redactor: @unchecked Sendable {
    public let ruleset: Ruleset
    public let pseudonymizer: Pseudonymizer
    let compiled: CompiledRuleset
    let scanner: PatternScanner

    private let lock = NSLock()
    private var reportStorage = RedactionReport()
    private var mapStorage = PseudonymMap()
    private var replacedStorage: [String: RecordedReplacement] = [:]
    private var alternateStorage: [String: [RecordedReplacement]] = [:]
    private var rememberedPseudonyms: Set<String> = []
    private var rememberedMatcher: MultiPatternMatcher?
    private var siteIdentifierStorage: [String: RecordedReplacement] = [:]
    private var siteSweepStorage: KnownValueSweep?
    private let retainsReplacedValues: Bool
    /// The ids of the rules whose replaced originals are retained, or nil for every rule.
    private let retainedRuleIDs: Set<String>?
    /// Pattern rules of the `siteIdentifierKinds`, whose specific values `retainedRuleIDs` keeps too.
    private let identifierPatternRuleIDs: Set<String>

    /// The rule id under which engine failures are counted.
    public static let engineFailureRuleID = "engine-failure"

    /// Creates a redactor. Every rule must compile, which `Ruleset.load` and `Ruleset.parse`
    /// guarantee; a ruleset built in code with a broken regex stops the program here.
    /// `remembering` is passed to `remember(_:)`. With `retainsReplacedValues` false, the replaced
    /// originals are not kept, so memory does not grow with every distinct secret of a long
    /// stream, but `replacedValues`, `recordedReplacements` and `findLeaks` then see nothing.
    /// With `retainsKeyRuleValuesOnly`, only originals replaced by rules with `keys`, `labels` or
    /// `child-keys` are kept, and those of pattern rules of the `siteIdentifierKinds` (a user after
    /// `psql -U`) that the site sweep would take (`isSweptEverywhere`): the values that a pattern
    /// cannot find again in another file.
    public init(
        ruleset: Ruleset, pseudonymizer: Pseudonymizer, remembering map: PseudonymMap = PseudonymMap(),
        retainsReplacedValues: Bool = true, retainsKeyRuleValuesOnly: Bool = false
    ) {
        self.ruleset = ruleset
        self.pseudonymizer = pseudonymizer
        self.retainsReplacedValues = retainsReplacedValues
        reportStorage.allowlistMode = ruleset.allowlistMode
        do {
            compiled = try CompiledRuleset(ruleset)
        } catch {
            preconditionFailure("the ruleset \(ruleset.id) does not compile (\(error)); load it with Ruleset.load, which checks every regex")
        }
        retainedRuleIDs = retainsKeyRuleValuesOnly
            ? Set(ruleset.rules.filter { $0.keys != nil || $0.labels != nil || $0.childKeys != nil }.map(\.id)) : nil
        identifierPatternRuleIDs = Set(
            ruleset.rules.filter { $0.keys == nil && $0.labels == nil && $0.childKeys == nil && Self.siteIdentifierKinds.contains($0.kind) }
                .map(\.id))
        scanner = PatternScanner(ruleset: compiled)
        remember(map)
    }

    /// Keeps every pseudonym in `map` as it is wherever a rule would match it, so redacting
    /// already redacted text again (a review that re-redacts a bundle) changes nothing. Pass the
    /// map that earlier runs with the same site secret saved. The domain of each email pseudonym
    /// is kept too, because the hostname rule sees it apart from the address.
    ///
    /// NOTE: a real value that happens to equal a remembered pseudonym is kept as well, so give
    /// this only a map made for the text being redacted again.
    ///
    /// The map's pseudonyms are also reserved in the pseudonymizer (`Pseudonymizer.reserve`), so
    /// a new value that collides with one of them is re-keyed.
    public func remember(_ map: PseudonymMap) {
        guard !map.entries.isEmpty else { return }
        pseudonymizer.reserve(map)
        rememberValues(Self.keptValues(of: map, shapedOnly: false))
    }

    /// Returns what `remember(_:)` keeps of `map`: each pseudonym and the domain of each email
    /// pseudonym. With `shapedOnly`, it keeps only pseudonyms whose shape no real value has
    /// (`useSiteMap(_:)`). Those are of a `RuleKind` outside `formatPreservingKinds` and were
    /// recorded for a value other than the pseudonym itself.
    static func keptValues(of map: PseudonymMap, shapedOnly: Bool) -> Set<String> {
        var values: Set<String> = []
        for (pseudonym, entry) in map.entries {
            if shapedOnly {
                guard !formatPreservingKinds.contains(entry.kind), RuleKind(rawValue: entry.kind) != nil,
                    entry.originals.contains(where: { $0 != pseudonym })
                else { continue }
            }
            values.insert(pseudonym)
            if entry.kind == RuleKind.email.rawValue, let separator = Pseudonymizer.emailSeparator(in: pseudonym) {
                values.insert(String(pseudonym[separator.upperBound...]))
            }
        }
        return values
    }

    /// Sets the site's known identifiers and the sweep that replaces them (see
    /// `Redactor+SiteIdentifiers.swift`).
    func setSiteIdentifiers(_ identifiers: [String: RecordedReplacement]) {
        let sweep = identifiers.isEmpty ? nil : KnownValueSweep(recorded: identifiers)
        lock.lock()
        siteIdentifierStorage = identifiers
        siteSweepStorage = sweep
        lock.unlock()
    }

    /// The site's known identifiers, by original value.
    public var siteIdentifiers: [String: RecordedReplacement] {
        lock.lock()
        defer { lock.unlock() }
        return siteIdentifierStorage
    }

    /// The sweep of the site's known identifiers, or nil when there are none.
    var siteSweep: KnownValueSweep? {
        lock.lock()
        defer { lock.unlock() }
        return siteSweepStorage
    }

    /// Adds `values` to the pseudonyms kept as they are.
    func rememberValues(_ values: Set<String>) {
        // No automaton at all rather than an empty one, which every line would still run through.
        guard !values.isEmpty else { return }
        lock.lock()
        rememberedPseudonyms.formUnion(values)
        let patterns = rememberedPseudonyms.sorted().map { Array($0.utf8) }
        lock.unlock()

        let matcher = MultiPatternMatcher(patterns: patterns)
        lock.lock()
        if matcher.patterns.count == rememberedPseudonyms.count { rememberedMatcher = matcher }
        lock.unlock()
    }

    /// The pseudonyms kept as they are, from `remember(_:)`.
    var rememberedValues: Set<String> {
        lock.lock()
        defer { lock.unlock() }
        return rememberedPseudonyms
    }

    /// Returns the ranges of remembered pseudonyms in `buffer` that stand as whole tokens, merged
    /// where they overlap and sorted. A span inside one of them is not replaced again, which also
    /// stops a pattern from taking a shorter match inside a pseudonym it rejected as a whole.
    func rememberedRanges(in buffer: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        lock.lock()
        let matcher = rememberedMatcher
        lock.unlock()
        guard let matcher else { return [] }

        var ranges: [Range<Int>] = []
        matcher.forEachMatch(in: buffer) { index, end in
            let start = end - matcher.patterns[index].count
            if PseudonymMap.isWholeToken(start: start, end: end, in: buffer) { ranges.append(start..<end) }
        }
        guard !ranges.isEmpty else { return [] }
        ranges.sort { $0.lowerBound != $1.lowerBound ? $0.lowerBound < $1.lowerBound : $0.upperBound > $1.upperBound }
        var merged: [Range<Int>] = [ranges[0]]
        for range in ranges.dropFirst() {
            if range.lowerBound < merged[merged.count - 1].upperBound {
                let last = merged[merged.count - 1]
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        return merged
    }

    /// Returns whether `range` lies inside one of `sorted` (ascending, disjoint ranges).
    static func isInsideAny(_ sorted: [Range<Int>], _ range: Range<Int>) -> Bool {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle].lowerBound <= range.lowerBound { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return false }
        let candidate = sorted[low - 1]
        return candidate.lowerBound <= range.lowerBound && range.upperBound <= candidate.upperBound
    }

    // MARK: - Results

    /// Replacement counts per rule and file so far.
    public var report: RedactionReport {
        lock.lock()
        defer { lock.unlock() }
        return reportStorage
    }

    public var replacementCount: Int { report.total }

    /// `report.jsonValue()`: counts per rule and file, never values.
    public var reportJSON: JSONValue { report.jsonValue() }

    /// Every original value replaced so far. It stays in memory for the leak check only.
    public var replacedValues: Set<String> {
        lock.lock()
        defer { lock.unlock() }
        return Set(replacedStorage.keys)
    }

    /// Every original value replaced so far, with the id of the rule that replaced it first.
    public var replacedValueRules: [String: String] {
        lock.lock()
        defer { lock.unlock() }
        return replacedStorage.mapValues(\.rule)
    }

    /// Every original value replaced so far, with the rule, the kind it was replaced as and its
    /// exact replacement, so a later pass can replace stray occurrences consistently. A host found
    /// by a hostname rule may have been replaced as an IPv4 address, so use `kind`, not the rule's.
    public var recordedReplacements: [String: RecordedReplacement] {
        lock.lock()
        defer { lock.unlock() }
        return replacedStorage
    }

    /// `recordedReplacements` without the identifiers that are key names (`isKeyName`). Those
    /// were replaced where a rule found them, but swept and leak-checked elsewhere they would
    /// rewrite keys, paths and pseudonyms (`tenant-4462b4b4`) all over the other files.
    public var sweepableReplacements: [String: RecordedReplacement] {
        withoutKeyNames(recordedReplacements)
    }

    /// Returns `recorded` without the originals that are key names (`isKeyName`).
    func withoutKeyNames(_ recorded: [String: RecordedReplacement]) -> [String: RecordedReplacement] {
        recorded.filter { !isKeyName($0.key, kind: $0.value.kind) }
    }

    /// Returns whether `value`, replaced as `kind`, is a key name that an identifier rule reads
    /// rather than an identifier, such as `Tenant` under a form's `display_name` or `acct` in a
    /// source line. Secrets are never taken for key names.
    func isKeyName(_ value: String, kind: RuleKind) -> Bool {
        guard !kind.isSecret else { return false }
        // A key with its operator (`user=`), taken for the value of the key before it.
        var name = Substring(value)
        if let last = name.last, last == "=" || last == ":" { name = name.dropLast() }
        return compiled.isIdentifierKeyName(String(name))
    }

    /// Replacements of an original that differed from its first one in `recordedReplacements`.
    var alternateReplacements: [String: [RecordedReplacement]] {
        lock.lock()
        defer { lock.unlock() }
        return alternateStorage
    }

    /// Pseudonyms recorded so far (secret kinds excluded), to save with `PseudonymMap.save(to:)`.
    public var pseudonymMap: PseudonymMap {
        lock.lock()
        defer { lock.unlock() }
        return mapStorage
    }

    /// Documents in which an original value replaced so far still occurs, by file and rule id.
    public func findLeaks(in documents: [String: Data]) -> [LeakHit] {
        LeakScanner.scan(documents: documents, for: sweepableReplacements.mapValues(\.rule))
    }

    /// Kinds whose pseudonyms have the shape of real values (an IPv4 pseudonym is a valid address
    /// in the same range), so a real value can equal the pseudonym of another one.
    static let formatPreservingKinds: Set<String> = [
        RuleKind.ipv4.rawValue, RuleKind.ipv6.rawValue, RuleKind.mac.rawValue, RuleKind.phone.rawValue,
    ]

    /// Returns whether `value` is a pseudonym to keep as it is: one that `remember(_:)` was given,
    /// or one made earlier in this run whose shape no real value has (`tenant-3f9a1c20`). An
    /// address or phone number that equals a pseudonym made in this run is still replaced,
    /// because it may be a real value of its own.
    func isKnownPseudonym(_ value: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if rememberedPseudonyms.contains(value) { return true }
        guard let entry = mapStorage.entries[value] else { return false }
        return !Self.formatPreservingKinds.contains(entry.kind)
    }

    /// Moves the report's counts for `file` to `newName`, for a file renamed after it was
    /// redacted (`sweepFileNames`), so that the report names no value the new name hides.
    public func renameReportFile(_ file: String, to newName: String) {
        lock.lock()
        reportStorage.renameFile(file, to: newName)
        lock.unlock()
    }

    func commit(_ log: RedactionLog) {
        guard !log.isEmpty else { return }
        lock.lock()
        reportStorage.merge(log.report)
        mapStorage.merge(log.map)
        if retainsReplacedValues {
            for (value, record) in log.replaced where replacedStorage[value] == nil {
                if let retainedRuleIDs, !retainedRuleIDs.contains(record.rule) {
                    guard identifierPatternRuleIDs.contains(record.rule), Self.isSweptEverywhere(value, kind: record.kind) else { continue }
                }
                replacedStorage[value] = record
            }
            for (value, records) in log.alternates {
                for record in records where record != replacedStorage[value] && alternateStorage[value]?.contains(record) != true {
                    alternateStorage[value, default: []].append(record)
                }
            }
        }
        lock.unlock()
    }

    // MARK: - Text

    /// Redacts free text: pattern rules, `key=value`, `key: value` and INI lines whose key a
    /// `keys` or `labels` rule matches, PromQL label matchers and Authorization headers.
    ///
    /// The engine can fail part way only through a PCRE2 resource limit. The text is then
    /// replaced as a whole by a marker and counted under `engineFailureRuleID`, never returned raw.
    public func redactText(_ text: String, file: String) -> String {
        var log = RedactionLog(file: file)
        defer { commit(log) }
        do {
            let redacted = try redactText(text, log: &log)
            return Self.isXML(file: file, text: text) ? Self.escapingMarkers(inXML: redacted) : redacted
        } catch {
            log.report.add(rule: Self.engineFailureRuleID, file: file)
            return "<redacted:unscannable-text>"
        }
    }

    /// `patternRules`, when given, are the only pattern rules run, without their prefilters.
    /// `extraSpans` are spans found outside the text, such as its W3C columns.
    func redactText(
        _ text: String, log: inout RedactionLog, keyValues: Bool = true, patternRules: [CompiledRule]? = nil,
        extraSpans: [Span] = []
    ) throws -> String {
        guard !text.isEmpty else { return text }
        var text = text
        let redacted = try text.withUTF8 { buffer in
            try redactBytes(buffer, log: &log, keyValues: keyValues, patternRules: patternRules, extraSpans: extraSpans)
        }
        return redacted.map { String(decoding: $0, as: UTF8.self) } ?? text
    }

    /// Redacts `buffer` as `redactText` does, and returns nil when nothing in it was replaced.
    func redactBytes(
        _ buffer: UnsafeBufferPointer<UInt8>, log: inout RedactionLog, keyValues: Bool = true,
        patternRules: [CompiledRule]? = nil, extraSpans: [Span] = []
    ) throws -> [UInt8]? {
        var spans = extraSpans
        if keyValues {
            spans += try KeyValueScanner.scan(buffer) { self.compiled.rule(forKey: $0) }
            // A screened line gets its W3C column spans from its block (`redactScreened`).
            if patternRules == nil, log.w3cFields != nil || W3CFields.hasDirective(in: buffer) {
                spans += w3cFieldSpans(in: buffer, log: &log)
            }
            // NOTE: the screened lines of a streamed block come here one at a time (`patternRules`
            // set), so a `kubectl get` table is read by column in a file redacted whole only.
            if patternRules == nil { spans += kubectlNodeSpans(in: buffer) }
            for span in spans where log.learnsAcrossLines {
                learn(String(decoding: UnsafeBufferPointer(rebasing: buffer[span.range]), as: UTF8.self),
                    rule: span.rule, log: &log)
            }
        }
        if !log.learnsAcrossLines {
            spans += lineLearnedSpans(spans, in: buffer)
        }
        let accept: (CompiledRule, String) -> Bool = { _, value in !self.isKnownPseudonym(value) }
        if let patternRules {
            spans += try scanner.scan(buffer, rules: patternRules, accept: accept)
        } else {
            spans += try scanner.scan(buffer, accept: accept)
        }
        spans += log.learnedSpans(in: buffer)
        let markers = Self.markerRanges(in: buffer)
        if !markers.isEmpty {
            spans.removeAll { Self.overlapsAny(markers, $0.range) }
        }
        let remembered = rememberedRanges(in: buffer)
        if !remembered.isEmpty {
            spans.removeAll { Self.isInsideAny(remembered, $0.range) }
        }
        guard !spans.isEmpty else { return nil }
        return try apply(spans, to: buffer, log: &log)
    }

    static let markerPattern = try! PCRE2Regex(#"(?:<|&lt;)redacted:[a-z0-9-]+(?::[0-9a-f]{8})?(?:>|&gt;)"#)

    /// Returns the `<redacted:…>` markers in `buffer`, also as XML writes them
    /// (`&lt;redacted:…&gt;`). Earlier redaction wrote them, and no rule may take them apart,
    /// because their `kind:` would otherwise read as a key.
    static func markerRanges(in buffer: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        guard buffer.contains(UInt8(ascii: "<")) || buffer.contains(UInt8(ascii: "&")) else { return [] }
        return markerPattern.withSession(largeJITStack: buffer.count > PCRE2Regex.smallSubjectLimit) { session in
            var ranges: [Range<Int>] = []
            var offset = 0
            while offset < buffer.count, let match = try? markerPattern.firstMatch(in: buffer, from: offset, session: session) {
                ranges.append(match.range)
                offset = match.range.upperBound
            }
            return ranges
        }
    }

    /// Returns whether `range` overlaps one of `sorted` (ascending, disjoint ranges), by binary search.
    static func overlapsAny(_ sorted: [Range<Int>], _ range: Range<Int>) -> Bool {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle].upperBound <= range.lowerBound { low = middle + 1 } else { high = middle }
        }
        return low < sorted.count && sorted[low].lowerBound < range.upperBound
    }

    /// Replaces each group of overlapping spans once. The group's leader is a key-value span if
    /// there is one, because a key names the value's meaning best. Otherwise it is the
    /// highest-priority pattern rule, else a learned identifier. The replaced text is the union of
    /// the group's ranges, so nothing of any span survives.
    private func apply(_ spans: [Span], to buffer: UnsafeBufferPointer<UInt8>, log: inout RedactionLog) throws -> [UInt8] {
        let sorted = spans.sorted { $0.range.lowerBound != $1.range.lowerBound ? $0.range.lowerBound < $1.range.lowerBound : $0.range.upperBound > $1.range.upperBound }
        var output: [UInt8] = []
        output.reserveCapacity(buffer.count + buffer.count / 8)
        var position = 0
        var index = 0
        while index < sorted.count {
            var group = [sorted[index]]
            var range = sorted[index].range
            index += 1
            while index < sorted.count, sorted[index].range.lowerBound < range.upperBound {
                group.append(sorted[index])
                range = range.lowerBound..<max(range.upperBound, sorted[index].range.upperBound)
                index += 1
            }
            let leaderIndex = group.firstIndex(where: \.isKeyValue)
                ?? group.indices.filter { !group[$0].isLearned }.min { group[$0].rule.index < group[$1].rule.index }
                ?? 0
            let leader = group[leaderIndex]

            output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[position..<range.lowerBound]))
            let original = String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self)
            var context: KeyValueContext?
            if case .keyValue(let keyContext) = leader.origin { context = keyContext }
            let additions = log.report.additions
            if let replacement = try replacement(for: original, rule: leader.rule, context: context, log: &log) {
                let quoted = context?.quotesReplacement == true
                if quoted { output.append(UInt8(ascii: "\"")) }
                output.append(contentsOf: Array(replacement.utf8))
                if quoted { output.append(UInt8(ascii: "\"")) }
                log.report.add(rule: leader.rule.id, file: log.file, unlessCountedSince: additions)
            } else if group.count > 1,
                leader.rule.allows(String(decoding: UnsafeBufferPointer(rebasing: buffer[leader.range]), as: UTF8.self))
            {
                // The leader's allow list keeps its text, and the other rules' spans inside still
                // apply: an address inside a kept channel description. A leader kept for another
                // reason, such as being a known pseudonym, keeps the whole group.
                var rest = group
                rest.remove(at: leaderIndex)
                for offset in rest.indices {
                    rest[offset].range = (rest[offset].range.lowerBound - range.lowerBound)..<(rest[offset].range.upperBound - range.lowerBound)
                }
                output.append(contentsOf: try apply(rest, to: UnsafeBufferPointer(rebasing: buffer[range]), log: &log))
            } else {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[range]))
            }
            position = range.upperBound
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[position...]))
        return output
    }

    // MARK: - Label sets

    /// Redacts a metric's label set: values of labels a `labels` or `keys` rule names are replaced
    /// whole, other values and the label names go through the pattern rules.
    public func redactLabels(_ labels: [String: String], file: String) -> [String: String] {
        var log = RedactionLog(file: file)
        defer { commit(log) }
        for (name, value) in labels {
            if let rule = compiled.rule(forKey: name) { learn(value, rule: rule, log: &log) }
        }
        var output: [String: String] = [:]
        for (name, value) in labels.sorted(by: { $0.key < $1.key }) {
            do {
                let newName = try redactText(name, log: &log, keyValues: false)
                if let rule = compiled.rule(forKey: name) {
                    output[newName] = try replacement(for: value, rule: rule, context: KeyValueContext(key: name), log: &log)
                        .map { replaced in
                            log.report.add(rule: rule.id, file: file)
                            return replaced
                        } ?? value
                } else {
                    output[newName] = try redactText(value, log: &log)
                }
            } catch {
                log.report.add(rule: Self.engineFailureRuleID, file: file)
                output["<redacted:unscannable-label>"] = "<redacted:unscannable-text>"
            }
        }
        return output
    }
}
