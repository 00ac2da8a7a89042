import DiagRedaction
import DiagSupport
import Foundation
import Testing

/// The `allowlists` section and `allowlist-mode`: parsing, errors, layers, the schema, and JSON
/// documents under an operator's allowlist.
struct AllowlistRulesetTests {
    static func layer(_ body: String) -> String {
        "version: 1\nid: site-allowlists\ndescription: Site allowlists.\n" + body
    }

    static let httpClientAllowlist = """
        allowlist-mode: true
        allowlists:
          - id: http-clients
            description: The checkout service's HTTP client settings.
            files: ['http-client*.json']
            keep:
              - clients[].name
              - clients[].timeout_ms
              - clients[].headers.Accept
              - clients[].base_url

        """

    static func parseError(_ text: String) -> RulesetError? {
        do {
            _ = try Ruleset.parse(text, source: "/x/site.yaml")
            return nil
        } catch let error as RulesetError {
            return error
        } catch {
            Issue.record("unexpected error type: \(error)")
            return nil
        }
    }

    @Test func defaultRulesetHasReviewedAllowlistsAndModeOff() throws {
        let ruleset = TestSupport.defaultRuleset
        #expect(!ruleset.allowlistMode)
        #expect(ruleset.allowlists.map(\.id) == ["prometheus-rules", "prometheus-config", "alertmanager-config"])
        for allowlist in ruleset.allowlists {
            #expect(!allowlist.keep.isEmpty, "\(allowlist.id)")
            #expect(!allowlist.keep.contains { $0.text == "**" }, "\(allowlist.id) must not keep everything")
        }
    }

    @Test func defaultRulesetMatchesTheSchema() throws {
        let text = try String(contentsOf: TestSupport.defaultRulesetURL, encoding: .utf8)
        let value = try YAMLDocument.parse(text).jsonValue()
        let validator = JSONSchemaValidator(schemaFolder: TestSupport.repositoryRoot.appendingPathComponent("Schemas"))
        let violations = try validator.validate(value, schemaFile: "ruleset.schema.json")
        #expect(violations.isEmpty, "\(violations)")
    }

    @Test func layerWithOnlyAllowlistsMatchesTheSchema() throws {
        let value = try YAMLDocument.parse(Self.layer(Self.httpClientAllowlist)).jsonValue()
        let validator = JSONSchemaValidator(schemaFolder: TestSupport.repositoryRoot.appendingPathComponent("Schemas"))
        #expect(try validator.validate(value, schemaFile: "ruleset.schema.json").isEmpty)

        let broken = try YAMLDocument.parse(Self.layer(Self.httpClientAllowlist.replacingOccurrences(of: "clients[].name", with: "clients[0].name"))).jsonValue()
        #expect(!(try validator.validate(broken, schemaFile: "ruleset.schema.json")).isEmpty, "the schema rejects a list index too")
    }

    @Test func layerTurnsModeOnAndAddsItsAllowlistFirst() throws {
        let ruleset = TestSupport.defaultRuleset.merging(try Ruleset.parse(Self.layer(Self.httpClientAllowlist), source: "site.yaml"))
        #expect(ruleset.allowlistMode)
        #expect(ruleset.allowlists.first?.id == "http-clients")
        #expect(ruleset.allowlists.count == 4)
        let text = try #require(ruleset.publishableText)
        #expect(text.contains("# - site-allowlists: no rules; 0 keywords; allowlists http-clients; allowlist-mode true"))
        #expect(!text.contains("clients[].timeout_ms"), "an operator layer's contents stay on the site")
    }

    @Test func layerReplacesAnAllowlistWithTheSameID() throws {
        let body = """
            allowlists:
              - id: prometheus-config
                description: Only the intervals.
                files: [prometheus.yml]
                keep: [global.scrape_interval]

            """
        let ruleset = TestSupport.defaultRuleset.merging(try Ruleset.parse(Self.layer(body), source: "site.yaml"))
        #expect(!ruleset.allowlistMode, "a layer that does not set the mode leaves it as it was")
        let replaced = try #require(ruleset.allowlists.first { $0.id == "prometheus-config" })
        #expect(replaced.keep.map(\.text) == ["global.scrape_interval"])
        #expect(ruleset.allowlists.count == 3)
    }

    @Test func laterLayerCanTurnModeOff() throws {
        let on = try Ruleset.parse(Self.layer("allowlist-mode: true\n"), source: "on.yaml")
        let off = try Ruleset.parse(Self.layer("allowlist-mode: false\n"), source: "off.yaml")
        #expect(TestSupport.defaultRuleset.merging(on).allowlistMode)
        #expect(!TestSupport.defaultRuleset.merging(on).merging(off).allowlistMode)
    }

