import DiagSupport
import Foundation

extension Redactor {
    /// Redacts YAML text in place. Each scalar that changes is rewritten at its `sourceRange`,
    /// quoted as needed, so layout and comments survive. Comments are redacted as text.
    ///
    /// Values under keys that a `keys` or `labels` rule matches are replaced whole, and so is the
    /// `value` beside a name that one matches (`name: DB_PASSWORD`, `value: …`). Other scalars
    /// and comments go through `redactText`, and keys through the pattern rules. The result is
    /// parsed again and must give the expected values, or else every rewritten scalar is
    /// double-quoted and checked once more. Throws `RedactionError.malformed` when the input does
    /// not parse or the rewrite cannot be made safe, so the caller leaves the file out.
    ///
    /// In allowlist mode, a file that an allowlist covers also has every scalar value outside the
    /// allowlist replaced, as `Allowlist` describes.
    public func redactYAML(_ text: String, file: String) throws -> String {
        var log = RedactionLog(file: file)
        let scope = allowlistScope(for: file, log: &log)
        let output = try redactYAML(text, log: &log, scope: scope)
        commit(log)
        return output
    }

    /// Redacts YAML into `log`; the caller commits the log only when this succeeds. `scope` is
    /// the allowlist of the whole text, or nil for rule redaction only.
    func redactYAML(_ text: String, log: inout RedactionLog, scope: AllowlistScope? = nil) throws -> String {
        let file = log.file
        let documents: [YAMLNode]
        do {
            documents = try YAMLDocument.parseAll(text)
        } catch {
            throw RedactionError.malformed(file: file, format: "YAML", reason: error.operatorMessage)
        }

        var rewriter = YAMLRewriter(source: Array(text.utf8))
        do {
            for document in documents { learn(fromYAML: document, keyRule: nil, log: &log) }
            for document in documents {
                try walk(document, keyRule: nil, scope: scope, rewriter: &rewriter, log: &log)
            }
            try redactComments(rewriter: &rewriter, log: &log)
        } catch let error as RedactionError {
            throw error
        } catch {
            throw RedactionError.engine(file: file, reason: error.operatorMessage)
        }
        guard rewriter.hasEdits else { return text }

        for forceQuotes in [false, true] {
            let output = rewriter.render(forceQuotes: forceQuotes)
            if let reparsed = try? YAMLDocument.parseAll(output),
                YAMLRewriter.scalarValues(reparsed) == rewriter.expectedValues(documents)
            {
                return output
            }
        }
        throw RedactionError.malformed(
            file: file, format: "YAML", reason: "the redacted text did not parse back to the same structure")
    }

