import DiagSupport
import Foundation
import Testing

@testable import DiagCollect

/// The Loki, Jaeger and Grafana collectors against the same broken server behaviours as the
/// Prometheus and Alertmanager collectors, served by the Swift loopback server on every path.
@Suite struct StackCollectorFaultTests {
    static let deadlineSeconds: TimeInterval = 1.5
    static let smallLimits = HTTPClientConfiguration(maximumResponseBytes: 4096)

    /// Faults whose status is the same for every endpoint of every collector. Loki's `/ready`
    /// reads any 200 body as ready, so body faults leave it `partial` and are tested apart.
    static let uniformFaults = Fault.all.filter {
        ["connection refused", "never answers", "stalled body", "HTTP 500", "HTTP 401", "HTTP 403", "redirect loop", "HTML"].contains($0.name)
    }

    static func collectors(_ baseURL: URL) -> [any Collector] {
        let client = HTTPClient(configuration: smallLimits)
        return [
            LokiCollector(baseURL: baseURL, client: client),
            JaegerCollector(baseURL: baseURL, client: client),
            GrafanaCollector(baseURL: baseURL, client: client),
        ]
    }

    @Test(.timeLimit(.minutes(1)), arguments: uniformFaults)
    func collectorsReportFault(fault: Fault) async throws {
        let server = try fault.reply.map { reply in try LoopbackServer { _ in reply } }
        defer { server?.stop() }
        let refusedPort = try LoopbackServer.closedPort()
        let baseURL = server?.baseURL ?? URL(string: "http://127.0.0.1:\(refusedPort)")!

        for collector in Self.collectors(baseURL) {
            let started = Date()
            let result = await collector.collect(
                window: CollectionWindow(start: started - 300, end: started), deadline: started + Self.deadlineSeconds)

            let elapsed = Date().timeIntervalSince(started)
            #expect(result.status == fault.status, "\(collector.name), \(fault.name): \(result.reason ?? "")")
            #expect(elapsed < Self.deadlineSeconds + 1, "\(collector.name), \(fault.name) took \(elapsed) s")
            #expect(result.reason?.isEmpty == false)
            #expect(result.documents.isEmpty, "\(collector.name), \(fault.name)")
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: Fault.all.filter { ["truncated JSON", "invalid UTF-8", "too large", "wrong envelope"].contains($0.name) })
    func jsonBodyFaultsAreInvalid(fault: Fault) async throws {
        let server = try LoopbackServer { _ in fault.reply! }
        defer { server.stop() }

        for collector in Self.collectors(server.baseURL) {
            let result = await collector.collect(window: CollectionWindow(start: Date() - 300, end: Date()), deadline: Date() + 5)

            // Loki's /ready is plain text, and Grafana reads a wrong envelope as an unexpected object.
            let expected: Set<SourceStatus> = collector is LokiCollector ? [.partial, .invalidResponse] : [.invalidResponse]
            #expect(expected.contains(result.status), "\(collector.name), \(fault.name): \(result.status) \(result.reason ?? "")")
            #expect(!result.documents.contains { $0.path.hasSuffix("buildinfo.json") || $0.path.hasPrefix("traces/") })
        }
    }

    @Test func plannedRequestsNameEveryEndpoint() {
        let url = URL(string: "http://127.0.0.1:9")!
        #expect(LokiCollector(baseURL: url, client: HTTPClient(), orgID: "a").plannedRequests().contains("GET /config with X-Scope-OrgID"))
        #expect(GrafanaCollector(baseURL: url, client: HTTPClient()).plannedRequests().count == 6)
        let jaeger = JaegerCollector(baseURL: url, client: HTTPClient()).plannedRequests()
        #expect(jaeger.first?.hasPrefix("GET /api/services") == true)
        #expect(jaeger.contains { $0.contains("/api/metrics/calls") })
    }
}
