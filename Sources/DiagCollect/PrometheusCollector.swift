import DiagSupport
import Foundation

/// Collects status, configuration, targets, rules, alerts, alert history and aggregate metric
/// summaries from one Prometheus server (HTTP API v1, shapes as of Prometheus 2.42).
public struct PrometheusCollector: Collector {
    public let name: String
    public let baseURL: URL
    public let querySet: QuerySet
    /// PromQL label matchers, such as `tenant_id="acme"`, that the alert history selector
    /// `ALERTS` carries. The query set's expressions are sent as given, so a caller that scopes
    /// a collection puts the same matchers into them.
    public let seriesMatchers: [String]
    private let api: PrometheusAPI

    /// The maximum points per series requested for alert history.
    static let historyMaximumPoints = 1000
    /// The minimum alert history step, in seconds. A step finer than the common 15 s rule
    /// evaluation interval adds points without adding information.
    static let historyMinimumStep = 15
    /// The maximum points per series requested for a metric summary.
    static let summaryMaximumPoints = 120
    /// Requests in flight at once against one server: enough to overlap latency while staying
    /// far below Prometheus' default `--query.max-concurrency` of 20.
    static let concurrentRequests = 4

    /// A plain endpoint whose `data` is stored as one document.
    private struct StatusEndpoint {
        var path: String
        var document: String
        /// When set, the document is the YAML text in this member of `data`.
        var yamlMember: String?
    }

    private static let statusEndpoints = [
        StatusEndpoint(path: "/api/v1/status/buildinfo", document: "prometheus/buildinfo.json"),
        StatusEndpoint(path: "/api/v1/status/runtimeinfo", document: "prometheus/runtimeinfo.json"),
        StatusEndpoint(path: "/api/v1/status/flags", document: "prometheus/flags.json"),
        StatusEndpoint(path: "/api/v1/status/config", document: "config/prometheus/prometheus.yml", yamlMember: "yaml"),
        StatusEndpoint(path: "/api/v1/targets", document: "prometheus/targets.json"),
        StatusEndpoint(path: "/api/v1/rules", document: "prometheus/rules.json"),
        StatusEndpoint(path: "/api/v1/alerts", document: "alerts/prometheus-active.json"),
        StatusEndpoint(path: "/api/v1/status/tsdb", document: "prometheus/tsdb-status.json"),
    ]

    public init(
        name: String = "prometheus", baseURL: URL, client: HTTPClient, querySet: QuerySet, seriesMatchers: [String] = []
    ) {
        self.name = name
        self.baseURL = baseURL
        self.querySet = querySet
        self.seriesMatchers = seriesMatchers
        self.api = PrometheusAPI(baseURL: baseURL, client: client)
    }

    public var kind: String { "prometheus" }

    public var endpointDescription: String { baseURL.withoutUserInfo.absoluteString }

    public func plannedRequests() -> [String] {
        var requests = Self.statusEndpoints.map { "GET \($0.path)" }
        requests.append(
            "GET /api/v1/query_range ALERTS history: \(historyExpression(step: Self.historyMinimumStep)) (at most \(Self.historyMaximumPoints) points per series)")
        for query in querySet.queries {
            requests.append("GET /api/v1/query_range \(query.name): \(query.expr)")
        }
        return requests
    }

    /// Returns the step in seconds that splits `window` into at most `points` steps, and at least `minimum`.
    static func step(for window: CollectionWindow, points: Int, minimum: Int) -> Int {
        let seconds = max(window.durationSeconds, 1)
        return max(minimum, Int((seconds / Double(points)).rounded(.up)))
    }

    public func collect(window: CollectionWindow, deadline: Date) async -> SourceResult {
        let started = Date()
        let outcomes = await concurrentMap(Self.statusEndpoints, limit: Self.concurrentRequests) { endpoint in
            await fetchStatus(endpoint, deadline: deadline)
        }
        var (documents, failures) = DocumentOutcome.split(outcomes)

        do {
            documents.append(try await alertHistory(window: window, deadline: deadline))
        } catch {
            failures.append(error.endpointFailure)
        }

        let (summary, queryFailures) = await metricSummary(window: window, deadline: deadline)
        documents.append(summary)
        failures += queryFailures

        return SourceResult.summarizing(
            name: name, kind: "prometheus", endpoint: endpointDescription, started: started,
            attempted: Self.statusEndpoints.count + 1 + querySet.queries.count,
            documents: documents, failures: failures)
    }

