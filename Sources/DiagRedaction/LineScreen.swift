import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Finds, in one Hyperscan pass over a block of lines, the lines that a rule could change and
/// the rules that could change each, so that streaming runs the PCRE2 rules only there.
///
/// Each pattern rule is screened by its `screen` regex or, without one, by its own pattern in
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
            let expression: HyperscanDatabase.Expression = rule.rule.screen.map {
                .init(pattern: Self.lineAnchored($0), id: UInt32(targets.count), prefilter: false)
            } ?? .init(pattern: Self.lineAnchored(pattern), id: UInt32(targets.count), prefilter: true)
            expressions.append(expression)
            targets.append(.pattern(rule.index))
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
        var current: Line?
        try database.scan(buffer) { id, end in
            let last = max(end - 1, 0)
            if let line = current, line.range.contains(last) {
                current = Self.adding(targets[Int(id)], to: line)
                return
            }
            if let line = current { lines.append(line) }
            var start = last
            while start > 0, base[start - 1] != 0x0A { start -= 1 }
            var stop = buffer.count
            if let newline = memchr(base + last, 0x0A, buffer.count - last) {
                stop = base.distance(to: newline.assumingMemoryBound(to: UInt8.self)) + 1
            }
            current = Self.adding(targets[Int(id)], to: Line(range: start..<stop, patternRules: [], needsKeyScan: false))
        }
        if let line = current { lines.append(line) }
        return lines
    }

    private static func adding(_ target: Target, to line: Line) -> Line {
        var line = line
        switch target {
        case .pattern(let index):
            if !line.patternRules.contains(index) { line.patternRules.append(index) }
        case .key:
            line.needsKeyScan = true
        }
        return line
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
