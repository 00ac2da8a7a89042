import DiagSupport

/// Checks a ruleset file against the same constraints as `Schemas/ruleset.schema.json` and builds
/// the rules, so a bad file fails at load time with the rule id and key path.
struct RulesetParser {
    static let topLevelKeys: Set<String> = [
        "version", "id", "description", "rules", "keywords", "allowlist-mode", "allowlists", "switch-off",
    ]
    static let ruleKeys: Set<String> = [
        "id", "kind", "description", "pattern", "validator", "keys", "labels", "child-keys", "allow", "prefilter", "screen",
        "examples", "enabled", "reason",
    ]
    /// Kebab-case: lower-case letters and digits in groups joined by single hyphens.
    static let idPattern = try! PCRE2Regex(#"^[a-z0-9]+(?:-[a-z0-9]+)*$"#)

    let text: String
    let source: String
    private let lineStarts: [Int]

    init(text: String, source: String) {
        self.text = text
        self.source = source
        var starts = [0]
        for (offset, byte) in text.utf8.enumerated() where byte == 0x0A { starts.append(offset + 1) }
        lineStarts = starts
    }

    func parse() throws -> Ruleset {
        let root: YAMLNode
        do {
            root = try YAMLDocument.parse(text)
        } catch let error as YAMLParseError {
            throw RulesetError(source: source, path: "", line: error.line, reason: error.description)
        }
        guard case .mapping(let pairs) = root, !pairs.isEmpty else {
            throw fail("", nil, "expected a mapping with version, id, description and rules")
        }
        try checkKeys(pairs, allowed: Self.topLevelKeys, path: "", rule: nil)

        let version = try requiredScalar(root, "version", path: "", rule: nil)
        guard version.value == "1" else {
            throw fail("version", version, "unsupported version '\(version.value)'; this waka-diag reads version 1")
        }
        let id = try requiredScalar(root, "id", path: "", rule: nil)
        guard Self.idPattern.matches(id.value) else {
            throw fail("id", id, "'\(id.value)' is not kebab-case (lower-case letters, digits and single hyphens)")
        }
        let description = try requiredScalar(root, "description", path: "", rule: nil)

        var rules: [RedactionRule] = []
        if let node = root["rules"] {
            guard case .sequence(let items) = node else { throw fail("rules", nil, "expected a list of rules") }
            for (index, item) in items.enumerated() {
                let rule = try parseRule(item, index: index)
                if let earlier = rules.firstIndex(where: { $0.id == rule.id }) {
                    throw RulesetError(
                        source: source, ruleID: rule.id, ruleIndex: index, path: "rules[\(index)].id",
                        reason: "duplicate id; rule #\(earlier + 1) already uses it, so rename one of them")
                }
                rules.append(rule)
            }
        }

        let keywords = try parseKeywords(root["keywords"])
        let allowlists = try parseAllowlists(root["allowlists"])
        let allowlistMode = try parseAllowlistMode(root)
        let switchOffs = try parseSwitchOffs(root["switch-off"], rules: rules)
        guard !rules.isEmpty || !keywords.isEmpty || !allowlists.isEmpty || allowlistMode != nil || !switchOffs.isEmpty else {
            throw fail("rules", nil, "the file has no rules, keywords, allowlists, switch-off or allowlist-mode; add at least one")
        }
        let layer = Ruleset.Layer(
            id: id.value, source: source, ruleIDs: rules.map(\.id), keywordCount: keywords.count,
            allowlistIDs: allowlists.map(\.id), allowlistMode: allowlistMode, switchedOffIDs: switchOffs.map(\.id))
        var ruleset = Ruleset(
            id: id.value, description: description.value, rules: rules, keywords: keywords, layers: [layer],
            defaultText: nil, allowlists: allowlists, allowlistMode: allowlistMode ?? false)
        ruleset.switchOffs = switchOffs
        return ruleset
    }

    /// Reads `switch-off`: the ids of rules of the base or an earlier layer that this file
    /// switches off, each with the reason the manifest records. A rule of this file is switched
    /// off with its own `enabled: false` instead.
    private func parseSwitchOffs(_ node: YAMLNode?, rules: [RedactionRule]) throws -> [DisabledRule] {
        guard let node else { return [] }
        guard case .sequence(let items) = node else {
            throw fail("switch-off", nil, "expected a list of entries, each with the id of a rule and a reason")
        }
        var switchOffs: [DisabledRule] = []
        for (index, item) in items.enumerated() {
            let path = "switch-off[\(index)]"
            guard case .mapping(let pairs) = item else {
                throw fail(path, nil, "expected a mapping with id and reason, such as {id: phone-nanp, reason: \"…\"}")
            }
            try checkKeys(pairs, allowed: ["id", "reason"], path: path, rule: nil)
            let id = try requiredScalar(item, "id", path: path, rule: nil)
            guard Self.idPattern.matches(id.value) else {
                throw fail(path + ".id", id, "'\(id.value)' is not a rule id (kebab-case); 'waka-diag rules list' shows the ids")
            }
            guard let reason = try optionalScalar(item, "reason", path: path, rule: nil),
                !reason.value.trimmingCharacters(in: .whitespaces).isEmpty
            else {
                throw fail(path, id, "switching off rule '\(id.value)' needs a reason, which the manifest records; add reason: \"…\"")
            }
            guard !switchOffs.contains(where: { $0.id == id.value }) else {
                throw fail(path + ".id", id, "rule '\(id.value)' is switched off twice; keep one entry")
            }
            guard !rules.contains(where: { $0.id == id.value }) else {
                throw fail(path + ".id", id, "rule '\(id.value)' is defined in this file; give it enabled: false and a reason there instead")
            }
            switchOffs.append(DisabledRule(id: id.value, reason: reason.value))
        }
        return switchOffs
    }

    private func parseRule(_ node: YAMLNode, index: Int) throws -> RedactionRule {
        let path = "rules[\(index)]"
        guard case .mapping(let pairs) = node else {
            throw RulesetError(source: source, ruleIndex: index, path: path, reason: "expected a mapping")
        }

        // The id comes first, so every later error can name the rule.
        guard let idNode = node["id"] else {
            throw RulesetError(
                source: source, ruleIndex: index, path: path, line: line(of: pairs.first?.key),
                reason: "missing required key 'id'")
        }
        guard case .scalar(let idScalar) = idNode, Self.idPattern.matches(idScalar.value) else {
            throw RulesetError(
                source: source, ruleIndex: index, path: path + ".id", line: line(of: idNode),
                reason: "id must be kebab-case text (lower-case letters, digits and single hyphens)")
        }
        let rule = RuleContext(id: idScalar.value, index: index)
        try checkKeys(pairs, allowed: Self.ruleKeys, path: path, rule: rule)

        let kindScalar = try requiredScalar(node, "kind", path: path, rule: rule)
        guard let kind = RuleKind(rawValue: kindScalar.value) else {
            let known = RuleKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw fail(path + ".kind", kindScalar, "unknown kind '\(kindScalar.value)'; use one of \(known)", rule)
        }
        let description = try requiredScalar(node, "description", path: path, rule: rule)

        let pattern = try optionalScalar(node, "pattern", path: path, rule: rule)
        if let pattern { try compile(pattern, path: path + ".pattern", what: "pattern", rule: rule) }
        let keys = try optionalScalar(node, "keys", path: path, rule: rule)
        if let keys { try compile(keys, path: path + ".keys", what: "keys", rule: rule) }
        let labels = try optionalScalar(node, "labels", path: path, rule: rule)
        if let labels { try compile(labels, path: path + ".labels", what: "labels", rule: rule) }
        let childKeys = try optionalScalar(node, "child-keys", path: path, rule: rule)
        if let childKeys { try compile(childKeys, path: path + ".child-keys", what: "child-keys", rule: rule) }
        guard pattern != nil || keys != nil || labels != nil || childKeys != nil else {
            throw fail(path, nil, "the rule detects nothing; give it a pattern, keys, labels or child-keys", rule)
        }

        var validator: RuleValidator?
        if let scalar = try optionalScalar(node, "validator", path: path, rule: rule) {
            guard let known = RuleValidator(rawValue: scalar.value) else {
                let names = RuleValidator.allCases.map(\.rawValue).joined(separator: ", ")
                throw fail(path + ".validator", scalar, "unknown validator '\(scalar.value)'; use one of \(names)", rule)
            }
            guard pattern != nil else {
                throw fail(path + ".validator", scalar, "a validator checks pattern matches, but the rule has no pattern", rule)
            }
            validator = known
        }

        // A blank allow pattern would match every value and keep it, and a blank prefilter would
        // pass every text, so both are rejected as mistakes.
        let allow = try stringList(node["allow"], path: path + ".allow", rule: rule)
        for (position, expression) in allow.enumerated() {
            let itemPath = path + ".allow[\(position)]"
            guard !expression.value.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw fail(itemPath, expression, "an allow pattern must not be blank, because it would keep every value", rule)
            }
            try compile(expression.value, path: itemPath, what: "allow pattern", rule: rule, scalar: expression)
        }
        let prefilter = try stringList(node["prefilter"], path: path + ".prefilter", rule: rule)
        for (position, literal) in prefilter.enumerated() where literal.value.isEmpty {
            throw fail(path + ".prefilter[\(position)]", literal, "a prefilter literal must not be empty; remove it or give the text", rule)
        }
        if !prefilter.isEmpty, pattern == nil {
            throw fail(path + ".prefilter", prefilter.first, "a prefilter guards the pattern, but the rule has no pattern", rule)
        }

        // `screen` is one regex or a list of them, any of which may match.
        var screens: [(scalar: YAMLScalar, path: String)] = []
        if case .scalar(let single)? = node["screen"] {
            screens = [(single, path + ".screen")]
        } else {
            screens = try stringList(node["screen"], path: path + ".screen", rule: rule).enumerated().map { position, scalar in
                (scalar, path + ".screen[\(position)]")
            }
        }
        for screen in screens {
            try checkScreen(screen.scalar, hasPattern: pattern != nil, path: screen.path, rule: rule)
        }

        let examples = try parseExamples(node["examples"], path: path + ".examples", rule: rule)

        var enabled = true
        if let scalar = try optionalScalar(node, "enabled", path: path, rule: rule) {
            switch scalar.value {
            case "true", "True", "TRUE": enabled = true
            case "false", "False", "FALSE": enabled = false
            default: throw fail(path + ".enabled", scalar, "expected true or false, found '\(scalar.value)'", rule)
            }
        }
        let reason = try optionalScalar(node, "reason", path: path, rule: rule)
        if !enabled, reason == nil {
            throw fail(path + ".reason", nil, "the rule is disabled (enabled: false) but has no reason; say why it is off", rule)
        }

        return RedactionRule(
            id: rule.id, kind: kind, description: description.value, pattern: pattern?.value, validator: validator,
            keys: keys?.value, labels: labels?.value, childKeys: childKeys?.value, allow: allow.map(\.value),
            prefilter: prefilter.map(\.value), screens: screens.map(\.scalar.value),
            examples: examples, enabled: enabled, reason: reason?.value, source: source)
    }

