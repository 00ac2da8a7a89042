import DiagSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A stretch of text that a rule claims, in byte offsets.
struct Span {
    enum Origin {
        /// A `pattern` match.
        case pattern
        /// The value of a key or label matched by `keys` or `labels`.
        case keyValue(KeyValueContext)
        /// Another occurrence, in the same document, of an identifier first found by key.
        case learned
    }

    var isKeyValue: Bool {
        if case .keyValue = origin { return true }
        return false
    }

    var isLearned: Bool {
        if case .learned = origin { return true }
        return false
    }

    var range: Range<Int>
    var rule: CompiledRule
    var origin: Origin
}

/// Runs all pattern rules over a text in as few scans as possible.
///
/// The rules whose prefilter passes are joined into one alternation, `(P0)(?C{0})|(P1)(?C{1})|…`,
/// in priority order, so each position is tried against every rule in one pass and the first
/// rule that matches there wins. Each alternative ends in a callout that applies the rule's
/// validator and `allow` list inside the match. A rejected candidate backtracks, so a later rule
/// can still match at that position, and so can a shorter match of the same rule, because
/// auto-possessification is off. One compiled
/// alternation is cached per set of rules that passed their prefilters.
final class PatternScanner: @unchecked Sendable {
    private struct Combined {
        let regex: PCRE2Regex
        /// The wrapper group number of each rule, by rule index.
        let wrapperGroups: [Int: Int]
        let rules: [CompiledRule]
    }

    private let ruleset: CompiledRuleset
    private let lock = NSLock()
    private var cache: [[UInt64]: Combined] = [:]
    private static let cacheLimit = 64

    init(ruleset: CompiledRuleset) {
        self.ruleset = ruleset
    }

    /// Returns the spans of every pattern rule in `buffer`. `accept` decides whether a candidate
    /// value that passed validation and the allow lists may be replaced, so that known pseudonyms
    /// are not replaced again.
    func scan(_ buffer: UnsafeBufferPointer<UInt8>, accept: (CompiledRule, String) -> Bool) throws -> [Span] {
        guard !buffer.isEmpty else { return [] }
        return try scan(buffer, rules: activeRules(in: buffer), accept: accept)
    }

    /// Returns the spans of the pattern rules `active` in `buffer`, without their prefilters.
    /// With `separately`, each rule is scanned on its own and `Redactor.apply` settles overlaps
    /// by priority, so the cache keeps one regex per rule instead of one per set of rules.
    func scan(
        _ buffer: UnsafeBufferPointer<UInt8>, rules active: [CompiledRule], separately: Bool = false,
        accept: (CompiledRule, String) -> Bool
    ) throws -> [Span] {
        guard !buffer.isEmpty, !active.isEmpty else { return [] }

        var spans: [Span] = []
        let combinable = active.filter(\.isCombinable)
        if separately {
            for rule in combinable { spans += try scanCombined([rule], buffer, accept: accept) }
        } else if !combinable.isEmpty {
            spans += try scanCombined(combinable, buffer, accept: accept)
        }
        for rule in active where !rule.isCombinable {
            spans += try scanAlone(rule, buffer, accept: accept)
        }
        return spans
    }

