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
///
/// The screens are split into up to three databases, each scanned on its own (see `Group`).
/// On the benchmark corpus the three scans take about 30% less time than one scan of a
/// database holding every screen (`bench/screen` prints both).
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

    /// The database a screen goes to.
    enum Group: Int, CaseIterable {
        /// Key screens and the screens of rules with a prefilter literal of two or more bytes:
        /// Hyperscan finds their literals first and checks the rest only around them.
        case anchored
        /// Screens without such a literal, such as address and number shapes.
        case shapes
        /// Screens that repeat a class with a range of letters eight or more times, such as
        /// random tokens: parts of ordinary words match them, so many automaton states stay active.
        case wide
    }

    private let databases: [HyperscanDatabase]
    private let targets: [Target]
    /// Indexes of the rules whose pattern can span lines, such as PEM blocks.
    let multiLineRules: Set<Int>

    /// Builds the screen for `ruleset`; returns nil when the processor cannot run Hyperscan or
    /// Hyperscan cannot compile a rule's pattern even in prefilter mode. `RulesetParser` has
    /// checked every `screen` regex already.
    init?(ruleset: CompiledRuleset) {
        guard HyperscanDatabase.isSupported else { return nil }
        var groups: [Group: [HyperscanDatabase.Expression]] = [:]
        var targets: [Target] = []
        var multiLine: Set<Int> = []

        for rule in ruleset.patternRules {
            guard let pattern = rule.rule.pattern else { continue }
            if Self.spansLines(pattern) { multiLine.insert(rule.index) }
            for (group, expression) in Self.screenExpressions(rule, firstID: UInt32(targets.count)) {
                groups[group, default: []].append(expression)
                targets.append(.pattern(rule.index))
            }
        }
        for rule in ruleset.keyRules {
            for names in [rule.rule.keys, rule.rule.labels].compactMap({ $0 }) {
                groups[.anchored, default: []].append(
                    .init(pattern: Self.keyScreen(names), id: UInt32(targets.count), prefilter: true, caseless: true))
                targets.append(.key)
            }
        }
        guard !groups.isEmpty else { return nil }
        do {
            databases = try Group.allCases.compactMap { group in try groups[group].map { try HyperscanDatabase($0) } }
        } catch {
            return nil
        }
        self.targets = targets
        multiLineRules = multiLine
    }

    /// Returns the Hyperscan expressions that screen the lines `rule`'s pattern can match, with
    /// their groups, numbered from `firstID`: the rule's `screen` regexes, or else its own
    /// pattern in prefilter mode.
    private static func screenExpressions(_ rule: CompiledRule, firstID: UInt32) -> [(Group, HyperscanDatabase.Expression)] {
        guard let pattern = rule.rule.pattern else { return [] }
        let anchored = rule.prefilter.contains { $0.count >= 2 }
        let screens = rule.rule.screens.isEmpty ? [pattern] : rule.rule.screens
        return screens.enumerated().map { offset, screen in
            let group: Group = anchored ? .anchored : isWide(screen) ? .wide : .shapes
            return (
                group,
                HyperscanDatabase.Expression(
                    pattern: lineAnchored(screen), id: firstID + UInt32(offset), prefilter: rule.rule.screens.isEmpty)
            )
        }
    }

    /// Returns why `ruleset` has no line screen, one message per rule whose pattern Hyperscan
    /// cannot compile. Returns nil when the screen builds or Hyperscan cannot run on this
    /// processor. Without a screen, streaming runs every rule on every line, several times slower.
    static func problems(for ruleset: CompiledRuleset) -> [String]? {
        guard HyperscanDatabase.isSupported, LineScreen(ruleset: ruleset) == nil, !ruleset.patternRules.isEmpty else {
            return nil
        }
        var problems: [String] = []
        for rule in ruleset.patternRules {
            let expressions = screenExpressions(rule, firstID: 0).map(\.1)
            guard !expressions.isEmpty else { continue }
            do {
                _ = try HyperscanDatabase(expressions, cache: nil)
            } catch {
                let source = rule.rule.screens.isEmpty ? "pattern" : "screen"
                problems.append(
                    "rule '\(rule.rule.id)': its \(source) cannot screen lines: \(error); give the rule a simpler `screen` regex, such as its literal words and the shape of the value")
            }
        }
        if problems.isEmpty {
            problems.append(
                "the screens of all rules together are more than Hyperscan can compile; give the rules with the longest patterns a simpler `screen` regex")
        }
        return problems
    }

    /// Returns the lines of `buffer` that a screen matched, in order, each with its rules in
    /// ascending order.
    func lines(in buffer: UnsafeBufferPointer<UInt8>) throws -> [Line] {
        var merged: [Line] = []
        for database in databases {
            let found = try lines(in: buffer, database: database)
            merged = merged.isEmpty ? found : Self.merge(merged, found)
        }
        for index in merged.indices where merged[index].patternRules.count > 1 {
            merged[index].patternRules.sort()
        }
        return merged
    }

    /// Returns the union of two lists of lines sorted by start; a line in both gets the rules
    /// of both. Lines of one buffer either share their range or do not overlap.
    static func merge(_ first: [Line], _ second: [Line]) -> [Line] {
        var merged: [Line] = []
        merged.reserveCapacity(first.count + second.count)
        var left = 0
        var right = 0
        while left < first.count || right < second.count {
            if right == second.count || (left < first.count && first[left].range.lowerBound < second[right].range.lowerBound) {
                merged.append(first[left])
                left += 1
            } else if left == first.count || second[right].range.lowerBound < first[left].range.lowerBound {
                merged.append(second[right])
                right += 1
            } else {
                var line = first[left]
                for rule in second[right].patternRules where !line.patternRules.contains(rule) { line.patternRules.append(rule) }
                line.needsKeyScan = line.needsKeyScan || second[right].needsKeyScan
                merged.append(line)
                left += 1
                right += 1
            }
        }
        return merged
    }

    /// Returns the lines of `buffer` that a screen of `database` matched, in order.
    private func lines(in buffer: UnsafeBufferPointer<UInt8>, database: HyperscanDatabase) throws -> [Line] {
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
    /// followed by an optional quote, blanks and one of the operators that `KeyValueScanner` recognizes,
    /// or the `>` that closes an XML tag named by the key (`<password>`, `<Data Name="user">`).
    static func keyScreen(_ names: String) -> String {
        var inner = Substring(names)
        if inner.hasPrefix("^") { inner = inner.dropFirst() }
        if inner.hasSuffix("$"), !inner.hasSuffix(#"\$"#) { inner = inner.dropLast() }
        return #"(?:"# + inner + #")\\?["']?[ \t]*(?:=|:|%3[Dd]|%21|>)"#
    }

    /// Returns whether `pattern` repeats a character class with a range of letters eight or more
    /// times, as in `[A-Za-z0-9_+-]{16}` or `[a-f0-9]{32}`.
    static func isWide(_ pattern: String) -> Bool {
        let classRepeat = #"\[[^\]]*[A-Za-z]-[A-Za-z][^\]]*\]\{([0-9]+)"#
        var searched = pattern[...]
        while let found = searched.range(of: classRepeat, options: .regularExpression) {
            let text = searched[found]
            let count = text[text.index(after: text.lastIndex(of: "{")!)...]
            if let minimum = Int(count), minimum >= 8 { return true }
            searched = searched[found.upperBound...]
        }
        return false
    }

    /// Returns whether `pattern` can match across a line break: it names a newline or lets a
    /// class or dot cover one on purpose.
    static func spansLines(_ pattern: String) -> Bool {
        [#"[\s\S]"#, #"[\S\s]"#, #"[\d\D]"#, #"[\w\W]"#, "(?s", #"\n"#, #"\R"#].contains { pattern.contains($0) }
    }
}
