import DiagCollect
@testable import DiagCore
import DiagSupport
import Foundation
import Testing

/// Records every request the collectors of a tenant-scoped profile send to a Prometheus and an
/// Alertmanager stand-in (`Fixtures/prometheus_api_fixture.py`) and checks that each PromQL
/// query and each Alertmanager list carries the tenant matcher.
@Suite(.serialized) struct TenantScopeQueryTests {
    static let window = CollectionWindow(
        start: Timestamp.parse("2026-03-01T00:00:00Z")!, end: Timestamp.parse("2026-03-01T01:00:00Z")!)

    /// Requests that carry no matcher on purpose: status documents hold no series, and the
    /// label values are read to recognize other tenants.
    static let unscopedPaths: Set<String> = [
        "/api/v1/status/buildinfo", "/api/v1/status/runtimeinfo", "/api/v1/status/flags", "/api/v1/status/config",
        "/api/v1/targets", "/api/v1/rules", "/api/v1/alerts", "/api/v1/status/tsdb", "/api/v1/label/tenant_id/values",
        "/api/v2/status",
    ]

    static func collectors(tenant: String?, fixture: PythonFixture) throws -> (QuerySet, [any Collector]) {
        var profile = CollectionProfile(source: URL(fileURLWithPath: "/test/site.yaml"), mode: .saas, region: "r1", site: "s1")
        profile.tenant = tenant
        profile.endpoints = [.prometheus: [ProfileEndpoint(url: fixture.baseURL)], .alertmanager: [ProfileEndpoint(url: fixture.baseURL)]]
        let querySet = try QuerySet.load(url: TestSupport.repositoryRoot.appendingPathComponent("Queries/default.yaml"))
        return (querySet, try profile.collectors(querySet: querySet, environment: [:]))
    }

    @Test func everyQueryCarriesTenantMatcher() async throws {
        let fixture = try PythonFixture(script: "prometheus_api_fixture.py", arguments: ["--lifetime", "60"])
        let (querySet, collectors) = try Self.collectors(tenant: "acme-bank-ng", fixture: fixture)
        for collector in collectors {
            let result = await collector.collect(window: Self.window, deadline: Date() + 30)
            #expect(result.status == .ok, "\(result.name): \(result.reason ?? "")")
        }

        let requests = try await fixture.requests()
        let matcher = #"tenant_id="acme-bank-ng""#
        let queries = requests.compactMap { $0["query"]?["query"]?[0]?.stringValue }
        #expect(queries.count == querySet.queries.count + 1, "one range query per query set entry and one for ALERTS")
        for query in queries {
            #expect(query.contains(matcher), "unscoped query: \(query)")
        }
        let alertQueries = queries.filter { $0.contains("ALERTS") }
        #expect(alertQueries == [#"max_over_time(ALERTS{tenant_id="acme-bank-ng"}[15s])"#])

        let lists = requests.filter { ["/api/v2/alerts", "/api/v2/alerts/groups", "/api/v2/silences"].contains($0["path"]?.stringValue) }
        #expect(lists.count == 3)
        for list in lists {
            #expect(list["query"]?["filter"] == .array([.string(matcher)]), "unfiltered Alertmanager list: \(list)")
        }

        let unscoped = requests.filter { $0["query"]?["query"] == nil && $0["query"]?["filter"] == nil }
        #expect(Set(unscoped.compactMap { $0["path"]?.stringValue }) == Self.unscopedPaths)
        #expect(unscoped.count == Self.unscopedPaths.count, "each unscoped request is sent once")
    }

    @Test func aggregatedProfileSendsNoMatcher() async throws {
        let fixture = try PythonFixture(script: "prometheus_api_fixture.py", arguments: ["--lifetime", "60"])
        let (querySet, collectors) = try Self.collectors(tenant: nil, fixture: fixture)
        #expect(!collectors.flatMap { $0.plannedRequests() }.contains { $0.contains("tenant_id/values") })
        for collector in collectors {
            _ = await collector.collect(window: Self.window, deadline: Date() + 30)
        }

        let requests = try await fixture.requests()
        let queries = requests.compactMap { $0["query"]?["query"]?[0]?.stringValue }
        #expect(queries.count == querySet.queries.count + 1)
        #expect(queries.contains("max_over_time(ALERTS[15s])"))
        #expect(requests.allSatisfy { $0["query"]?["filter"] == nil })
        #expect(!requests.contains { $0["path"]?.stringValue == "/api/v1/label/tenant_id/values" })
    }

    @Test func dryRunPlanShowsScopedRequests() throws {
        let fixture = try PythonFixture(script: "prometheus_api_fixture.py", arguments: ["--lifetime", "10"])
        let (_, collectors) = try Self.collectors(tenant: "acme-bank-ng", fixture: fixture)
        let planned = collectors.flatMap { $0.plannedRequests() }
        #expect(planned.contains { $0.contains(#"max_over_time(ALERTS{tenant_id="acme-bank-ng"}[15s])"#) })
        #expect(planned.contains(#"GET /api/v2/alerts?filter=tenant_id="acme-bank-ng""#))
        #expect(planned.contains { $0.hasPrefix("GET /api/v1/label/tenant_id/values") })
        #expect(!planned.contains { $0.contains("discarded") })
    }
}
