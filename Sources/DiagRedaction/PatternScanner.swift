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

/// Runs the pattern rules over a text, each rule on its own, and returns every match of each.
///
/// Each rule's regex ends in a callout, `(P)(?C{index})`, that applies the rule's validator and
/// `allow` list inside the match. A rejected candidate backtracks, so a shorter match of the same
/// rule can still be found, because auto-possessification is off. Matches of different rules may
/// overlap, and `Redactor.apply` settles them: the union of the overlapping ranges is replaced
/// under the highest-priority rule. So whether a rule's match starts before or after another
/// rule's match does not change which rule wins, on any path through the engine.
final class PatternScanner: @unchecked Sendable {
    /// A rule's pattern wrapped as `(P)(?C{index})`: group 1 is the whole match, and the rule's
    /// own groups follow it.
    private struct CalloutPattern {
        let regex: PCRE2Regex
        let rule: CompiledRule
    }

    private let ruleset: CompiledRuleset
    private let lock = NSLock()
    /// The wrapped patterns compiled so far, by rule index.
    private var cache: [Int: CalloutPattern] = [:]

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
    func scan(
        _ buffer: UnsafeBufferPointer<UInt8>, rules active: [CompiledRule], accept: (CompiledRule, String) -> Bool
    ) throws -> [Span] {
        guard !buffer.isEmpty, !active.isEmpty else { return [] }

        var spans: [Span] = []
        for rule in active {
            if rule.canCarryCallout {
                spans += try scanWithCallout(try calloutPattern(for: rule), buffer, accept: accept)
            } else {
                spans += try scanAlone(rule, buffer, accept: accept)
            }
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

    private func scanWithCallout(
        _ wrapped: CalloutPattern, _ buffer: UnsafeBufferPointer<UInt8>, accept: (CompiledRule, String) -> Bool
    ) throws -> [Span] {
        let rule = wrapped.rule
        let valueGroup = rule.valueGroup.map { 1 + $0 } ?? 1
        return try withoutActuallyEscaping(accept) { accept in
            let callout: PCRE2MatchSession.Callout = { context in
                guard let range = context.range(ofGroup: valueGroup) ?? context.range(ofGroup: 1) else { return false }
                return self.check(rule, range, in: buffer, accept: accept)
            }
            return try wrapped.regex.withSession(largeJITStack: buffer.count > PCRE2Regex.smallSubjectLimit, callout: callout) { session in
                var spans: [Span] = []
                var offset = 0
                while offset < buffer.count, let match = try wrapped.regex.firstMatch(in: buffer, from: offset, session: session) {
                    if let whole = match.range(ofGroup: 1) {
                        let value = match.range(ofGroup: valueGroup) ?? whole
                        if !value.isEmpty { spans.append(Span(range: value, rule: rule, origin: .pattern)) }
                    }
                    offset = match.range.isEmpty
                        ? PCRE2Regex.nextCharacter(after: match.range.upperBound, in: buffer) : match.range.upperBound
                }
                return spans
            }
        }
    }

    /// Scans one rule that cannot carry a callout; its validator runs after each match, and
    /// a rejected match resumes the scan one character later.
    private func scanAlone(
        _ rule: CompiledRule, _ buffer: UnsafeBufferPointer<UInt8>, accept: (CompiledRule, String) -> Bool
    ) throws -> [Span] {
        guard let regex = rule.pattern else { return [] }
        return try regex.withSession(largeJITStack: buffer.count > PCRE2Regex.smallSubjectLimit) { session in
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

    private func calloutPattern(for rule: CompiledRule) throws -> CalloutPattern {
        lock.lock()
        if let cached = cache[rule.index] {
            lock.unlock()
            return cached
        }
        lock.unlock()

        let regex = try PCRE2Regex("(" + rule.rule.pattern! + ")(?C{\(rule.index)})", options: [.duplicateNames, .noAutoPossess])
        let wrapped = CalloutPattern(regex: regex, rule: rule)
        lock.lock()
        cache[rule.index] = wrapped
        lock.unlock()
        return wrapped
    }
}