    /// Redacts `node`. `keyRule` is the rule that claimed the key above a value, and
    /// `childKeyRule` the rule whose `child-keys` claimed the key above a mapping of identifiers.
    /// `scope` carries the allowlist and the path of `node`.
    private func walk(
        _ node: YAMLNode, keyRule: (rule: CompiledRule, key: String)?,
        childKeyRule: (rule: CompiledRule, key: String)? = nil, scope: AllowlistScope?,
        rewriter: inout YAMLRewriter, log: inout RedactionLog
    ) throws {
        switch node {
        case .scalar(let scalar):
            rewriter.noteScalar(scalar)
            // A local tag such as `!s3cret` is text the author wrote, so it is redacted with the
            // value; the scalar's source range covers both.
            if let tag = Self.localTag(scalar) {
                let text = scalar.value.isEmpty ? tag : tag + " " + scalar.value
                let additions = log.report.additions
                if let keyRule,
                    let replaced = try replacement(for: text, rule: keyRule.rule, context: KeyValueContext(key: keyRule.key), log: &log)
                {
                    rewriter.replace(scalar, with: replaced, dropsTag: true)
                    log.report.add(rule: keyRule.rule.id, file: log.file, unlessCountedSince: additions)
                } else {
                    let replaced = try redactText(text, log: &log)
                    if replaced != text { rewriter.replace(scalar, with: replaced, dropsTag: true) }
                }
                return
            }
            // A key rule's typed replacement wins; allowlist mode replaces what the rule keeps.
            let additions = log.report.additions
            if let keyRule, !YAMLRewriter.isNull(scalar),
                let replaced = try replacement(
                    for: scalar.value, rule: keyRule.rule, context: KeyValueContext(key: keyRule.key), log: &log)
            {
                rewriter.replace(scalar, with: replaced)
                log.report.add(rule: keyRule.rule.id, file: log.file, unlessCountedSince: additions)
                return
            }
            if replacesNotAllowlisted(scalar.value, plainStyle: scalar.style == .plain, scope: scope) {
                rewriter.replace(scalar, with: notAllowlisted(log: &log))
                return
            }
            guard keyRule == nil else { return }
            let replaced = try redactText(scalar.value, log: &log)
            if replaced != scalar.value { rewriter.replace(scalar, with: replaced) }
        case .sequence(let items):
            // In an argument list (`["redis-server", "--requirepass", "…"]`) the item after a
            // secret flag is that flag's value.
            var flagRule: (rule: CompiledRule, key: String)?
            for item in items {
                try walk(item, keyRule: keyRule ?? flagRule, scope: scope?.appending(.item), rewriter: &rewriter, log: &log)
                flagRule = item.scalarValue.flatMap(secretFlagRule)
            }
        case .mapping(let pairs):
            let named = pairRule(pairs)
            // A Kubernetes Secret, alone or as an item of a List, claims its data values.
            let secretDataRule = kubernetesSecretRule(node)
            for pair in pairs {
                var rule: (CompiledRule, String)?
                var parentRule: (CompiledRule, String)?
                let valueScope: AllowlistScope?
                if case .scalar(let key) = pair.key {
                    rewriter.noteScalar(key)
                    let context = childKeyRule.map { KeyValueContext(key: $0.key) }
                    if let childKeyRule, let context, !YAMLRewriter.isNull(key),
                        let replaced = try replacement(for: key.value, rule: childKeyRule.rule, context: context, log: &log)
                    {
                        rewriter.replace(key, with: replaced)
                        log.report.add(rule: childKeyRule.rule.id, file: log.file)
                    } else {
                        let replaced = try redactText(key.value, log: &log, keyValues: false)
                        if replaced != key.value { rewriter.replace(key, with: replaced) }
                    }
                    rule = compiled.rule(forKey: key.value).map { ($0, key.value) }
                    if rule == nil, Self.isPairValueKey(key.value), let named { rule = (named.rule, named.name) }
                    // The identifying and value fields of a mapping under a rule's key, as in
                    // `user: {id: …}` and `db_password: {value: …}`.
                    if rule == nil, let keyRule,
                        keyedFields(
                            under: keyRule.rule,
                            pairObject: Self.keepsPair(
                                isPairObject: Self.isPairObject(pairs), namesRule: named != nil,
                                keys: pairs.compactMap(\.key.scalarValue), under: keyRule.rule)
                        ).contains(key.value),
                        case .scalar = pair.value
                    {
                        rule = keyRule
                    }
                    if rule == nil, let keyRule, let text = pair.value.scalarValue, !Self.isPairObject(pairs),
                        isSecretMember(key.value, value: text, under: keyRule.rule)
                    {
                        rule = keyRule
                    }
                    parentRule = compiled.rule(forParentKey: key.value).map { ($0, key.value) }
                    valueScope = scope?.appending(.key(key.value))
                    if let secretDataRule, key.value == "data" || key.value == "stringData",
                        case .mapping(let entries) = pair.value
                    {
                        try walkSecretData(entries, rule: secretDataRule, scope: valueScope, rewriter: &rewriter, log: &log)
                        continue
                    }
                } else {
                    valueScope = scope?.appendingComplexKey()
                    try walk(pair.key, keyRule: nil, scope: valueScope, rewriter: &rewriter, log: &log)
                }
                try walk(
                    pair.value, keyRule: rule, childKeyRule: parentRule, scope: valueScope, rewriter: &rewriter,
                    log: &log)
            }
        }
    }