    @Test(arguments: [
        ("allowlist-mode: maybe\n", "allowlist-mode", "expected true or false"),
        ("allowlists: {}\n", "allowlists", "expected a list"),
        ("allowlists:\n  - id: Bad_ID\n    description: d\n    files: [a.yml]\n    keep: [a]\n", "allowlists[0].id", "kebab-case"),
        ("allowlists:\n  - id: a\n    description: d\n    files: [a.yml]\n", "allowlists[0].keep", "at least one key path"),
        ("allowlists:\n  - id: a\n    description: d\n    keep: [a]\n", "allowlists[0].files", "at least one file glob"),
        ("allowlists:\n  - id: a\n    description: d\n    files: [' ']\n    keep: [a]\n", "allowlists[0].files[0]", "must not be blank"),
        ("allowlists:\n  - id: a\n    description: d\n    files: [a.yml]\n    keep: ['a[1]']\n", "allowlists[0].keep[0]", "list indexes are not supported"),
        ("allowlists:\n  - id: a\n    description: d\n    files: [a.yml]\n    keep: [a, b, a]\n", "allowlists[0].keep[2]", "listed twice"),
        ("allowlists:\n  - id: a\n    description: d\n    files: [a.yml]\n    keep: [a]\n    paths: [b]\n", "allowlists[0].paths", "unknown key 'paths'"),
        ("allowlists:\n  - id: a\n    files: [a.yml]\n    keep: [a]\n", "allowlists[0]", "missing required key 'description'"),
        ("allowlists:\n  - id: a\n    description: d\n    files: [a.yml]\n    keep: [a]\n  - id: a\n    description: d\n    files: [b.yml]\n    keep: [b]\n", "allowlists[1].id", "duplicate allowlist id"),
    ])
    func invalidSectionIsRejected(body: String, path: String, reason: String) throws {
        let error = try #require(Self.parseError(Self.layer(body)))
        #expect(error.path == path, "\(error)")
        #expect(error.description.contains(reason), "\(error)")
        #expect(error.description.contains("/x/site.yaml"))
    }

    @Test func invalidPathErrorNamesTheLine() throws {
        let body = "allowlists:\n  - id: a\n    description: d\n    files: [a.yml]\n    keep:\n      - good.path\n      - 'bad..path'\n"
        let error = try #require(Self.parseError(Self.layer(body)))
        #expect(error.line == 10)
        #expect(error.description.contains("invalid key path 'bad..path'"))
    }

    static func clientRedactor() throws -> Redactor {
        let ruleset = TestSupport.defaultRuleset.merging(try Ruleset.parse(Self.layer(Self.httpClientAllowlist), source: "site.yaml"))
        return TestSupport.makeRedactor(ruleset)
    }

    static let clientDocument = """
        {"comment": "HTTP clients of the checkout service.",
         "clients": [
           {"name": "ledger", "base_url": "https://ledger.zenith-retail.internal:8443/v2",
            "headers": {"Accept": "application/json", "X-Tenant-ID": "zenith-retail", "X-Vendor-Seal": "s3cr3t-value"},
            "timeout_ms": 2500, "retries": 3, "verbose": false, "proxy": null,
            "fallback_numbers": ["+234 809 555 0142"]}
         ]}
        """

    @Test func jsonDocumentKeepsOnlyAllowlistedValues() throws {
        let redactor = try Self.clientRedactor()
        let output = try redactor.redactFile(name: "config/files/demo/http-client.json", data: Data(Self.clientDocument.utf8))
        let value = try JSONValue.parse(output)
        let client = value["clients"]?[0]
        #expect(client?["name"]?.stringValue == "ledger")
        #expect(client?["timeout_ms"] == .int(2500))
        #expect(client?["headers"]?["Accept"]?.stringValue == "application/json")
        #expect(client?["headers"]?["X-Vendor-Seal"]?.stringValue == Allowlist.notAllowlistedMarker)
        #expect(client?["headers"]?["X-Tenant-ID"]?.stringValue?.hasPrefix("tenant-") == true)
        #expect(client?["retries"]?.stringValue == Allowlist.notAllowlistedMarker, "a number outside the list")
        #expect(client?["verbose"] == .bool(false))
        #expect(client?["proxy"] == .null)
        #expect(client?["fallback_numbers"]?[0]?.stringValue == Allowlist.notAllowlistedMarker)
        #expect(value["comment"]?.stringValue == Allowlist.notAllowlistedMarker)
        let baseURL = try #require(client?["base_url"]?.stringValue)
        #expect(baseURL.hasPrefix("https://host-"), "an allowlisted URL still has its host replaced")
        #expect(!String(decoding: output, as: UTF8.self).contains("s3cr3t-value"))
        #expect(redactor.reportJSON["allowlist"]?["files"]?["config/files/demo/http-client.json"]?["replaced"]?.intValue == 4)
    }

    @Test func jsonDocumentIsUnchangedByModeOffLayer() throws {
        let ruleset = TestSupport.defaultRuleset.merging(
            try Ruleset.parse(Self.layer(Self.httpClientAllowlist.replacingOccurrences(of: "allowlist-mode: true", with: "allowlist-mode: false")), source: "site.yaml"))
        let output = try TestSupport.makeRedactor(ruleset).redactFile(
            name: "http-client.json", data: Data(Self.clientDocument.utf8))
        #expect(String(decoding: output, as: UTF8.self).contains("s3cr3t-value"), "no rule names X-Vendor-Seal")
    }
}
