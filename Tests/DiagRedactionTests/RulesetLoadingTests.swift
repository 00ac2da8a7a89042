import DiagRedaction
import DiagSupport
import Foundation
import Testing

/// Loading rulesets: the default file, extra layers, and the errors for broken files.
struct RulesetLoadingTests {
    static let validRule = """
          - id: ticket-id
            kind: identifier
            description: Support ticket numbers.
            pattern: 'TCK-[0-9]{6}'
            examples:
              redact: ['see TCK-123456']
        """

    static func layer(_ rules: String, keywords: String = "") -> String {
        "version: 1\nid: site-extra\ndescription: Site rules.\nrules:\n" + rules + "\n" + keywords
    }

    static func parseError(_ text: String) -> RulesetError? {
        do {
            _ = try Ruleset.parse(text, source: "/x/rules.yaml")
            return nil
        } catch let error as RulesetError {
            return error
        } catch {
            Issue.record("unexpected error type: \(error)")
            return nil
        }
    }

    @Test func defaultRulesetLoads() throws {
        let ruleset = try Ruleset.load(default: TestSupport.defaultRulesetURL)
        #expect(ruleset.id == "waka-diag-default")
        #expect(ruleset.rules.count >= 25)
        #expect(ruleset.disabledRules.isEmpty)
        #expect(ruleset.publishableText == nil)
        #expect(Set(ruleset.rules.map(\.id)).count == ruleset.rules.count)
    }

    @Test func badRegexNamesRuleAndOffset() throws {
        let error = try #require(Self.parseError(Self.layer(Self.validRule.replacingOccurrences(of: "'TCK-[0-9]{6}'", with: "'TCK-([0-9]{6}'"))))
        #expect(error.ruleID == "ticket-id")
        #expect(error.path == "rules[0].pattern")
        #expect(error.description.contains("rule 'ticket-id' in /x/rules.yaml"))
        #expect(error.description.contains("pattern does not compile"))
        #expect(error.description.contains("at offset"))
        #expect(error.exitStatus == .dataError)
    }

    @Test func missingIDNamesRulePosition() throws {
        let rule = Self.validRule.replacingOccurrences(of: "  - id: ticket-id\n    kind", with: "  - kind")
        let error = try #require(Self.parseError(Self.layer(rule)))
        #expect(error.ruleID == nil)
        #expect(error.description.hasPrefix("rule #1 in /x/rules.yaml"))
        #expect(error.description.contains("missing required key 'id'"))
    }

    @Test func duplicateIDIsRejected() throws {
        let error = try #require(Self.parseError(Self.layer(Self.validRule + "\n" + Self.validRule)))
        #expect(error.ruleID == "ticket-id")
        #expect(error.path == "rules[1].id")
        #expect(error.description.contains("duplicate id"))
    }

    @Test func disabledRuleNeedsReason() throws {
        let disabled = Self.validRule + "\n    enabled: false"
        let error = try #require(Self.parseError(Self.layer(disabled)))
        #expect(error.ruleID == "ticket-id")
        #expect(error.description.contains("no reason"))

        let ruleset = try Ruleset.parse(Self.layer(disabled + "\n    reason: Tickets are public here."), source: "x")
        #expect(ruleset.disabledRules == [DisabledRule(id: "ticket-id", reason: "Tickets are public here.")])
        #expect(ruleset.enabledRules.isEmpty)
    }

    @Test(arguments: [
        ("    kind: ticket", "unknown kind 'ticket'"),
        ("    validator: crc32", "unknown validator 'crc32'"),
        ("    patern: x", "unknown key 'patern'"),
        ("    keys: '(unclosed'", "keys does not compile"),
        ("    allow: ['[z-a]']", "allow pattern does not compile"),
    ])
    func invalidFieldsAreRejected(line: String, message: String) throws {
        var rule = Self.validRule
        if line.hasPrefix("    kind:") {
            rule = rule.replacingOccurrences(of: "    kind: identifier", with: line)
        } else {
            rule += "\n" + line
        }
        let error = try #require(Self.parseError(Self.layer(rule)))
        #expect(error.description.contains(message), "\(error.description)")
        #expect(error.ruleID == "ticket-id")
    }

