/// One rule of a ruleset, as written in the YAML file.
///
/// A rule detects values in up to four ways. A `pattern` is a PCRE2 regex whose `value` group, or
/// else the whole match, is replaced. `keys` is a regex on key names whose values are replaced
/// whole, and `labels` is a regex on metric label names whose values are replaced. `childKeys` is
/// a regex on key names whose value is a mapping keyed by identifiers, whose keys are replaced. `keys` and `labels` match
/// case-insensitively anywhere in the name, so write `^…$` for a whole name.
public struct RedactionRule: Sendable, Equatable {
    public var id: String
    public var kind: RuleKind
    public var description: String
    public var pattern: String?
    public var validator: RuleValidator?
    public var keys: String?
    public var labels: String?
    public var childKeys: String?
    /// Regexes for values to keep although the rule matched them, such as loopback addresses.
    public var allow: [String]
    /// Literal strings, matched ASCII case-insensitively, of which a text must contain one for
    /// `pattern` to run on it. With an empty list the pattern runs on every text.
    public var prefilter: [String]
    /// Hyperscan regexes, one of which matches wherever `pattern` can match a value the rule
    /// replaces, written without lookarounds. Streaming skips the lines none of them matches.
    /// When empty, the pattern itself screens lines in Hyperscan's prefilter mode.
    public var screens: [String]
    public var examples: RuleExamples
    public var enabled: Bool
    /// The reason the rule is disabled, required when `enabled` is false.
    public var reason: String?
    /// The file the rule came from.
    public var source: String

    public init(
        id: String, kind: RuleKind, description: String, pattern: String? = nil, validator: RuleValidator? = nil,
        keys: String? = nil, labels: String? = nil, childKeys: String? = nil, allow: [String] = [],
        prefilter: [String] = [], screens: [String] = [],
        examples: RuleExamples = RuleExamples(), enabled: Bool = true, reason: String? = nil, source: String = ""
    ) {
        self.id = id
        self.kind = kind
        self.description = description
        self.pattern = pattern
        self.validator = validator
        self.keys = keys
        self.labels = labels
        self.childKeys = childKeys
        self.allow = allow
        self.prefilter = prefilter
        self.screens = screens
        self.examples = examples
        self.enabled = enabled
        self.reason = reason
        self.source = source
    }
}

/// Texts a rule must change (`redact`) and texts the whole ruleset must leave byte-identical (`keep`).
public struct RuleExamples: Sendable, Equatable {
    public var redact: [String]
    public var keep: [String]

    public init(redact: [String] = [], keep: [String] = []) {
        self.redact = redact
        self.keep = keep
    }
}

/// A rule switched off in a ruleset, with the reason its author gave.
public struct DisabledRule: Sendable, Equatable {
    public var id: String
    public var reason: String

    public init(id: String, reason: String) {
        self.id = id
        self.reason = reason
    }
}
