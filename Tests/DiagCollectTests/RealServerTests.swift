import DiagSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@testable import DiagCollect

/// Loads the default query set shipped in `Queries/default.yaml`.
func defaultQuerySet() throws -> QuerySet {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    return try QuerySet.load(url: root.appendingPathComponent("Queries/default.yaml"))
}

func documentMap(_ result: SourceResult) -> [String: DocumentContent] {
    Dictionary(result.documents.map { ($0.path, $0.content) }, uniquingKeysWith: { first, _ in first })
}

func json(_ content: DocumentContent?) -> JSONValue? {
    if case .json(let value) = content { return value }
    return nil
}

/// Returns the schema violations of `value` as written to a file, that is after a round trip
/// through its serialized text.
func schemaErrors(_ value: JSONValue?, schema: String) throws -> [String] {
    guard let value else { return ["no document"] }
    return try SchemaCheck.load(schema).errors(try JSONValue.parse(value.serialized()))
}

/// Runs the collectors against the Debian Prometheus and Alertmanager binaries started on loopback.
@Suite(.serialized) struct RealServerTests {
    static let forbidden = Set(QuerySet.alwaysForbiddenLabels)

    @Test(.timeLimit(.minutes(2)))
    func collectsFromPrometheusAndAlertmanager() async throws {
        let hook = try LoopbackServer { _ in .respond(status: 200, headers: [:], body: []) }
        let alertmanager = try AlertmanagerServer(webhookURL: hook.baseURL.appendingPathComponent("/hook"))
        defer { alertmanager.process.stop() }
        let nodeExporter = try NodeExporterServer()
        defer { nodeExporter.process.stop() }
        let prometheus = try PrometheusServer(alertmanagerPort: alertmanager.port, nodeExporterPort: nodeExporter.port)
        defer { prometheus.process.stop() }
        try await alertmanager.waitUntilReady()
        try await prometheus.waitUntilReady()

        // The scrape manager applies new targets on a 5 s tick, so `up` can lag behind ALERTS.
        for query in ["ALERTS", "up", "process_resident_memory_bytes", "rate(node_cpu_seconds_total[5m])"] {
            let ready = await waitForJSON(
                prometheus.baseURL.appendingPathComponent("/api/v1/query").appending(queryItems: [.init(name: "query", value: query)]),
                timeout: 20
            ) { value in
                (((value as? [String: Any])?["data"] as? [String: Any])?["result"] as? [Any])?.isEmpty == false
            }
            #expect(ready, "Prometheus has no \(query) series after 20 s")
        }
        let delivered = await waitForJSON(alertmanager.baseURL.appendingPathComponent("/api/v2/alerts"), timeout: 30) {
            ($0 as? [Any])?.isEmpty == false
        }
        #expect(delivered, "Alertmanager received no alert within 30 s")
        try await postSilence(to: alertmanager.baseURL)

        let now = Date()
        let window = CollectionWindow(start: now - 120, end: now)
        try await checkPrometheus(prometheus, window: window)
        try await checkBrokenQueryIsPartial(prometheus, window: window)
        try await checkAlertmanager(alertmanager, window: window)
    }

