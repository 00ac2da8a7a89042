import DiagCollect
@testable import DiagCore
import DiagSupport
import Foundation
import Testing

/// The tenant guard on documents shaped like the ones Prometheus, Alertmanager and config
/// files give, before anything is redacted.
@Suite struct TenantScopeGuardTests {
    static func result(_ documents: [(String, DocumentContent)]) -> SourceResult {
        SourceResult(
            name: "prometheus", kind: "prometheus", endpoint: "http://127.0.0.1:9090", status: .ok, reason: nil,
            durationSeconds: 0, documents: documents.map { CollectedDocument(path: $0.0, content: $0.1) }, failures: [])
    }

    static func json(_ text: String) throws -> DocumentContent {
        .json(try JSONValue.parse(Data(text.utf8)))
    }

    static func text(of content: DocumentContent) -> String {
        switch content {
        case .json(let value): return value.serializedString(pretty: false)
        case .yaml(let text), .text(let text): return text
        }
    }

    @Test func dropsSmallestItemNamingOtherTenant() throws {
        let rules = try Self.json(
            #"""
            {"groups": [{"name": "demo", "rules": [
              {"name": "A", "labels": {"tenant_id": "acme-bank-ng"}, "alerts": [{"labels": {"tenant_id": "acme-bank-ng"}}]},
              {"name": "B", "labels": {"tenant_id": "zenith-retail"}, "alerts": []},
              {"name": "C", "labels": {}, "alerts": [
                {"labels": {"tenant_id": "acme-bank-ng"}}, {"labels": {"tenant_id": "zenith-retail"}}]},
              {"name": "D", "query": "rate(x{tenant_id!=\"zenith-retail\"}[1m])", "alerts": []}
            ]}]}
            """#)
        let tsdb = try Self.json(
            #"{"seriesCountByLabelValuePair": [{"name": "tenant_id=zenith-retail", "value": 5}, {"name": "job=node", "value": 9}]}"#)
        let guardian = TenantGuard(scope: .tenant("acme-bank-ng"))
        let (results, report) = guardian.apply([Self.result([("prometheus/rules.json", rules), ("prometheus/tsdb-status.json", tsdb)])])

        let kept = Self.text(of: results[0].documents[0].content)
        #expect(!kept.contains("zenith"))
        #expect(kept.contains(#""name":"A""#))
        #expect(!kept.contains(#""name":"B""#))
        #expect(kept.contains(#""name":"C""#), "a rule without a tenant keeps its own tenant's alerts")
        #expect(!kept.contains(#""name":"D""#))
        #expect(report.documents["prometheus/rules.json"]?.otherTenantItems == 3)
        let counts = Self.text(of: results[0].documents[1].content)
        #expect(!counts.contains("zenith"))
        #expect(counts.contains("job=node"))
        #expect(report.otherTenantItems == 4)
        #expect(report.otherIdentifiers == ["zenith-retail"])
    }

    @Test func recomputesAlertTotalsAfterDropping() throws {
        let history = try Self.json(
            #"""
            {"source": "prometheus", "intervals": [
              {"alertname": "Burst", "state": "firing", "labels": {"tenant_id": "acme-bank-ng"}, "open": true, "duration_seconds": 30},
              {"alertname": "Slow", "state": "firing", "labels": {"tenant_id": "zenith-retail"}, "open": false, "duration_seconds": 20}],
             "alerts": [
              {"alertname": "Burst", "state": "firing", "interval_count": 1, "open_count": 1, "total_seconds": 30},
              {"alertname": "Slow", "state": "firing", "interval_count": 1, "open_count": 0, "total_seconds": 20}]}
            """#)
        let (results, _) = TenantGuard(scope: .tenant("acme-bank-ng")).apply([Self.result([("alerts/prometheus-history.json", history)])])
        guard case .json(let document) = results[0].documents[0].content else {
            Issue.record("the history is no longer JSON")
            return
        }
        #expect(document["intervals"]?.arrayValue?.count == 1)
        #expect(document["alerts"]?.arrayValue?.count == 1)
        #expect(document["alerts"]?[0]?["alertname"] == "Burst")
        #expect(document["alerts"]?[0]?["open_count"] == 1)
    }

    @Test func scrubsTextAndLeavesOutNamedFiles() throws {
        let yaml = DocumentContent.yaml("route:\n  routes:\n    - matchers: ['tenant_id=\"zenith-retail\"']\n      receiver: '#Zenith-Retail-alerts'\n")
        let (results, report) = TenantGuard(scope: .tenant("acme-bank-ng")).apply([
            Self.result([
                ("config/alertmanager/alertmanager.yml", yaml),
                ("config/files/zenith-retail.yaml", .yaml("a: 1\n")),
                ("config/files/app.env", .text("TENANT=acme-bank-ng\n")),
            ])
        ])
        #expect(results[0].documents.count == 2, "the file named after another tenant must be left out")
        let scrubbed = Self.text(of: results[0].documents[0].content)
        #expect(!scrubbed.lowercased().contains("zenith-retail"))
        #expect(scrubbed.contains("<redacted:other-tenant>"))
        #expect(report.documents[TenantGuard.namedFilesEntry]?.otherTenantItems == 1)
        #expect(!report.documents.keys.contains { $0.contains("zenith") }, "a dropped file's path must not be recorded")
        #expect(Self.text(of: results[0].documents[1].content) == "TENANT=acme-bank-ng\n")
    }

    @Test func scrubsFailureMessages() throws {
        var failing = Self.result([("alerts/prometheus-active.json", try Self.json(#"[{"labels": {"tenant_id": "zenith-retail"}}]"#))])
        failing.status = .partial
        failing.reason = "query for zenith-retail failed"
        failing.failures = [EndpointFailure(endpoint: "/api/v1/query_range zenith-retail", status: .invalidResponse, reason: "bad tenant_id=\"zenith-retail\"")]
        let (results, report) = TenantGuard(scope: .tenant("acme-bank-ng")).apply([failing])
        #expect(results[0].reason == "query for <redacted:other-tenant> failed")
        #expect(results[0].failures[0].endpoint == "/api/v1/query_range <redacted:other-tenant>")
        #expect(!results[0].failures[0].reason.contains("zenith"))
        #expect(report.documents[BundleLayout.collectionErrors]?.otherTenantItems == 3)
    }

    @Test func keepsOwnNameThatExtendsAnother() throws {
        let alerts = try Self.json(
            #"[{"labels": {"tenant_id": "zenith-retail-eu"}, "annotations": {"summary": "slow for zenith-retail-eu"}}, {"labels": {"tenant_id": "zenith-retail"}}]"#)
        let (results, report) = TenantGuard(scope: .tenant("zenith-retail-eu")).apply([Self.result([("alerts/alertmanager-alerts.json", alerts)])])
        guard case .json(let kept) = results[0].documents[0].content else {
            Issue.record("not JSON")
            return
        }
        #expect(kept.arrayValue?.count == 1)
        #expect(kept[0]?["labels"]?["tenant_id"] == "zenith-retail-eu")
        #expect(report.otherTenantItems == 1)
    }

    @Test func usesReportedIdentifiersForProse() throws {
        let active = try Self.json(#"[{"annotations": {"summary": "noisy neighbour globex-ng"}}, {"annotations": {"summary": "ok"}}]"#)
        var guardian = TenantGuard(scope: .tenant("acme-bank-ng"))
        let (unaware, _) = guardian.apply([Self.result([("alerts/prometheus-active.json", active)])])
        #expect(Self.text(of: unaware[0].documents[0].content).contains("globex-ng"))
        guardian.reportedIdentifiers = ["globex-ng", "acme-bank-ng"]
        let (aware, report) = guardian.apply([Self.result([("alerts/prometheus-active.json", active)])])
        #expect(!Self.text(of: aware[0].documents[0].content).contains("globex-ng"))
        #expect(report.otherIdentifiers == ["globex-ng"])
    }

    @Test func aggregatedDropsTenantSeries() throws {
        let summary = try Self.json(
            #"""
            {"dropped_series_total": 2, "queries": [{"name": "rate", "dropped_series": 2, "dropped_because_of_labels": ["instance"],
              "series": [{"labels": {"job": "api"}}, {"labels": {"job": "api", "tenant_id": "acme-bank-ng"}}, {"labels": {"user_id": "u1"}}]}]}
            """#)
        let history = try Self.json(
            #"{"intervals": [{"alertname": "Burst", "labels": {"tenant_id": "acme-bank-ng", "user_id": "usr_1", "job": "api"}}], "alerts": []}"#)
        let (results, report) = TenantGuard(scope: .aggregated).apply([
            Self.result([("metrics/summary.json", summary), ("alerts/prometheus-history.json", history)])
        ])
        guard case .json(let metrics) = results[0].documents[0].content, case .json(let alerts) = results[0].documents[1].content else {
            Issue.record("not JSON")
            return
        }
        #expect(metrics["queries"]?[0]?["series"]?.arrayValue?.count == 1)
        #expect(metrics["queries"]?[0]?["dropped_series"] == 4)
        #expect(metrics["dropped_series_total"] == 4)
        #expect(metrics["queries"]?[0]?["dropped_because_of_labels"] == ["instance", "tenant_id", "user_id"])
        let labels = alerts["intervals"]?[0]?["labels"]
        #expect(labels?["tenant_id"] == "<redacted:aggregated>")
        #expect(labels?["user_id"] == "<redacted:aggregated>")
        #expect(labels?["job"] == "api")
        #expect(report.perTenantSeries == 2)
        #expect(report.perTenantLabelValues == 2)
        #expect(report.otherTenantItems == 0)
    }

    @Test(arguments: [
        ("ledger.zenith-retail.internal", true), ("tenant_id=\"zenith-retail\"", true), ("#zenith-retail-alerts", true),
        ("ZENITH-RETAIL", true), ("zenithretail", false), ("xzenith-retail", false), ("zenith-retail2", false), ("", false),
    ])
    func matcherBoundaries(_ text: String, _ expected: Bool) {
        #expect(TenantIdentifierMatcher(["zenith-retail"]).matches(text) == expected)
    }

    @Test func matcherIgnoresShortIdentifiersAndInvalidUTF8() {
        #expect(!TenantIdentifierMatcher(["eu"]).matches("region eu"))
        let bytes = Data([0xFF, 0xFE]) + Data(" zenith-retail ".utf8) + Data([0xC3])
        let matcher = TenantIdentifierMatcher(["zenith-retail"])
        #expect(matcher.matches(bytes))
        let (replaced, count) = matcher.replacing(in: bytes, with: "X")
        #expect(count == 1)
        #expect(replaced == Data([0xFF, 0xFE]) + Data(" X ".utf8) + Data([0xC3]))
    }

    @Test func scannerReadsLabelPairs() {
        let values = TenantMentionScanner.values(
            in: #"x{tenant_id!="a-1"} tenant: b_2 "tenant_id": "c.3" tenant_name=`d` var-tenant=e tenant limits"#)
        #expect(values == ["a-1", "b_2", "c.3", "d"])
    }
}
