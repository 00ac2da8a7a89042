import DiagRedaction
import DiagSupport
import Foundation
import Testing

/// Allowlist mode on YAML and JSON configs: unnamed fields replaced, reviewed fields kept,
/// comments and layout intact, and the report's counts.
struct AllowlistRedactionTests {
    static let marker = Allowlist.notAllowlistedMarker

    static func ruleset(allowlistMode: Bool) -> Ruleset {
        var ruleset = TestSupport.defaultRuleset
        ruleset.allowlistMode = allowlistMode
        return ruleset
    }

    static func redactor(allowlistMode: Bool) -> Redactor {
        TestSupport.makeRedactor(ruleset(allowlistMode: allowlistMode))
    }

    /// The demo's Prometheus configuration with a field that no rule names.
    static let prometheusConfig = """
        # Prometheus configuration of the lagos-dc1 site.
        global:
          scrape_interval: 15s   # every 15 s
          evaluation_interval: 30s
          external_labels:
            site: lagos-dc1
          new_vendor_thing: s3cr3t-value

        rule_files:
          - "/etc/prometheus/rules/payments.yml"

        scrape_configs:
          - job_name: node
            metrics_path: /metrics
            honor_labels: true
            basic_auth:
              username: scrape-agent
              password: N0deScr4pe-PLANTED-77c1
            static_configs:
              - targets: ["10.20.30.41:9100"]
                labels:
                  tenant_id: zenith-retail
                  owner_email: ops.lead@acme-bank.ng
            relabel_configs:
              - source_labels: [__address__]
                target_label: instance
                regex: "(payments-internal).*"
            vendor_extension:
              license_blob: LIC-7f3a-PLANTED-9911

        """

    @Test func newFieldIsKeptWhenModeIsOff() throws {
        let output = try Self.redactor(allowlistMode: false).redactYAML(Self.prometheusConfig, file: "config/prometheus/prometheus.yml")
        #expect(output.contains("new_vendor_thing: s3cr3t-value"), "today's rules name no such field")
        #expect(output.contains("license_blob: LIC-7f3a-PLANTED-9911"))
        #expect(!output.contains(Self.marker))
    }

    @Test func newFieldIsReplacedWhenModeIsOn() throws {
        let output = try Self.redactor(allowlistMode: true).redactYAML(Self.prometheusConfig, file: "config/prometheus/prometheus.yml")
        #expect(!output.contains("s3cr3t-value"))
        #expect(!output.contains("LIC-7f3a-PLANTED-9911"))
        #expect(output.contains("new_vendor_thing: \(Self.marker)"), "the key stays so the structure can be reviewed")
        #expect(output.contains("license_blob: \(Self.marker)"))
    }

    @Test func allowlistedFieldsSurvive() throws {
        let output = try Self.redactor(allowlistMode: true).redactYAML(Self.prometheusConfig, file: "config/prometheus/prometheus.yml")
        let value = try YAMLDocument.parse(output).jsonValue()
        #expect(value["global"]?["scrape_interval"]?.stringValue == "15s")
        #expect(value["global"]?["evaluation_interval"]?.stringValue == "30s")
        let job = value["scrape_configs"]?[0]
        #expect(job?["job_name"]?.stringValue == "node")
        #expect(job?["metrics_path"]?.stringValue == "/metrics")
        #expect(job?["honor_labels"] == .bool(true))
        #expect(job?["relabel_configs"]?[0]?["target_label"]?.stringValue == "instance")
        #expect(job?["relabel_configs"]?[0]?["source_labels"]?[0]?.stringValue == "__address__")
        #expect(value["rule_files"]?[0]?.stringValue == "/etc/prometheus/rules/payments.yml")
    }

    @Test func allowlistedValuesStillPassTheRules() throws {
        let output = try Self.redactor(allowlistMode: true).redactYAML(Self.prometheusConfig, file: "config/prometheus/prometheus.yml")
        let value = try YAMLDocument.parse(output).jsonValue()
        let target = try #require(value["scrape_configs"]?[0]?["static_configs"]?[0]?["targets"]?[0]?.stringValue)
        #expect(target.hasSuffix(":9100"))
        #expect(target != "10.20.30.41:9100", "the IPv4 rule replaces the allowlisted target's address")
    }

    @Test func unlistedValuesAreReplacedByTypeOrMarker() throws {
        let output = try Self.redactor(allowlistMode: true).redactYAML(Self.prometheusConfig, file: "config/prometheus/prometheus.yml")
        let value = try YAMLDocument.parse(output).jsonValue()
        let job = value["scrape_configs"]?[0]
        let labels = job?["static_configs"]?[0]?["labels"]
        #expect(labels?["tenant_id"]?.stringValue?.hasPrefix("tenant-") == true, "a key rule's typed pseudonym wins")
        #expect(job?["basic_auth"]?["username"]?.stringValue?.hasPrefix("user-") == true)
        #expect(job?["basic_auth"]?["password"]?.stringValue?.hasPrefix("<redacted:secret-value:") == true)
        #expect(labels?["owner_email"]?.stringValue == Self.marker, "no key rule names owner_email")
        #expect(job?["relabel_configs"]?[0]?["regex"]?.stringValue == Self.marker)
        #expect(value["global"]?["external_labels"]?["site"]?.stringValue == Self.marker)
    }

