import DiagSupport
import Foundation
import Testing

@testable import DiagCollect

/// Returns the violations of `value` against a schema file in `Schemas/`, using the validator
/// that `waka-diag verify` uses, after a round trip through the serialized text.
func bundleSchemaViolations(_ value: JSONValue?, schema: String) throws -> [String] {
    guard let value else { return ["no document"] }
    let folder = FixtureServer.folder.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Schemas")
    let validator = JSONSchemaValidator(schemaFolder: folder)
    return try validator.validate(try JSONValue.parse(value.serialized()), schemaFile: schema).map(\.description)
}

/// Finds one entry of a JSON array by its `name` member.
func entry(_ list: JSONValue?, named name: String) -> JSONValue? {
    list?.arrayValue?.first { $0["name"]?.stringValue == name }
}

@Suite(.serialized) struct JaegerCollectorTests {
    /// Values the Jaeger fixture puts into tags, logs and process tags; none may reach a document.
    static let secretValues = ["alice@example.com", "4111111111111111", "session=9f8e7d6c", "checkout-7d9f-host", "4bf92f3577b34da6", "0000000000000001"]

    static func window() -> CollectionWindow {
        let now = Date()
        return CollectionWindow(start: now - 600, end: now + 5)
    }

    @Test(.timeLimit(.minutes(1)))
    func computesStatisticsFromFixture() async throws {
        let server = try FixtureServer("jaeger_fixture.py")
        defer { server.stop() }
        let collector = JaegerCollector(baseURL: server.baseURL, client: HTTPClient())

        let result = await collector.collect(window: Self.window(), deadline: Date() + 30)

        #expect(result.status == .ok, "\(result.failures.map(\.description))")
        #expect(result.kind == "jaeger")
        #expect(json(result.documents.first?.content)?["api"] == "v1")
        #expect(result.documents.map(\.path) == ["traces/stats.json"])
        let stats = try #require(json(result.documents.first?.content))
        #expect(stats["services_total"] == 3)
        #expect(stats["sample"]?["traces"] == 30)
        #expect(stats["sample"]?["searches"] == 9)
        #expect(stats["sample"]?["duplicate_traces"] == 40)
        #expect(stats["sample"]?["truncated"] == false)

        let frontend = try #require(entry(stats["services"], named: "frontend"))
        #expect(frontend["span_count"] == 30)
        #expect(frontend["error_count"] == 0)
        #expect(frontend["duration_ms"]?["p50"]?.doubleValue == 15)
        #expect(frontend["duration_ms"]?["p95"]?.doubleValue == 29)
        #expect(frontend["duration_ms"]?["p99"]?.doubleValue == 30)
        #expect(frontend["operations_total"] == 2)
        #expect(entry(frontend["operations"], named: "GET /health")?["span_count"] == 0)
        #expect(entry(frontend["operations"], named: "GET /health")?["error_rate"] == .null)

        let checkout = try #require(entry(stats["services"], named: "checkout"))
        #expect(checkout["duration_ms"]?["p50"]?.doubleValue == 7.5)

        let payments = try #require(entry(stats["services"], named: "payments"))
        #expect(payments["span_count"] == 10)
        #expect(payments["error_count"] == 4, "error=true twice and otel.status_code=ERROR twice; error=\"false\" is no error")
        #expect(payments["error_rate"]?.doubleValue == 0.4)
        #expect(entry(payments["operations"], named: "charge-card")?["error_count"] == 4)
        #expect(entry(payments["operations"], named: "refund")?["span_count"] == 0)

        #expect(stats["dependencies"]?["edges"]?.arrayValue?.count == 2)
        #expect(stats["dependencies"]?["edges"]?[0] == ["parent": "checkout", "child": "payments", "call_count": 10])
        #expect(stats["spm"]?["status"] == "skipped")
        #expect(stats["spm"]?["reason"]?.stringValue?.contains("HTTP 501") == true)
        #expect(stats["spm"]?["reason"]?.stringValue?.contains("metrics querying is currently disabled") == true)

        let text = stats.serializedString()
        for secret in Self.secretValues {
            #expect(!text.contains(secret), "traces/stats.json leaks \(secret)")
        }
        #expect(try bundleSchemaViolations(stats, schema: "trace-stats.schema.json") == [])

        let searches = try await server.requests().filter { $0["path"] == "/api/traces" }
        #expect(searches.count == 9)
        #expect(searches.allSatisfy { $0["query"]?["limit"]?[0] == "20" })
        let starts = Set(searches.compactMap { $0["query"]?["start"]?[0]?.stringValue })
        #expect(starts.count == 3, "three slices of the window, each searched once per service")
    }

    @Test(.timeLimit(.minutes(1)))
    func summarizesSPMWhenEnabled() async throws {
        let server = try FixtureServer("jaeger_fixture.py", scenario: "spm")
        defer { server.stop() }
        let collector = JaegerCollector(baseURL: server.baseURL, client: HTTPClient())

        let result = await collector.collect(window: Self.window(), deadline: Date() + 30)

        #expect(result.status == .ok, "\(result.failures.map(\.description))")
        let spm = try #require(json(result.documents.first?.content)?["spm"])
        #expect(spm["status"] == "ok")
        let calls = spm["call_rate_per_second"]?["series"]?.arrayValue ?? []
        #expect(calls.count == 3)
        #expect(calls.first?["service"] == "checkout")
        #expect(calls.first?["points"] == 4)
        #expect(calls.first?["mean"]?.doubleValue == 8.25, "a point without doubleValue is protobuf's omitted zero")
        #expect(calls.first?["max"]?.doubleValue == 12)
        let errors = spm["error_rate"]?["series"]?.arrayValue ?? []
        #expect(errors.first { $0["service"] == "payments" }?["max"]?.doubleValue == 0.25)
        #expect(spm["latency_p95"]?["status"] == "ok")
        let latencyRequests = try await server.requests().filter { $0["path"] == "/api/metrics/latencies" }
        #expect(latencyRequests.first?["query"]?["quantile"] == ["0.95"])
        #expect(latencyRequests.first?["query"]?["service"]?.arrayValue?.count == 3)
        #expect(try bundleSchemaViolations(json(result.documents.first?.content), schema: "trace-stats.schema.json") == [])
    }