    /// Returns whether `rule` replaces the candidate at `range`: it is not empty, passes the
    /// validator and matches no allow list.
    func check(_ rule: CompiledRule, _ range: Range<Int>, in buffer: UnsafeBufferPointer<UInt8>,
        accept: (CompiledRule, String) -> Bool) -> Bool
    {
        guard !range.isEmpty else { return false }
        let value = String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self)
        if let validator = rule.rule.validator, !validator.accepts(Substring(value)) { return false }
        if rule.allows(value) { return false }
        if rule.kind == .hostname || rule.kind == .ipv4 || rule.kind == .ipv6 {
            let host = value.hasPrefix("[") && value.hasSuffix("]") ? String(value.dropFirst().dropLast()) : value
            if ruleset.keepsHost(host) { return false }
        }
        return accept(rule, value)
    }

    /// PCRE2's error code for a compiled pattern over its size limit (64 KiB with 2-byte links).
    static let patternTooLarge: Int32 = 120

    /// Scans `rules` as one alternation, or as two halves when the alternation is over PCRE2's
    /// size limit. `Redactor.apply` then merges the overlapping spans of the halves.
    private func scanCombined(
        _ rules: [CompiledRule], _ buffer: UnsafeBufferPointer<UInt8>, accept: (CompiledRule, String) -> Bool
    ) throws -> [Span] {
        do {
            let combined = try combinedPattern(for: rules)
            return try scanCombined(combined, buffer, accept: accept)
        } catch let error as PCRE2Error where error.code == Self.patternTooLarge && rules.count > 1 {
            let half = rules.count / 2
            return try scanCombined(Array(rules[..<half]), buffer, accept: accept)
                + scanCombined(Array(rules[half...]), buffer, accept: accept)
        }
    }

    private func scanCombined(
        _ combined: Combined, _ buffer: UnsafeBufferPointer<UInt8>, accept: (CompiledRule, String) -> Bool
    ) throws -> [Span] {
        let rulesByIndex = Dictionary(uniqueKeysWithValues: combined.rules.map { ($0.index, $0) })
        return try withoutActuallyEscaping(accept) { accept in
            let session = PCRE2MatchSession(for: combined.regex, largeJITStack: buffer.count > PCRE2Regex.smallSubjectLimit) { context in
                guard let text = context.calloutString, let index = Int(text), let rule = rulesByIndex[index],
                    let wrapper = combined.wrapperGroups[index]
                else { return true }
                let group = rule.valueGroup.map { wrapper + $0 } ?? wrapper
                guard let range = context.range(ofGroup: group) ?? context.range(ofGroup: wrapper) else { return false }
                return self.check(rule, range, in: buffer, accept: accept)
            }
            return try collect(combined, buffer, session: session)
        }
    }

    private func collect(
        _ combined: Combined, _ buffer: UnsafeBufferPointer<UInt8>, session: PCRE2MatchSession
    ) throws -> [Span] {

        var spans: [Span] = []
        var offset = 0
        while offset < buffer.count, let match = try combined.regex.firstMatch(in: buffer, from: offset, session: session) {
            for rule in combined.rules {
                let wrapper = combined.wrapperGroups[rule.index]!
                guard let whole = match.range(ofGroup: wrapper) else { continue }
                let value = rule.valueGroup.flatMap { match.range(ofGroup: wrapper + $0) } ?? whole
                if !value.isEmpty { spans.append(Span(range: value, rule: rule, origin: .pattern)) }
                break
            }
            offset = match.range.isEmpty
                ? PCRE2Regex.nextCharacter(after: match.range.upperBound, in: buffer) : match.range.upperBound
        }
        return spans
    }

    /// Scans one rule that cannot join the alternation; its validator runs after each match, and
    /// a rejected match resumes the scan one character later.
    private func scanAlone(
        _ rule: CompiledRule, _ buffer: UnsafeBufferPointer<UInt8>, accept: (CompiledRule, String) -> Bool
    ) throws -> [Span] {
        guard let regex = rule.pattern else { return [] }
        let session = PCRE2MatchSession(for: regex, largeJITStack: buffer.count > PCRE2Regex.smallSubjectLimit)
        var spans: [Span] = []
        var offset = 0
        while offset < buffer.count, let match = try regex.firstMatch(in: buffer, from: offset, session: session) {
            let value = rule.valueGroup.flatMap { match.range(ofGroup: $0) } ?? match.range
            if check(rule, value, in: buffer, accept: accept) {
                spans.append(Span(range: value, rule: rule, origin: .pattern))
                offset = match.range.isEmpty
                    ? PCRE2Regex.nextCharacter(after: match.range.upperBound, in: buffer) : match.range.upperBound
            } else {
                offset = PCRE2Regex.nextCharacter(after: match.range.lowerBound, in: buffer)
            }
        }
        return spans
    }

    /// Returns the pattern rules that have no prefilter or whose prefilter finds a literal in `buffer`.
    private func activeRules(in buffer: UnsafeBufferPointer<UInt8>) -> [CompiledRule] {
        var lowered: [UInt8]?
        return ruleset.patternRules.filter { rule in
            guard !rule.prefilter.isEmpty else { return true }
            if lowered == nil {
                lowered = buffer.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
            }
            return rule.prefilter.contains { literal in Self.contains(lowered!, literal) }
        }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        return haystack.withUnsafeBufferPointer { hay in
            let first = Int32(needle[0])
            var start = 0
            let lastStart = hay.count - needle.count
            while start <= lastStart {
                guard let found = memchr(hay.baseAddress! + start, first, lastStart - start + 1) else { return false }
                let position = hay.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if memcmp(hay.baseAddress! + position, needle, needle.count) == 0 { return true }
                start = position + 1
            }
            return false
        }
    }

    private func combinedPattern(for rules: [CompiledRule]) throws -> Combined {
        var key = [UInt64](repeating: 0, count: (ruleset.rules.count + 63) / 64)
        for rule in rules { key[rule.index / 64] |= 1 << UInt64(rule.index % 64) }
        lock.lock()
        if let cached = cache[key] {
            lock.unlock()
            return cached
        }
        lock.unlock()

        var parts: [String] = []
        var wrapperGroups: [Int: Int] = [:]
        var nextGroup = 1
        for rule in rules {
            wrapperGroups[rule.index] = nextGroup
            parts.append("(" + rule.rule.pattern! + ")(?C{\(rule.index)})")
            nextGroup += 1 + rule.pattern!.captureCount
        }
        let regex = try PCRE2Regex("(?:" + parts.joined(separator: "|") + ")", options: [.duplicateNames, .noAutoPossess])
        let combined = Combined(regex: regex, wrapperGroups: wrapperGroups, rules: rules)

        lock.lock()
        if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[key] = combined
        lock.unlock()
        return combined
    }
}