    @Test func commentsAndLayoutSurvive() throws {
        let output = try Self.redactor(allowlistMode: true).redactYAML(Self.prometheusConfig, file: "config/prometheus/prometheus.yml")
        let before = Self.prometheusConfig.split(separator: "\n", omittingEmptySubsequences: false)
        let after = output.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(before.count == after.count, "no line is added or removed")
        for (old, new) in zip(before, after) {
            let indent = { (line: Substring) in line.prefix { $0 == " " || $0 == "-" }.count }
            #expect(indent(old) == indent(new), "indentation of '\(old)'")
            if let colon = old.firstIndex(of: ":"), !old.contains("\"") {
                #expect(new.hasPrefix(old[..<colon]), "the key of '\(old)' stays")
            }
        }
        #expect(after[0] == "# Prometheus configuration of the lagos-dc1 site.")
        #expect(after[2] == "  scrape_interval: 15s   # every 15 s")
    }

    @Test func redactingTheOutputAgainChangesNothing() throws {
        let first = Self.redactor(allowlistMode: true)
        let once = try first.redactYAML(Self.prometheusConfig, file: "prometheus.yml")
        let second = Self.redactor(allowlistMode: true)
        second.remember(first.pseudonymMap)
        let twice = try second.redactYAML(once, file: "prometheus.yml")
        #expect(twice == once)
        #expect(second.report.total(for: Allowlist.reportRuleID) == 0)
    }

    @Test func fileWithoutAllowlistGetsRulesOnly() throws {
        let redactor = Self.redactor(allowlistMode: true)
        let output = try redactor.redactYAML("new_vendor_thing: s3cr3t-value\n", file: "config/files/app/settings.yml")
        #expect(output == "new_vendor_thing: s3cr3t-value\n")
        #expect(redactor.allowlist(for: "config/files/app/settings.yml") == nil)
        #expect(redactor.allowlist(for: "config/prometheus/prometheus.yml")?.id == "prometheus-config")
    }

    @Test func nullsBooleansAndEmptyStringsStay() throws {
        let text = "global:\n  a: ~\n  b: true\n  c: ''\n  d: 42\n  e: 'true'\n  f: no\n"
        let output = try Self.redactor(allowlistMode: true).redactYAML(text, file: "prometheus.yml")
        let value = try YAMLDocument.parse(output).jsonValue()
        #expect(value["global"]?["a"] == .null)
        #expect(value["global"]?["b"] == .bool(true))
        #expect(value["global"]?["c"]?.stringValue == "")
        #expect(value["global"]?["d"]?.stringValue == Self.marker, "a number can be a PIN or an account number")
        #expect(value["global"]?["e"]?.stringValue == Self.marker, "a quoted 'true' is a string")
        #expect(value["global"]?["f"]?.stringValue == Self.marker, "only true and false count as booleans")
    }

    @Test func reportCountsReplacementsPerFile() throws {
        let redactor = Self.redactor(allowlistMode: true)
        _ = try redactor.redactYAML(Self.prometheusConfig, file: "config/prometheus/prometheus.yml")
        _ = try redactor.redactYAML("x: 1\n", file: "config/files/other.yml")
        let report = redactor.reportJSON
        #expect(report["allowlist"]?["enabled"] == .bool(true))
        let entry = report["allowlist"]?["files"]?["config/prometheus/prometheus.yml"]
        #expect(entry?["allowlist"]?.stringValue == "prometheus-config")
        // external label site, owner_email, relabel regex, new_vendor_thing and license_blob.
        #expect(entry?["replaced"]?.intValue == 5)
        #expect(report["allowlist"]?["files"]?["config/files/other.yml"] == nil)
        #expect(redactor.report.total(for: Allowlist.reportRuleID) == 5)
    }

    @Test func reportHasNoAllowlistSectionWhenModeIsOff() throws {
        let redactor = Self.redactor(allowlistMode: false)
        _ = try redactor.redactYAML(Self.prometheusConfig, file: "config/prometheus/prometheus.yml")
        #expect(redactor.reportJSON["allowlist"] == nil)
    }

    @Test func notAllowlistedValuesAreNotLeakCheckValues() throws {
        let redactor = Self.redactor(allowlistMode: true)
        _ = try redactor.redactYAML("global:\n  d: 5m\n", file: "prometheus.yml")
        #expect(!redactor.replacedValues.contains("5m"), "an ordinary word would stop every seal")
    }
}