    @Test(.timeLimit(.minutes(1)))
    func fallsBackToAPIv3() async throws {
        let server = try FixtureServer("jaeger_fixture.py", scenario: "v3-only")
        defer { server.stop() }
        let collector = JaegerCollector(baseURL: server.baseURL, client: HTTPClient())

        let result = await collector.collect(window: Self.window(), deadline: Date() + 30)

        #expect(result.status == .ok, "\(result.failures.map(\.description))")
        let stats = try #require(json(result.documents.first?.content))
        #expect(stats["api"] == "v3")
        #expect(stats["sample"]?["traces"] == 30)
        let frontend = try #require(entry(stats["services"], named: "frontend"))
        #expect(frontend["span_count"] == 30)
        #expect(frontend["duration_ms"]?["p95"]?.doubleValue == 29)
        #expect(frontend["operations_total"] == 2)
        let payments = try #require(entry(stats["services"], named: "payments"))
        #expect(payments["error_count"] == 4, "status code 2 twice and STATUS_CODE_ERROR twice")
        #expect(entry(payments["operations"], named: "charge-card")?["duration_ms"]?["p50"]?.doubleValue == 2)
        let text = stats.serializedString()
        for secret in Self.secretValues {
            #expect(!text.contains(secret), "traces/stats.json leaks \(secret)")
        }
        #expect(try bundleSchemaViolations(stats, schema: "trace-stats.schema.json") == [])

        let searches = try await server.requests().filter { $0["path"] == "/api/v3/traces" }
        #expect(searches.count == 9)
        #expect(searches.first?["query"]?["query.start_time_min"]?[0]?.stringValue?.hasSuffix("Z") == true)
    }

    @Test(.timeLimit(.minutes(1)))
    func stopsSamplingAtTraceLimit() async throws {
        let server = try FixtureServer("jaeger_fixture.py")
        defer { server.stop() }
        let limits = JaegerCollector.Limits(searchesPerService: 2, tracesPerSearch: 10, maximumTraces: 5)
        let collector = JaegerCollector(baseURL: server.baseURL, client: HTTPClient(), limits: limits)

        let result = await collector.collect(window: Self.window(), deadline: Date() + 30)

        let stats = try #require(json(result.documents.first?.content))
        #expect(result.status == .ok)
        #expect(stats["sample"]?["traces"] == 5)
        #expect(stats["sample"]?["truncated"] == true)
        #expect((stats["sample"]?["searches"]?.intValue ?? 99) < 6)
        #expect(stats["limits"]?["traces_per_search"] == 10)
    }

    @Test(.timeLimit(.minutes(1)), arguments: [
        ("unauthorized", SourceStatus.denied, "HTTP 401"),
        ("forbidden", .denied, "HTTP 403"),
        ("server-error", .invalidResponse, "storage backend unavailable"),
        ("html", .invalidResponse, "HTML"),
        ("truncated", .invalidResponse, "truncated JSON"),
        ("stall", .timedOut, "deadline"),
    ])
    func reportsFixtureFault(scenario: String, status: SourceStatus, reasonPart: String) async throws {
        let server = try FixtureServer("jaeger_fixture.py", scenario: scenario)
        defer { server.stop() }
        let collector = JaegerCollector(baseURL: server.baseURL, client: HTTPClient(configuration: .init(requestTimeout: 10)))
        let started = Date()

        let result = await collector.collect(window: Self.window(), deadline: started + 2)

        #expect(result.status == status, "\(scenario): \(result.reason ?? "")")
        #expect(result.reason?.contains(reasonPart) == true, "\(scenario): \(result.reason ?? "")")
        #expect(result.documents.isEmpty)
        #expect(Date().timeIntervalSince(started) < 3.5)
    }

    @Test func formatsNanosecondTimes() {
        let date = Date(timeIntervalSince1970: 1_714_644_000.25)
        #expect(JaegerAPI.rfc3339Nano(date) == "2024-05-02T10:00:00.250000000Z")
    }

    @Test func percentileUsesNearestRank() {
        #expect(TraceStatistics.percentile([], 50) == nil)
        #expect(TraceStatistics.percentile([7], 99) == 7)
        #expect(TraceStatistics.percentile([1, 2, 3, 4], 50) == 2)
        #expect(TraceStatistics.percentile([1, 2, 3, 4], 51) == 3)
        #expect(TraceStatistics.percentile(Array(1...100), 99) == 99)
    }

    @Test func searchWindowsCoverWindow() {
        let start = Date(timeIntervalSince1970: 1_000)
        let collector = JaegerCollector(baseURL: URL(string: "http://127.0.0.1:1")!, client: HTTPClient())
        let slices = collector.searchWindows(CollectionWindow(start: start, end: start + 90))
        #expect(slices.count == 3)
        #expect(slices.first?.start == start)
        #expect(slices.last?.end == start + 90)
        #expect(slices[1].start == slices[0].end)
    }
}