    private func checkPrometheus(_ server: PrometheusServer, window: CollectionWindow) async throws {
        var querySet = try defaultQuerySet()
        querySet.queries.append(.init(name: "alerts_per_tenant", expr: #"sum by (alertname, tenant_id) (ALERTS{alertname="AlwaysFiring"})"#))
        querySet.queries.append(.init(name: "up_per_instance", expr: "sum by (job, instance) (up)"))
        let collector = PrometheusCollector(baseURL: server.baseURL, client: HTTPClient(), querySet: querySet)

        let result = await collector.collect(window: window, deadline: Date() + 60)

        #expect(result.status == .ok, "\(result.failures.map { "\($0.endpoint): \($0.reason)" })")
        #expect(result.failures.isEmpty)
        #expect(result.endpoint == server.baseURL.absoluteString)
        let documents = documentMap(result)
        for path in [
            "prometheus/buildinfo.json", "prometheus/runtimeinfo.json", "prometheus/flags.json",
            "config/prometheus/prometheus.yml", "prometheus/targets.json", "prometheus/rules.json",
            "alerts/prometheus-active.json", "prometheus/tsdb-status.json", "alerts/prometheus-history.json",
            "metrics/summary.json",
        ] {
            #expect(documents[path] != nil, "missing \(path)")
        }
        if case .yaml(let text) = documents["config/prometheus/prometheus.yml"] {
            #expect(text.contains("scrape_configs"))
        } else {
            Issue.record("the Prometheus config is not a YAML document")
        }
        #expect(json(documents["prometheus/buildinfo.json"])?["version"]?.stringValue?.hasPrefix("2.") == true)
        #expect(json(documents["alerts/prometheus-active.json"])?["alerts"]?.arrayValue?.isEmpty == false)

        // Alert history: the always-firing alert has one open firing interval.
        let history = try #require(json(documents["alerts/prometheus-history.json"]))
        let intervals = history["intervals"]?.arrayValue ?? []
        let firing = intervals.filter { $0["alertname"] == "AlwaysFiring" && $0["state"] == "firing" }
        #expect(firing.count == 1)
        #expect(firing.first?["open"] == true)
        #expect(firing.first?["end"] == JSONValue.null)
        #expect(firing.first?["severity"] == "critical")
        #expect(firing.first?["labels"]?["tenant_id"] == "tenant-4711")
        let pending = intervals.filter { $0["alertname"] == "LongPending" && $0["state"] == "pending" }
        #expect(pending.count == 1)
        #expect(history["resolution_seconds"] == 15)
        #expect(try schemaErrors(history, schema: "alert-history.schema.json") == [])

        // Metric summaries: data for self metrics, no forbidden label, per-tenant series dropped.
        let summary = try #require(json(documents["metrics/summary.json"]))
        let queries = Dictionary(
            (summary["queries"]?.arrayValue ?? []).map { ($0["name"]?.stringValue ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        let upRatio = try #require(queries["target_up_ratio"]?["series"]?.arrayValue?.last)
        #expect(upRatio["labels"] == ["job": "prometheus"])
        #expect(upRatio["last"]?.doubleValue == 1)
        #expect(upRatio["coarse"]?.arrayValue?.isEmpty == false)
        #expect((upRatio["coarse"]?.arrayValue?.count ?? 99) <= 60)
        #expect(queries["resident_memory"]?["series"]?.arrayValue?.count == 2)
        let cpu = queries["node_cpu_busy_ratio"]?["series"]?.arrayValue?.first
        #expect(cpu?["labels"] == ["job": "node"])
        #expect((cpu?["max"]?.doubleValue ?? -1) >= 0)
        #expect(queries["node_memory_used_ratio"]?["series"]?.arrayValue?.count == 1)
        for query in queries.values {
            for series in query["series"]?.arrayValue ?? [] {
                let labels = Set(series["labels"]?.objectValue?.keys.map { $0 } ?? [])
                #expect(labels.isDisjoint(with: Self.forbidden), "\(query["name"]!) kept \(labels)")
            }
        }
        let perTenant = try #require(queries["alerts_per_tenant"])
        #expect(perTenant["series"] == [])
        #expect((perTenant["dropped_series"]?.intValue ?? 0) >= 1)
        #expect(perTenant["dropped_because_of_labels"] == ["tenant_id"])
        #expect(queries["up_per_instance"]?["dropped_because_of_labels"] == ["instance"])
        #expect((summary["dropped_series_total"]?.intValue ?? 0) >= 2)
        #expect(!summary.serializedString().contains("tenant-4711"))
        #expect(try schemaErrors(summary, schema: "metric-summary.schema.json") == [])
    }

    private func checkBrokenQueryIsPartial(_ server: PrometheusServer, window: CollectionWindow) async throws {
        let querySet = QuerySet(
            name: "broken",
            queries: [
                .init(name: "fine", expr: "sum by (job) (up)"),
                .init(name: "unbalanced", expr: "sum by (job) (rate(up[5m])"),
            ])
        let collector = PrometheusCollector(baseURL: server.baseURL, client: HTTPClient(), querySet: querySet)

        let result = await collector.collect(window: window, deadline: Date() + 30)

        #expect(result.status == .partial)
        #expect(result.failures.count == 1)
        #expect(result.failures.first?.endpoint == "/api/v1/query_range unbalanced")
        #expect(result.failures.first?.reason.contains("HTTP 400") == true)
        let summary = try #require(json(documentMap(result)["metrics/summary.json"]))
        #expect(summary["queries"]?[1]?["status"] == "invalid_response")
        #expect(summary["queries"]?[0]?["series"]?.arrayValue?.count == 2)
    }

    private func checkAlertmanager(_ server: AlertmanagerServer, window: CollectionWindow) async throws {
        let collector = AlertmanagerCollector(baseURL: server.baseURL, client: HTTPClient())
        #expect(collector.plannedRequests().count == 4)

        let result = await collector.collect(window: window, deadline: Date() + 30)

        #expect(result.status == .ok, "\(result.failures.map(\.reason))")
        let documents = documentMap(result)
        for path in [
            "alertmanager/status.json", "config/alertmanager/alertmanager.yml", "alerts/alertmanager-alerts.json",
            "alerts/alertmanager-groups.json", "alerts/silences.json", "alerts/alertmanager-intervals.json",
        ] {
            #expect(documents[path] != nil, "missing \(path)")
        }
        if case .yaml(let text) = documents["config/alertmanager/alertmanager.yml"] {
            #expect(text.contains("local-hook"))
        } else {
            Issue.record("the Alertmanager config is not a YAML document")
        }
        let status = try #require(json(documents["alertmanager/status.json"]))
        #expect(status["config"]?["original"] == nil)
        #expect(status["cluster"]?["status"] == "disabled")
        #expect(json(documents["alerts/silences.json"])?.arrayValue?.count == 1)
        let intervals = json(documents["alerts/alertmanager-intervals.json"])?["intervals"]?.arrayValue ?? []
        let firing = intervals.first { $0["alertname"] == "AlwaysFiring" }
        #expect(firing?["open"] == true)
        #expect(firing?["severity"] == "critical")
        #expect(try schemaErrors(json(documents["alerts/alertmanager-intervals.json"]), schema: "alert-history.schema.json") == [])
    }

    /// Creates a silence for the pending alert, so the silences document has content.
    private func postSilence(to baseURL: URL) async throws {
        let start = Timestamp.format(Date())
        let end = Timestamp.format(Date() + 3600)
        let body = """
            {"matchers":[{"name":"alertname","value":"LongPending","isRegex":false,"isEqual":true}],
             "startsAt":"\(start)","endsAt":"\(end)","createdBy":"diag-test","comment":"test silence"}
            """
        var request = URLRequest(url: baseURL.appendingPathComponent("/api/v2/silences"))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
    }
}
