import DiagSupport
import Foundation

/// A redaction ruleset: the default file plus any operator layers, with rules in priority order.
///
/// Later layers win. A rule whose id is already defined replaces that rule in place, so an
/// operator can disable a default rule, giving a reason. New rules go before the default ones, so
/// an operator's specific rule is tried before a generic one.
public struct Ruleset: Sendable {
    /// One file that went into the ruleset.
    public struct Layer: Sendable, Equatable {
        public var id: String
        public var source: String
        public var ruleIDs: [String]
        public var keywordCount: Int
        public var allowlistIDs: [String] = []
        /// The layer's `allowlist-mode`, or nil when the layer leaves the mode as it was.
        public var allowlistMode: Bool? = nil
        /// The ids of the earlier rules the layer's `switch-off` list names.
        public var switchedOffIDs: [String] = []
    }

    public var id: String
    public var description: String
    /// Every rule, enabled or not, in priority order.
    public var rules: [RedactionRule]
    /// Literal words from operator layers (customer or product names), matched case-insensitively
    /// as whole words and replaced by `keyword-…` pseudonyms.
    public var keywords: [String]
    public var layers: [Layer]
    /// The text of the default file, kept so `publishableText` can quote it.
    public var defaultText: String?
    /// Reviewed field lists for structured configs, in priority order: a file is governed by the
    /// first allowlist that covers it.
    public var allowlists: [Allowlist] = []
    /// Whether allowlist mode is on: values of covered configs outside their allowlist are
    /// replaced. Off by default; the ruleset's `allowlist-mode`, a later layer or a command-line
    /// flag (by setting this property) turns it on.
    public var allowlistMode = false
    /// The `switch-off` list of a single file: rules of an earlier file that it switches off, with
    /// their reasons. `merging(_:)` applies a layer's list and leaves the merged list empty.
    public var switchOffs: [DisabledRule] = []

    /// The id the redaction report uses for replacements made by `keywords`.
    public static let keywordsRuleID = "operator-keywords"

    public var enabledRules: [RedactionRule] { rules.filter(\.enabled) }

    public var disabledRules: [DisabledRule] {
        rules.filter { !$0.enabled }.map { DisabledRule(id: $0.id, reason: $0.reason ?? "") }
    }

    /// Loads the default ruleset and then each extra layer, in order.
    public static func load(default defaultURL: URL, extra: [URL] = []) throws -> Ruleset {
        var ruleset = try parse(try readText(defaultURL), source: defaultURL.path)
        guard !ruleset.rules.isEmpty else {
            throw RulesetError(
                source: defaultURL.path, path: "rules", reason: "the file has no rules of its own, so it cannot be the base ruleset; if it is a layer, check it on top of the base with 'waka-diag rules check \(ShareDirectory.defaultRulesetPath()) --extra-rules \(defaultURL.path)'")
        }
        guard ruleset.switchOffs.isEmpty else {
            throw RulesetError(
                source: defaultURL.path, path: "switch-off",
                reason: "switch-off names rules of an earlier file, so this file is a layer, not a base ruleset; pass it with --extra-rules, or check it with 'waka-diag rules check \(ShareDirectory.defaultRulesetPath()) --extra-rules \(defaultURL.path)'")
        }
        for url in extra {
            let layer = try parse(try readText(url), source: url.path)
            for (index, switchOff) in layer.switchOffs.enumerated() where !ruleset.rules.contains(where: { $0.id == switchOff.id }) {
                throw RulesetError(
                    source: url.path, path: "switch-off[\(index)].id",
                    reason: "no rule '\(switchOff.id)' in the base ruleset or an earlier layer; 'waka-diag rules list' shows the ids")
            }
            ruleset = ruleset.merging(layer)
        }
        return ruleset
    }

    /// Parses one ruleset file; `source` names it in error messages.
    public static func parse(_ text: String, source: String) throws -> Ruleset {
        var ruleset = try RulesetParser(text: text, source: source).parse()
        ruleset.defaultText = text
        return ruleset
    }

    /// Returns this ruleset with `layer` applied on top. Rules and allowlists with an id already
    /// defined replace the earlier ones in place; new ones go first. The rules that the layer's
    /// `switch-off` list names are disabled with its reasons. A layer that sets `allowlist-mode`
    /// decides the mode.
    public func merging(_ layer: Ruleset) -> Ruleset {
        var merged = self
        var added: [RedactionRule] = []
        for rule in layer.rules {
            if let index = merged.rules.firstIndex(where: { $0.id == rule.id }) {
                merged.rules[index] = rule
            } else {
                added.append(rule)
            }
        }
        merged.rules.insert(contentsOf: added, at: 0)
        for switchOff in layer.switchOffs {
            guard let index = merged.rules.firstIndex(where: { $0.id == switchOff.id }) else { continue }
            merged.rules[index].enabled = false
            merged.rules[index].reason = switchOff.reason
        }
        merged.switchOffs = []
        for keyword in layer.keywords where !merged.keywords.contains(keyword) {
            merged.keywords.append(keyword)
        }
        var addedAllowlists: [Allowlist] = []
        for allowlist in layer.allowlists {
            if let index = merged.allowlists.firstIndex(where: { $0.id == allowlist.id }) {
                merged.allowlists[index] = allowlist
            } else {
                addedAllowlists.append(allowlist)
            }
        }
        merged.allowlists.insert(contentsOf: addedAllowlists, at: 0)
        if let mode = layer.layers.compactMap(\.allowlistMode).last { merged.allowlistMode = mode }
        merged.layers.append(contentsOf: layer.layers)
        return merged
    }

    /// The ruleset text that may go into a bundle, or nil when the ruleset is exactly the default
    /// file (whose own text can go in as it is).
    ///
    /// Operator layers are summarized by id and rule ids only: their keywords, patterns and
    /// examples name the customers they protect, so they never leave the site.
    public var publishableText: String? {
        guard layers.count > 1, let defaultText else { return nil }
        var text = defaultText
        if !text.hasSuffix("\n") { text += "\n" }
        text += "\n# Operator layers applied on top of this file (contents withheld):\n"
        for layer in layers.dropFirst() {
            let ruleList = layer.ruleIDs.isEmpty ? "no rules" : "rules " + layer.ruleIDs.joined(separator: ", ")
            var line = "# - \(layer.id): \(ruleList); \(layer.keywordCount) keywords"
            if !layer.allowlistIDs.isEmpty { line += "; allowlists " + layer.allowlistIDs.joined(separator: ", ") }
            if let mode = layer.allowlistMode { line += "; allowlist-mode \(mode)" }
            if !layer.switchedOffIDs.isEmpty { line += "; switches off " + layer.switchedOffIDs.joined(separator: ", ") }
            text += line + "\n"
        }
        return text
    }

    private static func readText(_ url: URL) throws -> String {
        let data = try FileSafety.read(url)
        guard let text = String(data: data, encoding: .utf8) else {
            throw RulesetError(source: url.path, path: "", reason: "the file is not valid UTF-8; save it as UTF-8")
        }
        return text
    }
}