    /// Returns the rule that claims the values of `mapping`'s `data` and `stringData` when the
    /// mapping is a Kubernetes Secret (`kind: Secret`). Those values are all secrets whatever
    /// their keys are named, and base64 hides them from every pattern.
    private func kubernetesSecretRule(_ mapping: YAMLNode) -> CompiledRule? {
        kubernetesSecretRule(kind: mapping["kind"]?.scalarValue, hasAPIVersion: mapping["apiVersion"] != nil)
    }

    /// Returns the secret rule for the data of an object of `kind` with an `apiVersion`, when
    /// that object is a Kubernetes Secret. The rule is the one that claims a `password` key.
    func kubernetesSecretRule(kind: String?, hasAPIVersion: Bool) -> CompiledRule? {
        guard kind == "Secret", hasAPIVersion else { return nil }
        return secretValueRule()
    }

    /// Returns the rule for values that are secrets although no key names them: the rule that
    /// claims a `password` key, or else the first secret rule with keys.
    func secretValueRule() -> CompiledRule? {
        if let rule = compiled.rule(forKey: "password"), rule.kind.isSecret { return rule }
        return compiled.rules.first { $0.kind == .secretValue && $0.keys != nil }
    }

    /// Replaces each value of a Secret's `data` or `stringData` with `rule`'s marker.
    private func walkSecretData(
        _ entries: [YAMLPair], rule: CompiledRule, scope: AllowlistScope?, rewriter: inout YAMLRewriter,
        log: inout RedactionLog
    ) throws {
        for entry in entries {
            guard case .scalar(let key) = entry.key else {
                try walk(entry.key, keyRule: nil, scope: scope?.appendingComplexKey(), rewriter: &rewriter, log: &log)
                try walk(entry.value, keyRule: nil, scope: scope?.appendingComplexKey(), rewriter: &rewriter, log: &log)
                continue
            }
            rewriter.noteScalar(key)
            let replacedKey = try redactText(key.value, log: &log, keyValues: false)
            if replacedKey != key.value { rewriter.replace(key, with: replacedKey) }
            try walk(
                entry.value, keyRule: (rule, key.value), scope: scope?.appending(.key(key.value)), rewriter: &rewriter,
                log: &log)
        }
    }

    /// Redacts the comments, which lie in the gaps between scalars: from a `#` at the start of a
    /// gap or after white space to the end of its line.
    private func redactComments(rewriter: inout YAMLRewriter, log: inout RedactionLog) throws {
        let source = rewriter.source
        for gap in rewriter.gaps() {
            var index = gap.lowerBound
            while index < gap.upperBound {
                let startsComment = source[index] == UInt8(ascii: "#")
                    && (index == gap.lowerBound || [0x20, 0x09, 0x0A, 0x0D].contains(source[index - 1]))
                guard startsComment else {
                    index += 1
                    continue
                }
                var end = index
                while end < gap.upperBound, source[end] != 0x0A, source[end] != 0x0D { end += 1 }
                let comment = String(decoding: source[index..<end], as: UTF8.self)
                let replaced = try redactText(comment, log: &log)
                if replaced != comment { rewriter.replaceRaw(index..<end, with: replaced) }
                index = end
            }
        }
    }

    /// Returns the local tag of `scalar` (`!name`), or nil for no tag, the non-specific `!` and
    /// the standard `!!` tags, which libyaml expands to `tag:yaml.org,2002:`.
    static func localTag(_ scalar: YAMLScalar) -> String? {
        guard let tag = scalar.tag, tag.hasPrefix("!"), tag != "!" else { return nil }
        return tag
    }
}
