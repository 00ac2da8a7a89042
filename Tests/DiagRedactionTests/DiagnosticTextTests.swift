import DiagRedaction
import Foundation
import Testing

/// Text that names no one stays as it was, even where it looks like a key and a value.
struct DiagnosticTextTests {
    @Test func recordingRuleNamesAreKept() {
        let redactor = TestSupport.makeRedactor()
        let line = "record: tenant:http_requests:rate5m expr: sum by (tenant) (rate(http_requests_total[5m]))"
        #expect(redactor.redactText(line, file: "rules.yml") == line)
        let alert = #"tenant:http_errors:ratio_rate1h{tenant="zenpay-ng"} > 14.4 * 0.001"#
        let redacted = redactor.redactText(alert, file: "rules.yml")
        #expect(redacted.hasPrefix("tenant:http_errors:ratio_rate1h{tenant=\"tenant-"), "\(redacted)")
        #expect(redacted.hasSuffix("\"} > 14.4 * 0.001"), "\(redacted)")
        #expect(redactor.redactText("level=info tenant:acme-corp", file: "a.log") != "level=info tenant:acme-corp")
    }

    /// A base URL has no secret part; swept again, as `collect` sweeps a bundle, it stays as it is.
    @Test func baseWebhookURLIsStable() throws {
        let redactor = TestSupport.makeRedactor()
        let text = "telegram:\n  api_url: https://api.telegram.org\nslack:\n  slack_api_url: https://hooks.slack.com/\n"
        let first = String(decoding: try redactor.redactFile(name: "am.yml", data: Data(text.utf8), sweepsKnownValues: true), as: UTF8.self)
        #expect(first == text, "\(first)")
        let swept = KnownValueSweep(redactor: redactor).apply(to: Data(first.utf8)).0
        #expect(String(decoding: swept, as: UTF8.self) == text)
    }

    @Test func fieldNamedKeyIsNotASecret() throws {
        let text = "actions:\n  - key: tenant\n    value: acme-zen\n    action: insert\n"
        let output = try TestSupport.makeRedactor().redactYAML(text, file: "otel.yaml")
        #expect(output.contains("  - key: tenant\n"), "\(output)")
        #expect(output.contains("    value: tenant-"), "\(output)")
        #expect(output.contains("    action: insert\n"))
    }
}