    @Test func ruleWithoutDetectionIsRejected() throws {
        let rule = Self.validRule.replacingOccurrences(of: "    pattern: 'TCK-[0-9]{6}'\n", with: "")
        let error = try #require(Self.parseError(Self.layer(rule)))
        #expect(error.description.contains("detects nothing"))
    }

    @Test func ruleWithoutExamplesIsRejected() throws {
        let rule = Self.validRule.replacingOccurrences(of: "    examples:\n      redact: ['see TCK-123456']", with: "")
        let error = try #require(Self.parseError(Self.layer(rule)))
        #expect(error.description.contains("examples"))
    }

    @Test func topLevelErrorsNameTheKey() throws {
        let wrongVersion = try #require(Self.parseError("version: 2\nid: x\ndescription: y\nkeywords: [a]"))
        #expect(wrongVersion.path == "version")
        #expect(wrongVersion.line == 1)
        let badID = try #require(Self.parseError("version: 1\nid: Not_Kebab\ndescription: y\nkeywords: [a]"))
        #expect(badID.path == "id")
        let empty = try #require(Self.parseError("version: 1\nid: x\ndescription: y\n"))
        #expect(empty.description.contains("no rules, keywords, allowlists, switch-off or allowlist-mode"))
        let invalid = try #require(Self.parseError("version: 1\nid: [x\n"))
        #expect(invalid.description.contains("invalid YAML"))
    }

    @Test func extraLayerAddsRulesAndKeywords() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let extra = folder.appendingPathComponent("site.yaml")
        let keywords = "keywords: ['Globex Corporation', globex]\n"
        try Self.layer(Self.validRule, keywords: keywords).write(to: extra, atomically: true, encoding: .utf8)

        let ruleset = try Ruleset.load(default: TestSupport.defaultRulesetURL, extra: [extra])
        #expect(ruleset.rules.first?.id == "ticket-id", "operator rules come first")
        #expect(ruleset.keywords == ["Globex Corporation", "globex"])
        #expect(ruleset.layers.map(\.id) == ["waka-diag-default", "site-extra"])

        let published = try #require(ruleset.publishableText)
        #expect(published.contains("site-extra: rules ticket-id; 2 keywords"))
        #expect(!published.contains("Globex"), "keywords never leave the site")

        let redactor = TestSupport.makeRedactor(ruleset)
        let output = redactor.redactText("Globex Corporation ticket TCK-123456; globex_requests_total; GLOBEX.", file: "x")
        #expect(!output.lowercased().contains("globex"), "\(output)")
        #expect(!output.contains("TCK-123456"))
        #expect(output.contains("_requests_total"))
        #expect(redactor.report.total(for: Ruleset.keywordsRuleID) == 3)
    }

    @Test func extraLayerCanDisableDefaultRuleWithReason() throws {
        let text = """
            version: 1
            id: site-extra
            description: Site rules.
            rules:
              - id: us-ssn
                kind: national-id
                description: Off here.
                pattern: 'x'
                enabled: false
                reason: No US customers; the pattern hits our order numbers.
                examples:
                  redact: ['x']
            """
        let layer = try Ruleset.parse(text, source: "site.yaml")
        let merged = TestSupport.defaultRuleset.merging(layer)
        #expect(merged.rules.count == TestSupport.defaultRuleset.rules.count)
        #expect(merged.disabledRules.map(\.id) == ["us-ssn"])
        let output = TestSupport.makeRedactor(merged).redactText("order 123-45-6789", file: "x")
        #expect(output == "order 123-45-6789")
    }

    @Test func missingFileIsNoInput() {
        #expect(throws: DiagError.self) {
            try Ruleset.load(default: URL(fileURLWithPath: "/nonexistent/default.yaml"))
        }
    }
}

extension RulesetLoadingTests {
    @Test func blankAllowPatternIsRejected() throws {
        let error = try #require(Self.parseError(Self.layer(Self.validRule + "\n    allow: ['  ']")))
        #expect(error.path == "rules[0].allow[0]")
        #expect(error.description.contains("must not be blank"))
    }

    @Test func childKeysRuleLoads() throws {
        let text = Self.layer("""
              - id: team-map
                kind: identifier
                description: Teams as keys.
                child-keys: '^teams$'
                examples:
                  redact: ["teams:\\n  blue-team:\\n    size: 3\\n"]
            """)
        let ruleset = try Ruleset.parse(text, source: "x")
        #expect(ruleset.rules.first?.childKeys == "^teams$")
        #expect(ruleset.checkExamples().isEmpty)
    }
}

