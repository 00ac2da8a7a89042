import Foundation

/// A rule example that the ruleset does not redact or keep as the example states.
public struct RuleExampleFailure: Sendable, Equatable, CustomStringConvertible {
    public var ruleID: String
    /// `redact` or `keep`.
    public var list: String
    public var index: Int
    public var reason: String

    public var description: String {
        "rule '\(ruleID)': examples.\(list)[\(index)] \(reason)"
    }
}

extension Redactor {
    /// Redacts a rule example: as YAML when it is a multi-line YAML mapping or list (so rules on
    /// YAML structure, such as `child-keys`, can show examples), else as text.
    public func redactExample(_ text: String) -> String {
        if text.contains("\n"), Self.isYAMLCollection(text), let output = try? redactYAML(text, file: "example") {
            return output
        }
        return redactText(text, file: "example")
    }
}

extension Ruleset {
    /// Returns why streaming would run without a line screen with this ruleset, one message per
    /// cause, or an empty list when the screen builds or Hyperscan cannot run on this processor.
    public func screenProblems() throws -> [String] {
        LineScreen.problems(for: try CompiledRuleset(self)) ?? []
    }

    /// Runs every enabled rule's examples through the whole ruleset with a throwaway secret:
    /// each `redact` text must change, with the rule itself firing, and must come out of the
    /// screened streaming path the same, and each `keep` text must come back byte-identical.
    /// Returns the failures, empty when all examples hold.
    public func checkExamples() -> [RuleExampleFailure] {
        let pseudonymizer = Pseudonymizer(secret: SiteSecret.ephemeral())
        let screen = (try? CompiledRuleset(self))?.screen
        var failures: [RuleExampleFailure] = []
        for rule in enabledRules {
            for (index, example) in rule.examples.redact.enumerated() {
                let redactor = Redactor(ruleset: self, pseudonymizer: pseudonymizer)
                let output = redactor.redactExample(example)
                if let screen, !example.contains("\n"),
                    let streamed = Redactor(ruleset: self, pseudonymizer: pseudonymizer).redactScreened(example, screen: screen),
                    streamed != output
                {
                    failures.append(
                        RuleExampleFailure(
                            ruleID: rule.id, list: "redact", index: index,
                            reason: "comes out of streaming as '\(streamed)', so a screen misses it; widen the rule's screen"))
                }
                if output == example {
                    failures.append(RuleExampleFailure(ruleID: rule.id, list: "redact", index: index, reason: "was not changed"))
                } else if redactor.report.total(for: rule.id) == 0 {
                    failures.append(
                        RuleExampleFailure(
                            ruleID: rule.id, list: "redact", index: index,
                            reason: "was changed by other rules only (\(redactor.report.counts.keys.sorted().joined(separator: ", ")))"))
                }
            }
            for (index, example) in rule.examples.keep.enumerated() {
                let redactor = Redactor(ruleset: self, pseudonymizer: pseudonymizer)
                if redactor.redactExample(example) != example {
                    let rules = redactor.report.counts.keys.sorted().joined(separator: ", ")
                    failures.append(
                        RuleExampleFailure(ruleID: rule.id, list: "keep", index: index, reason: "was changed by \(rules)"))
                }
            }
        }
        return failures
    }
}
