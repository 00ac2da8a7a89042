import DiagSupport
import Foundation

/// One enabled rule with its regexes compiled.
final class CompiledRule: @unchecked Sendable {
    let rule: RedactionRule
    /// The position in priority order: a lower index wins when two rules claim the same text.
    let index: Int
    let pattern: PCRE2Regex?
    /// The `value` group of `pattern`, or nil when the whole match is replaced.
    let valueGroup: Int?
    let keys: PCRE2Regex?
    let labels: PCRE2Regex?
    let childKeys: PCRE2Regex?
    let allow: [PCRE2Regex]
    /// `prefilter` in ASCII lower case.
    let prefilter: [[UInt8]]
    /// Whether `pattern` can be wrapped in a group followed by the validator callout. Patterns
    /// that refer to groups by number, use extended mode or start with a `(*VERB)` cannot, so
    /// their validator runs after each match instead.
    let canCarryCallout: Bool

    var id: String { rule.id }
    var kind: RuleKind { rule.kind }
    /// Whether matches must pass a callout before they count.
    var needsCheck: Bool { rule.validator != nil || !allow.isEmpty || rule.kind == .hostname }

    init(rule: RedactionRule, index: Int) throws {
        self.rule = rule
        self.index = index
        pattern = try rule.pattern.map { try PCRE2Regex($0) }
        valueGroup = pattern?.groupNumber(named: "value")
        keys = try rule.keys.map { try PCRE2Regex($0, options: .caseless) }
        labels = try rule.labels.map { try PCRE2Regex($0, options: .caseless) }
        childKeys = try rule.childKeys.map { try PCRE2Regex($0, options: .caseless) }
        allow = try rule.allow.map { try PCRE2Regex($0) }
        prefilter = rule.prefilter.map { Array($0.lowercased().utf8) }

        let text = rule.pattern ?? ""
        let numbered = try PCRE2Regex(#"\\[1-9]|\\g|\\k|\(\?[0-9+-]|\(\?\(|\(\?P[=>]|\(\?&|\(\?R|\(\*|\(\?[a-z]*x"#)
        canCarryCallout = !numbered.matches(text)
    }

    private let allowCache = BoundedCache<String, Bool>(limit: CompiledRuleset.cacheLimit)

    /// Returns whether one of the rule's `allow` regexes matches `value`. Results are cached,
    /// because the same hosts and values recur throughout a collection.
    func allows(_ value: String) -> Bool {
        guard !allow.isEmpty else { return false }
        // A match error keeps nothing: the value is redacted.
        return allowCache.value(for: value) { allow.contains { (try? $0.isMatch(value)) ?? false } }
    }

    func matchesKey(_ name: String) -> Bool {
        (keys?.matches(name) ?? false) || (labels?.matches(name) ?? false)
    }
}

/// The enabled rules of a ruleset, compiled once and shared by every redaction call.
final class CompiledRuleset: @unchecked Sendable {
    let rules: [CompiledRule]
    let patternRules: [CompiledRule]
    let keyRules: [CompiledRule]
    let childKeyRules: [CompiledRule]
    /// Rules whose `allow` lists decide which hosts are kept wherever a host appears.
    let hostPolicyRules: [CompiledRule]
    private var screenStorage: LineScreen??

    /// The Hyperscan screen that streaming uses to skip lines no rule can change, or nil when
    /// Hyperscan cannot run here. Built on first use, because compiling takes about a tenth of a
    /// second and most redactors never stream.
    var screen: LineScreen? {
        lock.lock()
        defer { lock.unlock() }
        if let built = screenStorage { return built }
        let built = LineScreen(ruleset: self)
        screenStorage = .some(built)
        return built
    }

    private let lock = NSLock()
    /// Rule indexes by key name, -1 for a key no rule names.
    private let keyCache = BoundedCache<String, Int>(limit: CompiledRuleset.cacheLimit)
    private let identifierKeyCache = BoundedCache<String, Bool>(limit: CompiledRuleset.cacheLimit)
    /// `keepsHost` results, because one host is checked against every host rule's allow list.
    private let hostCache = BoundedCache<String, Bool>(limit: CompiledRuleset.cacheLimit)
    /// The maximum number of entries in each lookup cache; a full cache is emptied.
    static let cacheLimit = 8192

