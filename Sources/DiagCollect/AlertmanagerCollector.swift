import DiagSupport
import Foundation

/// Collects status, configuration, alerts, alert groups and silences from one Alertmanager
/// (API v2, shapes as of Alertmanager 0.25), plus the active intervals of its current alerts.
///
/// With `filters`, the three lists are requested with one `filter` parameter per matcher, so
/// Alertmanager returns only the alerts, groups and silences that match all of them.
public struct AlertmanagerCollector: Collector {
    public let name: String
    public let baseURL: URL
    /// Alertmanager matchers such as `tenant_id="acme"`.
    public let filters: [String]
    private let client: HTTPClient

    /// An endpoint whose body, a JSON array, is stored as one document.
    private struct ListEndpoint {
        var path: String
        var document: String
    }

    private static let listEndpoints = [
        ListEndpoint(path: "/api/v2/alerts", document: "alerts/alertmanager-alerts.json"),
        ListEndpoint(path: "/api/v2/alerts/groups", document: "alerts/alertmanager-groups.json"),
        ListEndpoint(path: "/api/v2/silences", document: "alerts/silences.json"),
    ]

    public init(name: String = "alertmanager", baseURL: URL, client: HTTPClient, filters: [String] = []) {
        self.name = name
        self.baseURL = baseURL
        self.filters = filters
        self.client = client
    }

    public var kind: String { "alertmanager" }

    public var endpointDescription: String { baseURL.withoutUserInfo.absoluteString }

    public func plannedRequests() -> [String] {
        let query = filters.map { "filter=\($0)" }.joined(separator: "&")
        return ["GET /api/v2/status"] + Self.listEndpoints.map { query.isEmpty ? "GET \($0.path)" : "GET \($0.path)?\(query)" }
    }

    public func collect(window: CollectionWindow, deadline: Date) async -> SourceResult {
        let started = Date()
        let api = PrometheusAPI(baseURL: baseURL, client: client)

        // Index 0 is /api/v2/status; the others index into listEndpoints.
        let jobs = Array(0...Self.listEndpoints.count)
        let outcomes = await concurrentMap(jobs, limit: jobs.count) { job -> [DocumentOutcome] in
            do throws(HTTPFailure) {
                if job == 0 { return try await status(api: api, deadline: deadline).map { .document($0) } }
                return try await list(Self.listEndpoints[job - 1], api: api, deadline: deadline).map { .document($0) }
            } catch {
                return [.failure(error.endpointFailure)]
            }
        }

        let (documents, failures) = DocumentOutcome.split(outcomes.joined())
        return SourceResult.summarizing(
            name: name, kind: "alertmanager", endpoint: endpointDescription, started: started,
            attempted: jobs.count, documents: documents, failures: failures)
    }

    /// Fetches one list endpoint; for `/api/v2/alerts` also derives the intervals document.
    private func list(_ endpoint: ListEndpoint, api: PrometheusAPI, deadline: Date) async throws(HTTPFailure) -> [CollectedDocument] {
        let query = filters.map { ("filter", $0) }
        let value = try await client.getJSON(api.url(endpoint.path, query: query), endpoint: endpoint.path, deadline: deadline)
        guard let items = value.arrayValue else {
            throw HTTPFailure(
                .invalidResponse, endpoint: endpoint.path,
                reason: "expected a JSON array; check that the base URL points at Alertmanager")
        }
        var documents = [CollectedDocument(path: endpoint.document, content: .json(value))]
        if endpoint.path == "/api/v2/alerts" {
            documents.append(intervalsDocument(alerts: items, now: Date()))
        }
        return documents
    }

    /// Splits `/api/v2/status` into the running configuration (YAML) and the rest (JSON).
    private func status(api: PrometheusAPI, deadline: Date) async throws(HTTPFailure) -> [CollectedDocument] {
        let path = "/api/v2/status"
        let value = try await client.getJSON(api.url(path), endpoint: path, deadline: deadline)
        guard var members = value.objectValue, members["versionInfo"] != nil || members["cluster"] != nil else {
            throw HTTPFailure(
                .invalidResponse, endpoint: path,
                reason: "the response is not an Alertmanager status object; check that the base URL points at Alertmanager")
        }

        var documents: [CollectedDocument] = []
        if var config = members["config"]?.objectValue, let original = config["original"]?.stringValue {
            documents.append(CollectedDocument(path: "config/alertmanager/alertmanager.yml", content: .yaml(original)))
            config.removeValue(forKey: "original")
            members["config"] = .object(config)
        }
        documents.insert(CollectedDocument(path: "alertmanager/status.json", content: .json(.object(members))), at: 0)
        return documents
    }

    /// Derives one interval per current alert from `startsAt` and `endsAt`. An alert whose
    /// `endsAt` lies after `now` is still active, so its interval is open.
    func intervalsDocument(alerts: [JSONValue], now: Date) -> CollectedDocument {
        var intervals: [AlertInterval] = []
        var skipped = 0
        for alert in alerts {
            guard var labels = alert["labels"]?.objectValue?.compactMapValues(\.stringValue),
                let startText = alert["startsAt"]?.stringValue, let start = Timestamp.parse(startText)
            else {
                skipped += 1
                continue
            }
            let alertname = labels.removeValue(forKey: "alertname") ?? "unknown"
            let severity = labels.removeValue(forKey: "severity")
            let end = alert["endsAt"]?.stringValue.flatMap(Timestamp.parse).flatMap { $0 > now ? nil : $0 }
            intervals.append(
                AlertInterval(
                    alertname: alertname, state: alert["status"]?["state"]?.stringValue ?? "active",
                    severity: severity, labels: labels, start: start, end: end,
                    durationSeconds: max(0, (end ?? now).timeIntervalSince(start))))
        }

        let sorted = AlertInterval.sorted(intervals)
        let document: JSONValue = [
            "source": .string(name),
            "as_of": .string(Timestamp.format(now)),
            "intervals": .array(sorted.map(\.json)),
            "alerts": AlertInterval.summary(sorted),
            "skipped_alerts": JSONValue(skipped),
        ]
        return CollectedDocument(path: "alerts/alertmanager-intervals.json", content: .json(document))
    }
}