/// A layer's `switch-off` list: rules of an earlier file switched off by id and reason, without
/// restating them.
extension RulesetLoadingTests {
    static func switchOffLayer(_ entries: String) -> String {
        "version: 1\nid: site-off\ndescription: Site switches.\nswitch-off:\n" + entries + "\n"
    }

    static func load(layer text: String) throws -> Ruleset {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("site-off.yaml")
        try Data(text.utf8).write(to: url)
        return try Ruleset.load(default: TestSupport.defaultRulesetURL, extra: [url])
    }

    @Test func switchOffDisablesAnEarlierRuleWithItsReason() throws {
        let text = Self.switchOffLayer("  - id: us-ssn\n    reason: No US customers; the pattern hits our order numbers.")
        let merged = try Self.load(layer: text)
        #expect(merged.rules.count == TestSupport.defaultRuleset.rules.count)
        #expect(merged.disabledRules == [DisabledRule(id: "us-ssn", reason: "No US customers; the pattern hits our order numbers.")])
        #expect(TestSupport.makeRedactor(merged).redactText("order 123-45-6789", file: "x") == "order 123-45-6789")
        #expect(TestSupport.makeRedactor().redactText("order 123-45-6789", file: "x") != "order 123-45-6789")
        let published = try #require(merged.publishableText)
        #expect(published.contains("# - site-off: no rules; 0 keywords; switches off us-ssn"), "\(published)")

        let validator = JSONSchemaValidator(schemaFolder: TestSupport.repositoryRoot.appendingPathComponent("Schemas"))
        #expect(try validator.validate(try YAMLDocument.parse(text).jsonValue(), schemaFile: "ruleset.schema.json").isEmpty)
        let reasonless = try YAMLDocument.parse(Self.switchOffLayer("  - id: us-ssn")).jsonValue()
        #expect(!(try validator.validate(reasonless, schemaFile: "ruleset.schema.json")).isEmpty)
    }

    @Test func switchOffOfUnknownRuleNamesTheEntry() throws {
        do {
            _ = try Self.load(layer: Self.switchOffLayer("  - id: us-sn\n    reason: typo"))
            Issue.record("a switch-off of a rule that does not exist loaded")
        } catch let error as RulesetError {
            #expect(error.path == "switch-off[0].id")
            #expect(error.description.contains("no rule 'us-sn' in the base ruleset or an earlier layer"), "\(error.description)")
        }
    }

    @Test func switchOffEntriesAreChecked() throws {
        let reasonless = try #require(Self.parseError(Self.switchOffLayer("  - id: us-ssn")))
        #expect(reasonless.path == "switch-off[0]")
        #expect(reasonless.description.contains("needs a reason"))

        let twice = try #require(Self.parseError(Self.switchOffLayer("  - {id: us-ssn, reason: a}\n  - {id: us-ssn, reason: b}")))
        #expect(twice.path == "switch-off[1].id")

        let own = Self.layer(Self.validRule) + "switch-off:\n  - {id: ticket-id, reason: not needed}\n"
        let ownError = try #require(Self.parseError(own))
        #expect(ownError.description.contains("is defined in this file"), "\(ownError.description)")

        let extraKey = try #require(Self.parseError(Self.switchOffLayer("  - {id: us-ssn, reason: a, enabled: false}")))
        #expect(extraKey.path.hasPrefix("switch-off[0]"), "\(extraKey.path)")
    }

    /// A file with a `switch-off` list is a layer, so loading it as the base ruleset fails with
    /// an error that calls it a layer.
    @Test func switchOffInBaseRulesetIsRejected() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("site.yaml")
        try Data((Self.layer(Self.validRule) + "switch-off:\n  - {id: us-ssn, reason: none here}\n").utf8).write(to: url)
        do {
            _ = try Ruleset.load(default: url)
            Issue.record("a base ruleset with a switch-off list loaded")
        } catch let error as RulesetError {
            #expect(error.description.contains("this file is a layer, not a base ruleset"), "\(error.description)")
        }
    }
}