    init(_ ruleset: Ruleset) throws {
        var enabled = ruleset.enabledRules
        if !ruleset.keywords.isEmpty {
            enabled.append(Self.keywordRule(ruleset.keywords))
        }
        rules = try enabled.enumerated().map { try CompiledRule(rule: $1, index: $0) }
        patternRules = rules.filter { $0.pattern != nil }
        keyRules = rules.filter { $0.keys != nil || $0.labels != nil }
        childKeyRules = rules.filter { $0.childKeys != nil }
        hostPolicyRules = rules.filter { [.ipv4, .ipv6, .hostname].contains($0.kind) && !$0.allow.isEmpty }
    }

    /// Returns whether a `keys` or `labels` rule of a kind other than a secret reads `name` as a
    /// key name (`tenant_id`, `Tenant`, `login`, `acct`). Secret rules are left out, because their
    /// key regexes match any name that contains a word such as `secret` or `token`, as real
    /// passwords often do.
    func isIdentifierKeyName(_ name: String) -> Bool {
        identifierKeyCache.value(for: name) {
            let snake = Self.snakeCase(name)
            return keyRules.contains { !$0.kind.isSecret && ($0.matchesKey(name) || (snake.map($0.matchesKey) ?? false)) }
        }
    }

    /// Returns the first rule whose `keys` or `labels` regex matches the key name `name`, or its
    /// snake-case form for a camel-case name (`basicAuthUser` as `basic_auth_user`).
    func rule(forKey name: String) -> CompiledRule? {
        let index = keyCache.value(for: name) {
            let snake = Self.snakeCase(name)
            return keyRules.first { $0.matchesKey(name) || (snake.map($0.matchesKey) ?? false) }?.index ?? -1
        }
        return index < 0 ? nil : rules[index]
    }

    /// Returns `name` with an underscore before each upper-case ASCII letter that follows a
    /// lower-case letter or digit, in lower case, or nil when `name` has no such letter.
    static func snakeCase(_ name: String) -> String? {
        var output: [UInt8] = []
        var previous: UInt8 = 0
        var changed = false
        for byte in name.utf8 {
            let isUpper = byte >= 0x41 && byte <= 0x5A
            let afterLowerOrDigit = (previous >= 0x61 && previous <= 0x7A) || (previous >= 0x30 && previous <= 0x39)
            if isUpper, afterLowerOrDigit {
                output.append(UInt8(ascii: "_"))
                changed = true
            }
            output.append(isUpper ? byte | 0x20 : byte)
            previous = byte
        }
        return changed ? String(decoding: output, as: UTF8.self) : nil
    }

    /// Returns the first rule whose `child-keys` regex matches `name`, the key of a mapping whose
    /// own keys are identifiers.
    func rule(forParentKey name: String) -> CompiledRule? {
        childKeyRules.first { $0.childKeys?.matches(name) ?? false }
    }

    /// Returns whether an `allow` entry of an IPv4, IPv6 or hostname rule keeps a host (a name or
    /// address without port), such as `localhost` or a loopback address.
    func keepsHost(_ host: String) -> Bool {
        guard !hostPolicyRules.isEmpty else { return false }
        return hostCache.value(for: host) { hostPolicyRules.contains { $0.allows(host) } }
    }

    /// Returns the rule that `keywords` become: each keyword literally, case-insensitively, as a
    /// whole word. Letters and digits on either side prevent a match, but `_` and `-` do not.
    static func keywordRule(_ keywords: [String]) -> RedactionRule {
        let alternatives = keywords.sorted { $0.utf8.count > $1.utf8.count }.map(escapeLiteral)
        let pattern = "(?i)(?<![A-Za-z0-9])(?:" + alternatives.joined(separator: "|") + ")(?![A-Za-z0-9])"
        return RedactionRule(
            id: Ruleset.keywordsRuleID, kind: .keyword, description: "Operator keywords, as whole words",
            pattern: pattern)
    }

    /// `text` with every ASCII character other than a letter or digit escaped.
    static func escapeLiteral(_ text: String) -> String {
        var output = ""
        for scalar in text.unicodeScalars {
            if scalar.isASCII, !(scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)) {
                output += "\\"
            }
            output.unicodeScalars.append(scalar)
        }
        return output
    }
}
