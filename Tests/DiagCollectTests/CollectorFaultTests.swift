import DiagSupport
import Foundation
import Testing

@testable import DiagCollect

/// A broken server behaviour and the source status it must produce.
struct Fault: Sendable, CustomTestStringConvertible {
    var name: String
    var status: SourceStatus
    var reply: LoopbackServer.Reply?

    var testDescription: String { name }

    static let all: [Fault] = [
        Fault(name: "connection refused", status: .unreachable, reply: nil),
        Fault(name: "never answers", status: .timedOut, reply: .neverAnswer),
        Fault(name: "stalled body", status: .timedOut, reply: .headersThenStall(contentLength: 4096, body: Array("{\"sta".utf8))),
        Fault(name: "HTTP 500", status: .invalidResponse, reply: .respond(status: 500, headers: [:], body: Array("boom".utf8))),
        Fault(name: "HTTP 401", status: .denied, reply: .respond(status: 401, headers: ["WWW-Authenticate": "Basic"], body: Array("Unauthorized".utf8))),
        Fault(name: "HTTP 403", status: .denied, reply: .respond(status: 403, headers: [:], body: [])),
        Fault(name: "redirect loop", status: .invalidResponse, reply: .respond(status: 307, headers: ["Location": "/again"], body: [])),
        Fault(name: "HTML", status: .invalidResponse, reply: .respond(status: 200, headers: ["Content-Type": "text/html"], body: Array("<html><body>Sign in</body></html>".utf8))),
        Fault(name: "truncated JSON", status: .invalidResponse, reply: .json(#"{"status":"success","data":{"versi"#)),
        Fault(name: "invalid UTF-8", status: .invalidResponse, reply: .respond(status: 200, headers: [:], body: [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D])),
        Fault(name: "too large", status: .invalidResponse, reply: .json(#"{"status":"success","data":""# + String(repeating: "a", count: 8192) + #""}"#)),
        Fault(name: "wrong envelope", status: .invalidResponse, reply: .json(#"{"data":{}}"#)),
    ]
}

/// Starts a server giving `fault` on every path, or returns a refused port for a nil reply.
private func faultyBaseURL(_ fault: Fault) throws -> (URL, LoopbackServer?) {
    guard let reply = fault.reply else {
        return (URL(string: "http://127.0.0.1:\(try LoopbackServer.closedPort())")!, nil)
    }
    let server = try LoopbackServer { _ in reply }
    return (server.baseURL, server)
}

@Suite struct CollectorFaultTests {
    static let deadlineSeconds: TimeInterval = 1.5
    static let smallLimits = HTTPClientConfiguration(maximumResponseBytes: 4096)

    @Test(.timeLimit(.minutes(1)), arguments: Fault.all)
    func prometheusReportsFault(fault: Fault) async throws {
        let (baseURL, server) = try faultyBaseURL(fault)
        defer { server?.stop() }
        let querySet = QuerySet(name: "one", queries: [.init(name: "up_ratio", expr: "avg by (job) (up)")])
        let collector = PrometheusCollector(baseURL: baseURL, client: HTTPClient(configuration: Self.smallLimits), querySet: querySet)
        let started = Date()
        let window = CollectionWindow(start: started - 300, end: started)

        let result = await collector.collect(window: window, deadline: started + Self.deadlineSeconds)

        let elapsed = Date().timeIntervalSince(started)
        #expect(result.status == fault.status, "\(fault.name): \(result.reason ?? "")")
        #expect(elapsed < Self.deadlineSeconds + 1, "\(fault.name) took \(elapsed) s")
        #expect(result.failures.count == 10)
        #expect(result.reason?.isEmpty == false)
        #expect(result.documents.map(\.path) == ["metrics/summary.json"])
        #expect(try schemaErrors(json(result.documents.first?.content), schema: "metric-summary.schema.json") == [])
    }

    @Test(.timeLimit(.minutes(1)), arguments: Fault.all.filter { $0.name != "wrong envelope" })
    func alertmanagerReportsFault(fault: Fault) async throws {
        let (baseURL, server) = try faultyBaseURL(fault)
        defer { server?.stop() }
        let collector = AlertmanagerCollector(baseURL: baseURL, client: HTTPClient(configuration: Self.smallLimits))
        let started = Date()
        let window = CollectionWindow(start: started - 300, end: started)

        let result = await collector.collect(window: window, deadline: started + Self.deadlineSeconds)

        #expect(result.status == fault.status, "\(fault.name): \(result.reason ?? "")")
        #expect(Date().timeIntervalSince(started) < Self.deadlineSeconds + 1)
        #expect(result.failures.count == 4)
        #expect(result.documents.isEmpty)
    }

    @Test func someFailingEndpointsArePartial() async throws {
        let server = try LoopbackServer { request in
            if request.target.hasPrefix("/api/v2/status") {
                return .json(#"{"cluster":{"status":"disabled","peers":[]},"config":{"original":"route:\n  receiver: x\n"},"versionInfo":{"version":"0.25.0"}}"#)
            }
            if request.target.hasPrefix("/api/v2/alerts/groups") { return .respond(status: 503, headers: [:], body: []) }
            if request.target.hasPrefix("/api/v2/alerts") {
                return .json(
                    #"[{"labels":{"alertname":"DiskFull","severity":"warning","instance":"db1"},"startsAt":"2026-01-01T10:00:00.000Z","endsAt":"2026-01-01T10:30:00.000Z","status":{"state":"active"}}]"#)
            }
            return .json("[]")
        }
        let collector = AlertmanagerCollector(baseURL: server.baseURL, client: HTTPClient())
        let now = Timestamp.parse("2026-01-01T11:00:00Z")!

        let result = await collector.collect(window: CollectionWindow(start: now - 3600, end: now), deadline: Date() + 5)

        #expect(result.status == .partial)
        #expect(result.failures.map(\.endpoint) == ["/api/v2/alerts/groups"])
        #expect(result.reason?.contains("1 of 4 endpoints failed") == true)
        let paths = Set(result.documents.map(\.path))
        #expect(paths.contains("config/alertmanager/alertmanager.yml"))
        #expect(paths.contains("alerts/alertmanager-intervals.json"))
        #expect(!paths.contains("alerts/alertmanager-groups.json"))
    }

    @Test func alertmanagerIntervalsCloseAtEndsAt() throws {
        let collector = AlertmanagerCollector(baseURL: URL(string: "http://127.0.0.1:1")!, client: HTTPClient())
        let alerts: [JSONValue] = [
            ["labels": ["alertname": "Resolved", "job": "db"], "startsAt": "2026-01-01T10:00:00.000Z", "endsAt": "2026-01-01T10:30:00.000Z", "status": ["state": "active"]],
            ["labels": ["alertname": "Ongoing", "severity": "page"], "startsAt": "2026-01-01T10:50:00.123Z", "endsAt": "2026-01-01T11:05:00.000Z", "status": ["state": "suppressed"]],
            ["labels": ["alertname": "Broken"], "startsAt": "yesterday"],
        ]

        let document = collector.intervalsDocument(alerts: alerts, now: Timestamp.parse("2026-01-01T11:00:00Z")!)

        guard case .json(let value) = document.content else {
            Issue.record("the intervals document is not JSON")
            return
        }
        let intervals = value["intervals"]?.arrayValue ?? []
        #expect(intervals.count == 2)
        #expect(intervals.first?["alertname"] == "Ongoing")
        #expect(intervals.first?["open"] == true)
        #expect(intervals.first?["state"] == "suppressed")
        #expect(intervals.first?["severity"] == "page")
        #expect(intervals.last?["end"] == "2026-01-01T10:30:00Z")
        #expect(intervals.last?["duration_seconds"]?.doubleValue == 1800)
        #expect(intervals.last?["labels"] == ["job": "db"])
        #expect(value["skipped_alerts"] == 1)
        #expect(try schemaErrors(value, schema: "alert-history.schema.json") == [])
    }

    @Test func routePrefixAndEncodingKept() throws {
        let api = PrometheusAPI(baseURL: URL(string: "http://reader:pw@127.0.0.1:9090/prom/")!, client: HTTPClient())
        let url = api.url("/api/v1/query_range", query: [("query", #"sum by (job) (rate(x{code=~"5.."}[5m])) + 1"#)])

        #expect(url.path == "/prom/api/v1/query_range")
        #expect(url.query?.contains("%2B%201") == true)
        #expect(url.query?.contains("+") == false)
        #expect(url.user == "reader")
        #expect(url.withoutUserInfo.absoluteString.contains("reader") == false)
    }

    @Test func plannedRequestsListEveryQuery() throws {
        let querySet = try defaultQuerySet()
        let collector = PrometheusCollector(
            baseURL: URL(string: "http://127.0.0.1:9")!, client: HTTPClient(), querySet: querySet)
        let planned = collector.plannedRequests()

        #expect(planned.count == 9 + querySet.queries.count)
        #expect(planned.first == "GET /api/v1/status/buildinfo")
        #expect(planned.contains { $0.contains("ALERTS") })
    }
}
