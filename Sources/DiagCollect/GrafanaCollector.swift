import DiagSupport
import Foundation

/// Collects health, build and feature settings, data sources, dashboards and folders,
/// Grafana-managed alert rules and their alerts from one Grafana (10.x to 12.x).
///
/// Authenticate with a service account token (bearer) or basic auth through the client's
/// configuration. `/api/datasources` and the provisioning API need the Admin role by default,
/// so a Viewer token gives a `partial` result with those endpoints `denied`.
public struct GrafanaCollector: Collector {
    public let name: String
    public let baseURL: URL
    private let client: HTTPClient

    /// The `limit` of `/api/search`; Grafana's maximum is 5000.
    static let searchLimit = 5000

    /// One endpoint and how its JSON becomes a document.
    private struct Endpoint: Sendable {
        var path: String
        var query: [(String, String)] = []
        var document: String
        var transform: @Sendable (JSONValue, String) throws(HTTPFailure) -> JSONValue
    }

    private static let endpoints: [Endpoint] = [
        Endpoint(path: "/api/frontend/settings", document: "grafana/settings.json") { value, endpoint throws(HTTPFailure) in
            guard value["buildInfo"]?.objectValue != nil else { throw notGrafana(endpoint, "a settings object with \"buildInfo\"") }
            return GrafanaDocuments.settings(value)
        },
        Endpoint(path: "/api/datasources", document: "grafana/datasources.json") { value, endpoint throws(HTTPFailure) in
            GrafanaDocuments.dataSources(try list(value, endpoint))
        },
        Endpoint(path: "/api/search", query: [("limit", String(searchLimit))], document: "grafana/dashboards.json") {
            value, endpoint throws(HTTPFailure) in
            GrafanaDocuments.search(try list(value, endpoint), limit: searchLimit)
        },
        Endpoint(path: "/api/v1/provisioning/alert-rules", document: "grafana/alert-rules.json") { value, endpoint throws(HTTPFailure) in
            GrafanaDocuments.alertRules(try list(value, endpoint))
        },
        Endpoint(path: "/api/alertmanager/grafana/api/v2/alerts", document: "grafana/alerts.json") { value, endpoint throws(HTTPFailure) in
            GrafanaDocuments.alerts(try list(value, endpoint))
        },
    ]

    public init(name: String = "grafana", baseURL: URL, client: HTTPClient) {
        self.name = name
        self.baseURL = baseURL
        self.client = client
    }

    public var kind: String { "grafana" }

    public var endpointDescription: String { baseURL.withoutUserInfo.absoluteString }

    public func plannedRequests() -> [String] {
        ["GET /api/health"] + Self.endpoints.map { "GET \($0.path)" }
    }

    public func collect(window: CollectionWindow, deadline: Date) async -> SourceResult {
        let started = Date()
        // Index 0 is /api/health; the others index into `endpoints`.
        let jobs = Array(0...Self.endpoints.count)
        let outcomes = await concurrentMap(jobs, limit: 4) { job -> DocumentOutcome in
            do throws(HTTPFailure) {
                if job == 0 { return .document(try await health(deadline: deadline)) }
                let endpoint = Self.endpoints[job - 1]
                let url = EndpointURL.make(baseURL, path: endpoint.path, query: endpoint.query)
                let value = try await client.getJSON(url, endpoint: endpoint.path, deadline: deadline)
                return .document(CollectedDocument(path: endpoint.document, content: .json(try endpoint.transform(value, endpoint.path))))
            } catch {
                return .failure(error.endpointFailure)
            }
        }

        let (documents, failures) = DocumentOutcome.split(outcomes)
        return SourceResult.summarizing(
            name: name, kind: "grafana", endpoint: endpointDescription, started: started, attempted: jobs.count,
            documents: documents, failures: failures)
    }

    /// Reads `/api/health`, which needs no credentials. Grafana returns HTTP 503 with
    /// `"database": "failing"` when its database is down, and that response is kept as the document.
    private func health(deadline: Date) async throws(HTTPFailure) -> CollectedDocument {
        let path = "/api/health"
        let url = EndpointURL.make(baseURL, path: path)
        let response = try await client.get(url, endpoint: path, deadline: deadline)
        guard (200..<300).contains(response.statusCode) || response.statusCode == 503 else {
            throw client.failure(for: response, url: url, endpoint: path)
        }
        let value: JSONValue
        do throws(HTTPFailure) {
            value = try HTTPClient.decodeJSON(response, endpoint: path)
        } catch {
            if response.statusCode == 503 { throw client.failure(for: response, url: url, endpoint: path) }
            throw error
        }
        guard value["database"]?.stringValue != nil else { throw Self.notGrafana(path, "a health object with \"database\"") }
        return CollectedDocument(path: "grafana/health.json", content: .json(GrafanaDocuments.health(value)))
    }

    private static func list(_ value: JSONValue, _ endpoint: String) throws(HTTPFailure) -> [JSONValue] {
        guard let items = value.arrayValue else { throw notGrafana(endpoint, "a JSON array") }
        return items
    }

    private static func notGrafana(_ endpoint: String, _ expected: String) -> HTTPFailure {
        HTTPFailure(
            .invalidResponse, endpoint: endpoint,
            reason: "expected \(expected); check that the base URL points at Grafana")
    }
}
