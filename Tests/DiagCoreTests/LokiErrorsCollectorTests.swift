@testable import DiagCore
import DiagCollect
import DiagLogs
import DiagSupport
import Foundation
import Testing

/// Shared inputs of the Loki error tests: a one-hour window with 120 generated entries.
enum LokiErrorsTestData {
    static let window = CollectionWindow(
        start: Timestamp.parse("2026-03-01T00:00:00Z")!, end: Timestamp.parse("2026-03-01T01:00:00Z")!)

    static func client(timeout: Double = 10, headers: [String: String] = [:]) -> HTTPClient {
        HTTPClient(configuration: HTTPClientConfiguration(requestTimeout: timeout, headers: headers))
    }

    /// Returns the single source of the result's error-types document.
    static func source(_ result: SourceResult) throws -> JSONValue {
        let document = try #require(result.documents.first { $0.path == ErrorTypeReport.bundlePath })
        guard case .json(let value) = document.content else { throw DiagError.data("error types are not JSON") }
        return try #require(value["sources"]?[0])
    }

    static func group(_ source: JSONValue, service: String?, level: String) -> JSONValue? {
        source["groups"]?.arrayValue?.first {
            $0["service"]?.stringValue == service && $0["level"]?.stringValue == level
        }
    }

    static func templates(_ group: JSONValue?) -> [String: Int64] {
        var counts: [String: Int64] = [:]
        for template in group?["templates"]?.arrayValue ?? [] {
            counts[template["template"]?.stringValue ?? ""] = template["count"]?.intValue
        }
        return counts
    }
}

@Suite(.serialized) struct LokiErrorsCollectorTests {
    @Test func countsAndMinesWholeWindow() async throws {
        let fixture = try LokiErrorsFixture()
        let collector = LokiErrorCollector(baseURL: fixture.baseURL, client: LokiErrorsTestData.client())
        let result = await collector.collect(window: LokiErrorsTestData.window, deadline: Date() + 30)
        #expect(result.status == .ok, "\(result.reason ?? "")")
        #expect(result.kind == "loki-errors")

        let source = try LokiErrorsTestData.source(result)
        #expect(source["name"] == "loki")
        #expect(source["error_lines"] == 100)
        #expect(source["lines_read"] == 120)
        #expect(source["sampling"]?["lines_fetched"] == 120)
        #expect(source["sampling"]?["pages"] == 24)
        #expect(source["sampling"]?["fetched_below_error_level"] == 20)
        #expect(source["sampling"]?["counted_below_error_level"] == 20)
        #expect(source["sampling"]?["stopped_by"] == .null)

        let checkout = LokiErrorsTestData.group(source, service: "checkout", level: "error")
        #expect(checkout?["error_lines"] == 40)
        #expect(checkout?["sampled_lines"] == 40)
        let templates = LokiErrorsTestData.templates(checkout)
        #expect(templates["card vault unreachable"] == 20)
        #expect(templates["payment declined for tenant acme"] == 10, "without masking each tenant has its own template")
        #expect(LokiErrorsTestData.group(source, service: "auth", level: "error")?["error_lines"] == 20)
        #expect(LokiErrorsTestData.group(source, service: "acme-worker", level: "fatal")?["error_lines"] == 20)
        let billing = LokiErrorsTestData.group(source, service: "billing", level: "unknown")
        #expect(LokiErrorsTestData.templates(billing) == ["java.lang.IllegalStateException: ledger <*> closed": 20])
        #expect(LokiErrorsTestData.group(source, service: "auth", level: "info") == nil)

        let requests = try await fixture.requests()
        let queries = requests.compactMap { $0["query"]?["query"]?[0]?.stringValue }
        #expect(queries.contains { $0.hasPrefix(#"sum by (service_name, level, detected_level) (count_over_time({job=~".+"} |~"#) })
        let pages = requests.filter { $0["query"]?["limit"] != nil }
        #expect(pages.count == 24)
        #expect(pages.allSatisfy { $0["query"]?["direction"]?[0] == "forward" })
        #expect(requests.allSatisfy { $0["headers"]?["x-scope-orgid"] == nil })
    }