    /// Checks that a `screen` guards a pattern and that Hyperscan compiles it as written.
    private func checkScreen(_ screen: YAMLScalar, hasPattern: Bool, path: String, rule: RuleContext) throws {
        guard hasPattern else {
            throw fail(path, screen, "a screen guards the pattern, but the rule has no pattern", rule)
        }
        guard HyperscanDatabase.isSupported else { return }
        do {
            try HyperscanDatabase.check(screen.value)
        } catch {
            throw fail(path, screen, "\(error); write the screen without lookarounds or back-references, as a regex that matches wherever the pattern can", rule)
        }
    }

    private func parseExamples(_ node: YAMLNode?, path: String, rule: RuleContext) throws -> RuleExamples {
        guard let node else {
            throw fail(path, nil, "missing required key 'examples' with at least one text under 'redact'", rule)
        }
        guard case .mapping(let pairs) = node else { throw fail(path, nil, "expected a mapping with redact and keep", rule) }
        try checkKeys(pairs, allowed: ["redact", "keep"], path: path, rule: rule)
        let redact = try stringList(node["redact"], path: path + ".redact", rule: rule)
        guard !redact.isEmpty else {
            throw fail(path + ".redact", nil, "give at least one text the rule must change", rule)
        }
        let keep = try stringList(node["keep"], path: path + ".keep", rule: rule)
        return RuleExamples(redact: redact.map(\.value), keep: keep.map(\.value))
    }