    private func fetchStatus(_ endpoint: StatusEndpoint, deadline: Date) async -> DocumentOutcome {
        do throws(HTTPFailure) {
            let data = try await api.data(endpoint.path, endpoint: endpoint.path, deadline: deadline)
            guard let member = endpoint.yamlMember else {
                return .document(CollectedDocument(path: endpoint.document, content: .json(data)))
            }
            guard let text = data[member]?.stringValue else {
                throw HTTPFailure(.invalidResponse, endpoint: endpoint.path, reason: "the response has no \"\(member)\" text")
            }
            return .document(CollectedDocument(path: endpoint.document, content: .yaml(text)))
        } catch {
            return .failure(error.endpointFailure)
        }
    }

    // MARK: Alert history

    /// Returns the alert history query for `step` seconds. `max_over_time` over one step also
    /// catches an alert that was active only between two evaluation times.
    func historyExpression(step: Int) -> String {
        let selector = seriesMatchers.isEmpty ? "ALERTS" : "ALERTS{\(seriesMatchers.joined(separator: ","))}"
        return "max_over_time(\(selector)[\(step)s])"
    }

    private func alertHistory(window: CollectionWindow, deadline: Date) async throws(HTTPFailure) -> CollectedDocument {
        let step = Self.step(for: window, points: Self.historyMaximumPoints, minimum: Self.historyMinimumStep)
        let expression = historyExpression(step: step)
        let series = try await api.queryRange(
            expression, window: window, step: step, endpoint: "/api/v1/query_range ALERTS history", deadline: deadline)
        let intervals = AlertHistoryBuilder.intervals(from: series, step: step, window: window)

        let document: JSONValue = [
            "source": .string(name),
            "query": .string(expression),
            "window": Self.windowJSON(window),
            "resolution_seconds": JSONValue(step),
            "intervals": .array(intervals.map(\.json)),
            "alerts": AlertInterval.summary(intervals),
        ]
        return CollectedDocument(path: "alerts/prometheus-history.json", content: .json(document))
    }

    // MARK: Metric summaries

    private func metricSummary(window: CollectionWindow, deadline: Date) async -> (CollectedDocument, [EndpointFailure]) {
        let step = Self.step(for: window, points: Self.summaryMaximumPoints, minimum: 1)
        let summarizer = MetricSummarizer(forbiddenLabels: querySet.forbiddenLabelSet)
        let outcomes = await concurrentMap(querySet.queries, limit: Self.concurrentRequests) { query in
            await summarize(query, summarizer: summarizer, window: window, step: step, deadline: deadline)
        }
        let queries = outcomes.map(\.json)
        let failures = outcomes.compactMap(\.failure)
        let droppedTotal = outcomes.reduce(0) { $0 + $1.dropped }

        let document: JSONValue = [
            "source": .string(name),
            "query_set": .string(querySet.name),
            "window": Self.windowJSON(window),
            "step_seconds": JSONValue(step),
            "maximum_coarse_points": JSONValue(MetricSummarizer.maximumCoarsePoints),
            "forbidden_labels": .array(querySet.forbiddenLabelSet.sorted().map { .string($0) }),
            "dropped_series_total": JSONValue(droppedTotal),
            "queries": .array(queries),
        ]
        return (CollectedDocument(path: "metrics/summary.json", content: .json(document)), failures)
    }

    private func summarize(
        _ query: QuerySet.Query, summarizer: MetricSummarizer, window: CollectionWindow, step: Int, deadline: Date
    ) async -> (json: JSONValue, failure: EndpointFailure?, dropped: Int) {
        let endpoint = "/api/v1/query_range \(query.name)"
        do {
            let series = try await api.queryRange(query.expr, window: window, step: step, endpoint: endpoint, deadline: deadline)
            let summary = summarizer.summarize(query, series: series)
            return (summary.json, nil, summary.droppedSeries)
        } catch {
            return (MetricSummarizer.failed(query, failure: error), error.endpointFailure, 0)
        }
    }

    // MARK: Label values

    /// Reads the values `label` takes over `window` (`/api/v1/label/<label>/values`), such as
    /// every tenant identifier, without any series.
    public func labelValues(_ label: String, window: CollectionWindow, deadline: Date) async throws(HTTPFailure) -> [String] {
        let path = "/api/v1/label/\(EndpointURL.encode(label))/values"
        let query = [("start", PrometheusAPI.timestamp(window.start)), ("end", PrometheusAPI.timestamp(window.end))]
        let data = try await api.data(path, query: query, endpoint: path, deadline: deadline)
        guard let values = data.arrayValue else {
            throw HTTPFailure(.invalidResponse, endpoint: path, reason: "the label values are not a JSON array")
        }
        return values.compactMap(\.stringValue)
    }

    static func windowJSON(_ window: CollectionWindow) -> JSONValue {
        ["start": .string(Timestamp.format(window.start)), "end": .string(Timestamp.format(window.end))]
    }
}
