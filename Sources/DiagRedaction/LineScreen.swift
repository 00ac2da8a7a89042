import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Finds, in one Hyperscan pass over a block of lines, the lines that a rule could change and
/// the rules that could change each, so that streaming runs the PCRE2 rules only there.
///
/// Each pattern rule is screened by its `screen` regexes or, without them, by its own pattern in
/// Hyperscan's prefilter mode, which may report more matches than the pattern has but never
/// fewer. Each `keys` and `labels` regex is screened by the key followed by an operator of
/// `KeyValueScanner`, also in prefilter mode. Every screen runs with `^` and `$` matching at line
/// breaks, so a line contains at least one screen match wherever a rule matches it on its own.
final class LineScreen: @unchecked Sendable {
    /// One line that a screen matched; `range` includes the line's newline.
    struct Line {
        var range: Range<Int>
        /// The indexes, in the compiled ruleset, of the pattern rules whose screen matched.
        var patternRules: [Int]
        /// Whether a key or label screen matched, so the line needs the key-value scan.
        var needsKeyScan: Bool
    }

    private enum Target {
        case pattern(Int)
        case key
    }

    private let database: HyperscanDatabase
    private let targets: [Target]
    /// Indexes of the rules whose pattern can span lines, such as PEM blocks.
    let multiLineRules: Set<Int>

    /// Builds the screen for `ruleset`; returns nil when the processor cannot run Hyperscan or
    /// Hyperscan cannot compile a rule's pattern even in prefilter mode. `RulesetParser` has
    /// checked every `screen` regex already.
    init?(ruleset: CompiledRuleset) {
        guard HyperscanDatabase.isSupported else { return nil }
        var expressions: [HyperscanDatabase.Expression] = []
        var targets: [Target] = []
        var multiLine: Set<Int> = []

        for rule in ruleset.patternRules {
            guard let pattern = rule.rule.pattern else { continue }
            if Self.spansLines(pattern) { multiLine.insert(rule.index) }
            if rule.rule.screens.isEmpty {
                expressions.append(.init(pattern: Self.lineAnchored(pattern), id: UInt32(targets.count), prefilter: true))
                targets.append(.pattern(rule.index))
            }
            for screen in rule.rule.screens {
                expressions.append(.init(pattern: Self.lineAnchored(screen), id: UInt32(targets.count), prefilter: false))
                targets.append(.pattern(rule.index))
            }
        }
        for rule in ruleset.keyRules {
            for names in [rule.rule.keys, rule.rule.labels].compactMap({ $0 }) {
                expressions.append(.init(pattern: Self.keyScreen(names), id: UInt32(targets.count), prefilter: true, caseless: true))
                targets.append(.key)
            }
        }
        guard !expressions.isEmpty else { return nil }
        do {
            database = try HyperscanDatabase(expressions)
        } catch {
            return nil
        }
        self.targets = targets
        multiLineRules = multiLine
    }

    /// Returns the lines of `buffer` that a screen matched, in order, each with its rules.
    func lines(in buffer: UnsafeBufferPointer<UInt8>) throws -> [Line] {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return [] }
        var lines: [Line] = []
        // The line being filled, kept in plain variables so that each of the many matches on one
        // line updates it in place.
        var range = 0..<0
        var rules: [Int] = []
        var needsKeyScan = false
        try database.scan(buffer) { id, end in
            let last = max(end - 1, 0)
            if !range.contains(last) {
                if !range.isEmpty { lines.append(Line(range: range, patternRules: rules, needsKeyScan: needsKeyScan)) }
                var start = last
                while start > 0, base[start - 1] != 0x0A { start -= 1 }
                var stop = buffer.count
                if let newline = memchr(base + last, 0x0A, buffer.count - last) {
                    stop = base.distance(to: newline.assumingMemoryBound(to: UInt8.self)) + 1
                }
                range = start..<stop
                rules.removeAll(keepingCapacity: true)
                needsKeyScan = false
            }
            switch targets[Int(id)] {
            case .pattern(let index):
                if !rules.contains(index) { rules.append(index) }
            case .key:
                needsKeyScan = true
            }
        }
        if !range.isEmpty { lines.append(Line(range: range, patternRules: rules, needsKeyScan: needsKeyScan)) }
        return lines
    }

    /// Returns `pattern` with `\A`, `\z` and `\Z` written as `^` and `$`, which match at line
    /// breaks in the screen, because a line redacted on its own starts and ends its subject.
    static func lineAnchored(_ pattern: String) -> String {
        pattern.replacingOccurrences(of: #"\A"#, with: "^")
            .replacingOccurrences(of: #"\z"#, with: "$")
            .replacingOccurrences(of: #"\Z"#, with: "$")
    }

    /// Returns the screen for a `keys` or `labels` regex: the names it matches, unanchored,
    /// followed by an optional quote, blanks and one of the operators that `KeyValueScanner` recognizes.
    static func keyScreen(_ names: String) -> String {
        var inner = Substring(names)
        if inner.hasPrefix("^") { inner = inner.dropFirst() }
        if inner.hasSuffix("$"), !inner.hasSuffix(#"\$"#) { inner = inner.dropLast() }
        return #"(?:"# + inner + #")\\?["']?[ \t]*(?:=|:|%3[Dd]|%21)"#
    }

    /// Returns whether `pattern` can match across a line break: it names a newline or lets a
    /// class or dot cover one on purpose.
    static func spansLines(_ pattern: String) -> Bool {
        [#"[\s\S]"#, #"[\S\s]"#, #"[\d\D]"#, #"[\w\W]"#, "(?s", #"\n"#, #"\R"#].contains { pattern.contains($0) }
    }
}