    private func parseKeywords(_ node: YAMLNode?) throws -> [String] {
        let items = try stringList(node, path: "keywords", rule: nil)
        for (index, item) in items.enumerated() where item.value.trimmingCharacters(in: .whitespaces).isEmpty {
            throw fail("keywords[\(index)]", item, "a keyword must not be blank; remove the entry or give the word")
        }
        return items.map(\.value)
    }
}

// MARK: - Helpers

extension RulesetParser {
    struct RuleContext {
        var id: String
        var index: Int
    }

    func line(of node: YAMLNode?) -> Int? {
        guard case .scalar(let scalar)? = node else { return nil }
        return line(ofOffset: scalar.sourceRange.lowerBound)
    }

    func line(ofOffset offset: Int) -> Int {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return low + 1
    }

    func fail(_ path: String, _ scalar: YAMLScalar?, _ reason: String, _ rule: RuleContext? = nil) -> RulesetError {
        RulesetError(
            source: source, ruleID: rule?.id, ruleIndex: rule?.index, path: path,
            line: scalar.map { line(ofOffset: $0.sourceRange.lowerBound) }, reason: reason)
    }

    func checkKeys(_ pairs: [YAMLPair], allowed: Set<String>, path: String, rule: RuleContext?) throws {
        for pair in pairs {
            guard case .scalar(let key) = pair.key else { throw fail(path, nil, "keys must be plain text", rule) }
            guard allowed.contains(key.value) else {
                let prefix = path.isEmpty ? "" : path + "."
                throw fail(
                    prefix + key.value, key,
                    "unknown key '\(key.value)'; allowed keys are \(allowed.sorted().joined(separator: ", "))", rule)
            }
        }
    }

