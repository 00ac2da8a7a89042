import DiagRedaction
import DiagSupport
import Foundation
import Testing

/// The default allowlists on the demo's real configs: no planted identifier survives, and the
/// fields support reads (timings, job and receiver names, PromQL, metric names) do.
struct AllowlistDefaultsTests {
    static let plantedIdentifiers: [String] = {
        let url = TestSupport.repositoryRoot.appendingPathComponent("demo/planted-identifiers.txt")
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init).filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }()

    static func redact(_ path: String, as file: String) throws -> (output: String, redactor: Redactor) {
        let url = TestSupport.repositoryRoot.appendingPathComponent(path)
        var ruleset = TestSupport.defaultRuleset
        ruleset.allowlistMode = true
        let redactor = TestSupport.makeRedactor(ruleset)
        return (try redactor.redactYAML(try String(contentsOf: url, encoding: .utf8), file: file), redactor)
    }

    /// Alertmanager 0.25's rendering of demo/alertmanager.yml.in (from `/api/v2/status`), cut to
    /// the parts with values, plus one field no rule names.
    static let renderedAlertmanager = """
        global:
          resolve_timeout: 1m
          smtp_hello: localhost
          smtp_require_tls: true
          pagerduty_url: https://events.pagerduty.com/v2/enqueue
        route:
          receiver: local-webhook
          group_by:
          - alertname
          - tenant_id
          continue: false
          group_wait: 1s
          routes:
          - receiver: vendor-escalation
            matchers:
            - tenant_id="acme-bank-ng"
            routes:
            - receiver: local-webhook
              group_wait: 30s
        receivers:
        - name: local-webhook
          webhook_configs:
          - send_resolved: true
            url: http://127.0.0.1:19999/alerts
            max_alerts: 0
        - name: vendor-escalation
          email_configs:
          - to: ops.lead@acme-bank.ng
            smarthost: smtp.acme-bank.ng:587
            auth_password: <secret>
            html: '{{ template "email.default.html" . }}'
          slack_configs:
          - channel: '#acme-bank-ng-oncall'
            api_url: <secret>
            new_vendor_thing: s3cr3t-value

        """

    @Test func plantedListIsRead() {
        #expect(Self.plantedIdentifiers.count > 20)
    }

    @Test func productionAlertmanagerLeaksNothing() throws {
        let (output, _) = try Self.redact("demo/configs/alertmanager-prod.yml", as: "config/files/demo/alertmanager-prod.yml")
        for planted in Self.plantedIdentifiers { #expect(!output.contains(planted), "\(planted)") }
        let value = try YAMLDocument.parse(output).jsonValue()
        #expect(value["global"]?["resolve_timeout"]?.stringValue == "5m")
        #expect(value["route"]?["group_by"]?[0]?.stringValue == "alertname")
        #expect(value["route"]?["receiver"]?.stringValue == "ops-email")
        #expect(value["receivers"]?[0]?["name"]?.stringValue == "ops-email")
        let matcher = try #require(value["route"]?["routes"]?[0]?["matchers"]?[0]?.stringValue)
        #expect(matcher.hasPrefix("tenant_id=\"tenant-"), "the matcher stays, its tenant is replaced")
        let channel = try #require(value["receivers"]?[2]?["slack_configs"]?[0]?["channel"]?.stringValue)
        #expect(channel.hasPrefix("id-"), "the channel rule's typed pseudonym wins over the marker")
    }

    @Test func renderedAlertmanagerKeepsRoutingFields() throws {
        var ruleset = TestSupport.defaultRuleset
        ruleset.allowlistMode = true
        let redactor = TestSupport.makeRedactor(ruleset)
        let output = try redactor.redactYAML(Self.renderedAlertmanager, file: "config/alertmanager/alertmanager.yml")
        for planted in Self.plantedIdentifiers { #expect(!output.contains(planted), "\(planted)") }
        #expect(!output.contains("s3cr3t-value"))

        let value = try YAMLDocument.parse(output).jsonValue()
        #expect(value["global"]?["pagerduty_url"]?.stringValue == "https://events.pagerduty.com/v2/enqueue")
        #expect(value["global"]?["smtp_hello"]?.stringValue == Allowlist.notAllowlistedMarker)
        let nested = value["route"]?["routes"]?[0]?["routes"]?[0]
        #expect(nested?["receiver"]?.stringValue == "local-webhook", "route.routes[].**.receiver reaches any depth")
        #expect(nested?["group_wait"]?.stringValue == "30s")
        let webhook = value["receivers"]?[0]?["webhook_configs"]?[0]
        #expect(webhook?["max_alerts"] == .int(0))
        #expect(webhook?["url"]?.stringValue == Allowlist.notAllowlistedMarker)
        let email = value["receivers"]?[1]?["email_configs"]?[0]
        #expect(email?["html"]?.stringValue == Allowlist.notAllowlistedMarker)
        #expect(email?["auth_password"]?.stringValue?.hasPrefix("<redacted:") == true)
    }

    @Test func ruleFileKeepsPromQLAndMetricNames() throws {
        let (output, redactor) = try Self.redact("demo/rules.yml", as: "config/files/demo/rules.yml")
        for planted in Self.plantedIdentifiers { #expect(!output.contains(planted), "\(planted)") }
        #expect(redactor.allowlist(for: "config/files/demo/rules.yml")?.id == "prometheus-rules")

        let value = try YAMLDocument.parse(output).jsonValue()
        let rule = value["groups"]?[0]?["rules"]?[0]
        #expect(rule?["alert"]?.stringValue == "DemoStartupErrorBurst")
        #expect(rule?["expr"]?.stringValue?.contains("process_start_time_seconds{job=\"prometheus\"}") == true)
        #expect(rule?["labels"]?["severity"]?.stringValue == "critical")
        #expect(rule?["labels"]?["team"]?.stringValue == Allowlist.notAllowlistedMarker)
        #expect(rule?["annotations"]?["summary"]?.stringValue == Allowlist.notAllowlistedMarker)
        let record = try #require(value["groups"]?[1]?["rules"]?[0]?["record"]?.stringValue)
        #expect(record.hasPrefix("tenant:"), "the record name is allowlisted, so no marker replaces it")
    }

    @Test func demoPrometheusTemplateKeepsScrapeSettings() throws {
        let (output, _) = try Self.redact("demo/prometheus.yml.in", as: "config/files/demo/prometheus.yml")
        for planted in Self.plantedIdentifiers { #expect(!output.contains(planted), "\(planted)") }
        let value = try YAMLDocument.parse(output).jsonValue()
        #expect(value["global"]?["scrape_interval"]?.stringValue == "1s")
        #expect(value["scrape_configs"]?.arrayValue?.compactMap { $0["job_name"]?.stringValue } == ["prometheus", "node", "alertmanager"])
        #expect(output.contains("# Node exporter ignores the credentials;"), "comments stay")
    }
}
