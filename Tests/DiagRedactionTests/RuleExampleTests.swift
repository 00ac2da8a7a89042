import DiagRedaction
import Testing

/// Runs every rule's `examples` from Redaction/default.yaml through the whole ruleset.
struct RuleExampleTests {
    static let rules = TestSupport.defaultRuleset.rules

    @Test("redact examples change and the rule fires", arguments: rules)
    func redactExamples(rule: RedactionRule) {
        for example in rule.examples.redact {
            let redactor = TestSupport.makeRedactor()
            let output = redactor.redactExample(example)
            #expect(output != example, "rule \(rule.id) left its example unchanged: \(example)")
            #expect(
                redactor.report.total(for: rule.id) > 0,
                "rule \(rule.id) did not fire on its example: \(example) -> \(output) (report \(redactor.report.counts))")
            for value in redactor.replacedValues where value.utf8.count >= 4 {
                #expect(!output.contains(value), "rule \(rule.id): replaced value survives in \(output)")
            }
        }
    }

    @Test("keep examples stay byte-identical", arguments: rules)
    func keepExamples(rule: RedactionRule) {
        for example in rule.examples.keep {
            let redactor = TestSupport.makeRedactor()
            let output = redactor.redactExample(example)
            #expect(output == example, "rule \(rule.id): keep example changed: \(example) -> \(output)")
        }
    }

    @Test func checkExamplesAgreesAndCatchesBadExamples() throws {
        #expect(TestSupport.defaultRuleset.checkExamples().isEmpty)
        let layer = try Ruleset.parse(
            """
            version: 1
            id: broken
            description: Examples that do not hold.
            rules:
              - id: ticket-id
                kind: identifier
                description: Ticket numbers.
                pattern: 'TCK-[0-9]{6}'
                examples:
                  redact: ['TCK-12', 'mail jane@acme-corp.com']
                  keep: ['TCK-123456']
            """, source: "broken.yaml")
        let failures = TestSupport.defaultRuleset.merging(layer).checkExamples()
        #expect(failures.map(\.description) == [
            "rule 'ticket-id': examples.redact[0] was not changed",
            "rule 'ticket-id': examples.redact[1] was changed by other rules only (email)",
            "rule 'ticket-id': examples.keep[0] was changed by ticket-id",
        ])
    }

    @Test func everyRuleHasExamples() {
        #expect(!Self.rules.isEmpty)
        for rule in Self.rules {
            #expect(!rule.examples.redact.isEmpty, "rule \(rule.id) has no redact examples")
        }
    }
}

extension RedactionRule: CustomTestStringConvertible {
    public var testDescription: String { id }
}