    func requiredScalar(_ node: YAMLNode, _ key: String, path: String, rule: RuleContext?) throws -> YAMLScalar {
        guard let scalar = try optionalScalar(node, key, path: path, rule: rule) else {
            throw fail(path, nil, "missing required key '\(key)'", rule)
        }
        return scalar
    }

    /// Returns the scalar under `key`. An empty or blank value is an error, not an absent key.
    func optionalScalar(_ node: YAMLNode, _ key: String, path: String, rule: RuleContext?) throws -> YAMLScalar? {
        let keyPath = path.isEmpty ? key : path + "." + key
        guard let value = node[key] else { return nil }
        guard case .scalar(let scalar) = value else { throw fail(keyPath, nil, "expected text, found a list or mapping", rule) }
        guard !scalar.value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw fail(keyPath, scalar, "'\(key)' is empty; give a value or remove the key", rule)
        }
        return scalar
    }

    func stringList(_ node: YAMLNode?, path: String, rule: RuleContext?) throws -> [YAMLScalar] {
        guard let node else { return [] }
        guard case .sequence(let items) = node else { throw fail(path, nil, "expected a list of texts", rule) }
        return try items.enumerated().map { index, item in
            guard case .scalar(let scalar) = item else { throw fail("\(path)[\(index)]", nil, "expected text", rule) }
            return scalar
        }
    }

    func compile(_ scalar: YAMLScalar, path: String, what: String, rule: RuleContext) throws {
        try compile(scalar.value, path: path, what: what, rule: rule, scalar: scalar)
    }

    func compile(_ expression: String, path: String, what: String, rule: RuleContext, scalar: YAMLScalar? = nil) throws {
        do {
            _ = try PCRE2Regex(expression)
        } catch let error as PCRE2Error {
            throw fail(path, scalar, "\(what) does not compile: \(error.description)", rule)
        }
    }
}
