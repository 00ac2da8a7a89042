import DiagSupport
import Foundation
import Testing

@testable import DiagCollect

@Suite(.serialized) struct LokiCollectorTests {
    static func window() -> CollectionWindow {
        CollectionWindow(start: Date() - 3600, end: Date())
    }

    @Test(.timeLimit(.minutes(1)))
    func collectsStatusAndConfig() async throws {
        let server = try FixtureServer("loki_fixture.py")
        defer { server.stop() }

        let result = await LokiCollector(baseURL: server.baseURL, client: HTTPClient()).collect(window: Self.window(), deadline: Date() + 20)

        #expect(result.status == .ok, "\(result.failures.map(\.description))")
        #expect(result.kind == "loki")
        let documents = documentMap(result)
        #expect(json(documents["loki/ready.json"]) == ["ready": true, "status_code": 200, "message": "ready"])
        #expect(json(documents["loki/buildinfo.json"])?["version"] == "3.5.1")
        #expect(try bundleSchemaViolations(json(documents["loki/ready.json"]), schema: "loki-ready.schema.json") == [])
        #expect(try bundleSchemaViolations(json(documents["loki/buildinfo.json"]), schema: "loki-buildinfo.schema.json") == [])
        guard case .yaml(let text) = documents["config/loki/loki.yaml"] else {
            Issue.record("config/loki/loki.yaml is missing or not YAML")
            return
        }
        #expect(text.contains("secret_access_key: '********'"))
        #expect(text.contains("max_query_series: 500"))
        let requests = try await server.requests()
        #expect(requests.allSatisfy { $0["headers"]?["x-scope-orgid"] == nil })
    }

    @Test(.timeLimit(.minutes(1)))
    func sendsOrgIDToMultiTenantLoki() async throws {
        let server = try FixtureServer("loki_fixture.py", scenario: "multi-tenant")
        defer { server.stop() }

        let result = await LokiCollector(baseURL: server.baseURL, client: HTTPClient(), orgID: "team-a")
            .collect(window: Self.window(), deadline: Date() + 20)

        #expect(result.status == .ok, "\(result.failures.map(\.description))")
        let requests = try await server.requests()
        #expect(requests.count == 3)
        #expect(requests.allSatisfy { $0["headers"]?["x-scope-orgid"] == "team-a" })
    }

    @Test(.timeLimit(.minutes(1)))
    func missingOrgIDNamesTheFix() async throws {
        let server = try FixtureServer("loki_fixture.py", scenario: "multi-tenant")
        defer { server.stop() }

        let result = await LokiCollector(baseURL: server.baseURL, client: HTTPClient()).collect(window: Self.window(), deadline: Date() + 20)

        #expect(result.status == .partial)
        let failure = try #require(result.failures.first)
        #expect(result.failures.count == 1)
        #expect(failure.endpoint == "/loki/api/v1/status/buildinfo")
        #expect(failure.status == .denied)
        #expect(failure.reason.contains("set org_id"), "\(failure.reason)")
    }

    @Test(.timeLimit(.minutes(1)))
    func keepsNotReadyAnswer() async throws {
        let server = try FixtureServer("loki_fixture.py", scenario: "not-ready")
        defer { server.stop() }

        let result = await LokiCollector(baseURL: server.baseURL, client: HTTPClient()).collect(window: Self.window(), deadline: Date() + 20)

        #expect(result.status == .ok)
        let ready = try #require(json(documentMap(result)["loki/ready.json"]))
        #expect(ready["ready"] == false)
        #expect(ready["status_code"] == 503)
        #expect(ready["message"] == "Ingester not ready: waiting for 15s after being ready")
    }

    @Test(.timeLimit(.minutes(1)), arguments: [
        ("unauthorized", SourceStatus.denied, "no org id"),
        ("forbidden", .denied, "HTTP 403"),
        ("server-error", .invalidResponse, "connection refused by the ingester"),
        ("html", .invalidResponse, "HTML"),
        ("truncated", .partial, "truncated JSON"),
        ("stall", .timedOut, "deadline"),
    ])
    func reportsFixtureFault(scenario: String, status: SourceStatus, reasonPart: String) async throws {
        let server = try FixtureServer("loki_fixture.py", scenario: scenario)
        defer { server.stop() }
        let started = Date()

        let result = await LokiCollector(baseURL: server.baseURL, client: HTTPClient(configuration: .init(requestTimeout: 10)))
            .collect(window: Self.window(), deadline: started + 2)

        #expect(result.status == status, "\(scenario): \(result.reason ?? "")")
        #expect(result.reason?.contains(reasonPart) == true, "\(scenario): \(result.reason ?? "")")
        #expect(Date().timeIntervalSince(started) < 3.5)
    }
}