    @Test func masksTenantsInPartnerMode() async throws {
        let fixture = try LokiErrorsFixture()
        let collector = LokiErrorCollector(
            baseURL: fixture.baseURL, client: LokiErrorsTestData.client(), selectors: [#"{service_name=~".+"}"#],
            masksTenants: true)
        let result = await collector.collect(window: LokiErrorsTestData.window, deadline: Date() + 30)
        #expect(result.status == .ok, "\(result.reason ?? "")")

        let source = try LokiErrorsTestData.source(result)
        let checkout = LokiErrorsTestData.group(source, service: "checkout", level: "error")
        #expect(LokiErrorsTestData.templates(checkout)["payment declined for tenant <*>"] == 20)
        let auth = LokiErrorsTestData.group(source, service: "auth", level: "error")
        #expect(LokiErrorsTestData.templates(auth) == ["token rejected for <*> at edge": 20])
        #expect(LokiErrorsTestData.group(source, service: "<*>-worker", level: "fatal")?["error_lines"] == 20)

        let text = source.serializedString()
        #expect(!text.contains("acme"))
        #expect(!text.contains("globex"))
        let paths = try await fixture.requests().compactMap { $0["path"]?.stringValue }
        #expect(paths.contains("/loki/api/v1/label/tenant_id/values"))
    }

    @Test func sendsOrgIDHeader() async throws {
        let fixture = try LokiErrorsFixture(requireOrgID: "team-a")
        let byArgument = LokiErrorCollector(baseURL: fixture.baseURL, client: LokiErrorsTestData.client(), orgID: "team-a")
        let first = await byArgument.collect(window: LokiErrorsTestData.window, deadline: Date() + 30)
        #expect(first.status == .ok, "\(first.reason ?? "")")

        let byConfiguration = LokiErrorCollector(
            baseURL: fixture.baseURL, client: LokiErrorsTestData.client(headers: ["X-Scope-OrgID": "team-a"]))
        let second = await byConfiguration.collect(window: LokiErrorsTestData.window, deadline: Date() + 30)
        #expect(second.status == .ok, "\(second.reason ?? "")")
        let requests = try await fixture.requests()
        #expect(!requests.isEmpty)
        #expect(requests.allSatisfy { $0["headers"]?["x-scope-orgid"] == "team-a" })

        let without = LokiErrorCollector(baseURL: fixture.baseURL, client: LokiErrorsTestData.client())
        let third = await without.collect(window: LokiErrorsTestData.window, deadline: Date() + 30)
        #expect(third.status == .denied)
        #expect(third.reason?.contains("no org id") == true)
        #expect(third.documents.isEmpty)
    }

    @Test func capsPagesAndLines() async throws {
        let fixture = try LokiErrorsFixture()
        let limits = LokiErrorCollector.Limits(maximumPages: 6, maximumLines: 9, pageLines: 2, slices: 3)
        let collector = LokiErrorCollector(baseURL: fixture.baseURL, client: LokiErrorsTestData.client(), limits: limits)
        let result = await collector.collect(window: LokiErrorsTestData.window, deadline: Date() + 30)
        #expect(result.status == .ok, "\(result.reason ?? "")")

        let source = try LokiErrorsTestData.source(result)
        let fetched = try #require(source["sampling"]?["lines_fetched"]?.intValue)
        let pages = try #require(source["sampling"]?["pages"]?.intValue)
        #expect(fetched <= 9)
        #expect(fetched > 0)
        #expect(pages <= 6)
        #expect(source["sampling"]?["stopped_by"] == "line_cap")
        #expect(source["error_lines"] == 100, "the counts cover the window whatever the sample")

        // The pages are spread over the window: every third of it is asked for.
        let starts = try await fixture.requests().filter { $0["query"]?["limit"] != nil }
            .compactMap { $0["query"]?["start"]?[0]?.stringValue }.compactMap { Int64($0) }
        let windowStart = Int64(LokiErrorsTestData.window.start.timeIntervalSince1970) * 1_000_000_000
        let thirds = Set(starts.map { ($0 - windowStart) / 1_200_000_000_000 })
        #expect(thirds == [0, 1, 2])
    }
}
