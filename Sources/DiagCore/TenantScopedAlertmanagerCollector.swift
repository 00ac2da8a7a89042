import DiagCollect
import DiagSupport
import Foundation

/// Collects one Alertmanager (API v2) for one tenant. Alerts, alert groups and silences are
/// requested with `filter=tenant_id="ID"`, so Alertmanager sends only that tenant's. The status
/// and running configuration are the same as `AlertmanagerCollector` collects.
struct TenantScopedAlertmanagerCollector: Collector {
    /// A filtered list endpoint and the bundle path of its document.
    struct ListEndpoint: Sendable {
        var path: String
        var document: String
    }

    static let listEndpoints = [
        ListEndpoint(path: "/api/v2/alerts", document: "alerts/alertmanager-alerts.json"),
        ListEndpoint(path: "/api/v2/alerts/groups", document: "alerts/alertmanager-groups.json"),
        ListEndpoint(path: "/api/v2/silences", document: "alerts/silences.json"),
    ]
    static let statusPath = "/api/v2/status"

    let name: String
    let baseURL: URL
    let client: HTTPClient
    let tenant: String

    var kind: String { "alertmanager" }
    var endpointDescription: String { baseURL.withoutUserInfo.absoluteString }

    /// The Alertmanager matcher that selects the tenant's alerts and silences.
    var filter: String { "\(TenantScope.matcherLabel)=\"\(tenant)\"" }

    func plannedRequests() -> [String] {
        ["GET \(Self.statusPath)"] + Self.listEndpoints.map { "GET \($0.path)?filter=\(filter)" }
    }

    func collect(window: CollectionWindow, deadline: Date) async -> SourceResult {
        let started = Date()
        async let status = fetchStatus(deadline: deadline)
        async let alerts = fetchList(Self.listEndpoints[0], deadline: deadline)
        async let groups = fetchList(Self.listEndpoints[1], deadline: deadline)
        async let silences = fetchList(Self.listEndpoints[2], deadline: deadline)
        let outcomes = await [status, alerts, groups, silences]

        var documents: [CollectedDocument] = []
        var failures: [EndpointFailure] = []
        for outcome in outcomes {
            switch outcome {
            case .success(let found): documents.append(contentsOf: found)
            case .failure(let failure): failures.append(failure.endpointFailure)
            }
        }
        return SourceResult.summarizing(
            name: name, kind: kind, endpoint: endpointDescription, started: started, attempted: outcomes.count,
            documents: documents, failures: failures)
    }

    /// Fetches one filtered list; for alerts also derives the intervals document.
    private func fetchList(_ endpoint: ListEndpoint, deadline: Date) async -> Result<[CollectedDocument], HTTPFailure> {
        let url = ScopedRequestURL.make(baseURL, path: endpoint.path, query: [("filter", filter)])
        do throws(HTTPFailure) {
            let value = try await client.getJSON(url, endpoint: endpoint.path, deadline: deadline)
            guard let items = value.arrayValue else {
                return .failure(
                    HTTPFailure(
                        .invalidResponse, endpoint: endpoint.path,
                        reason: "expected a JSON array; check that the base URL points at Alertmanager"))
            }
            var documents = [CollectedDocument(path: endpoint.document, content: .json(value))]
            if endpoint.path == "/api/v2/alerts" {
                let now = Date()
                let (intervals, skipped) = ScopedAlertInterval.fromAlertmanager(items, now: now)
                let document: JSONValue = [
                    "source": .string(name), "as_of": .string(Timestamp.format(now)),
                    "intervals": .array(intervals.map(\.json)), "alerts": AlertIntervalTotals.summary(intervals.map(\.json)),
                    "skipped_alerts": JSONValue(skipped),
                ]
                documents.append(CollectedDocument(path: "alerts/alertmanager-intervals.json", content: .json(document)))
            }
            return .success(documents)
        } catch {
            return .failure(error)
        }
    }

    /// Splits the status into the running configuration (YAML) and the rest (JSON).
    private func fetchStatus(deadline: Date) async -> Result<[CollectedDocument], HTTPFailure> {
        let path = Self.statusPath
        do throws(HTTPFailure) {
            let value = try await client.getJSON(ScopedRequestURL.make(baseURL, path: path, query: []), endpoint: path, deadline: deadline)
            guard var members = value.objectValue, members["versionInfo"] != nil || members["cluster"] != nil else {
                return .failure(
                    HTTPFailure(
                        .invalidResponse, endpoint: path,
                        reason: "the response is not an Alertmanager status object; check that the base URL points at Alertmanager"))
            }
            var documents: [CollectedDocument] = []
            if var config = members["config"]?.objectValue, let original = config["original"]?.stringValue {
                documents.append(CollectedDocument(path: "config/alertmanager/alertmanager.yml", content: .yaml(original)))
                config.removeValue(forKey: "original")
                members["config"] = .object(config)
            }
            documents.insert(CollectedDocument(path: "alertmanager/status.json", content: .json(.object(members))), at: 0)
            return .success(documents)
        } catch {
            return .failure(error)
        }
    }
}
