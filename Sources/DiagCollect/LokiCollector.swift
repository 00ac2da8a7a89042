import DiagSupport
import Foundation

/// Collects readiness, build information and the effective configuration of one Loki (3.x).
///
/// Loki's error counts come from the log miner, not from this collector. The org ID, when set,
/// goes out as `X-Scope-OrgID`, which Loki requires by default (`auth_enabled: true`).
public struct LokiCollector: Collector {
    public let name: String
    public let baseURL: URL
    /// The tenant sent as `X-Scope-OrgID`, or nil for a Loki with `auth_enabled: false`.
    public let orgID: String?
    private let client: HTTPClient

    /// The maximum length of the readiness message kept, in characters.
    static let readyMessageLimit = 300

    public init(name: String = "loki", baseURL: URL, client: HTTPClient, orgID: String? = nil) {
        self.name = name
        self.baseURL = baseURL
        self.client = client
        self.orgID = orgID
    }

    public var kind: String { "loki" }

    public var endpointDescription: String { baseURL.withoutUserInfo.absoluteString }

    public func plannedRequests() -> [String] {
        let tenant = orgID == nil ? "" : " with X-Scope-OrgID"
        return ["GET /ready", "GET /loki/api/v1/status/buildinfo\(tenant)", "GET /config\(tenant)"]
    }

    private var headers: [String: String] {
        orgID.map { ["X-Scope-OrgID": $0] } ?? [:]
    }

    public func collect(window: CollectionWindow, deadline: Date) async -> SourceResult {
        let started = Date()
        let jobs = [0, 1, 2]
        let outcomes = await concurrentMap(jobs, limit: jobs.count) { job -> DocumentOutcome in
            do throws(HTTPFailure) {
                switch job {
                case 0: return .document(try await readiness(deadline: deadline))
                case 1: return .document(try await buildInfo(deadline: deadline))
                default: return .document(try await configuration(deadline: deadline))
                }
            } catch {
                return .failure(error.endpointFailure)
            }
        }

        let (documents, failures) = DocumentOutcome.split(outcomes)
        return SourceResult.summarizing(
            name: name, kind: "loki", endpoint: endpointDescription, started: started, attempted: jobs.count,
            documents: documents, failures: failures)
    }

    /// Reads `/ready`. Loki returns 503 with a reason while it starts or stops. That response
    /// becomes the document, because a Loki that is up but not ready is itself a finding.
    private func readiness(deadline: Date) async throws(HTTPFailure) -> CollectedDocument {
        let path = "/ready"
        let url = EndpointURL.make(baseURL, path: path)
        let response = try await client.get(url, endpoint: path, deadline: deadline, headers: headers)
        guard response.statusCode == 200 || response.statusCode == 503 else {
            throw failure(response, url: url, endpoint: path)
        }
        try Self.rejectHTML(response, endpoint: path)
        let message = HTTPFailure.summarize(response.body)
        let document: JSONValue = [
            "ready": .bool(response.statusCode == 200),
            "status_code": JSONValue(response.statusCode),
            "message": .string(String(message.prefix(Self.readyMessageLimit))),
        ]
        return CollectedDocument(path: "loki/ready.json", content: .json(document))
    }

    private func buildInfo(deadline: Date) async throws(HTTPFailure) -> CollectedDocument {
        let path = "/loki/api/v1/status/buildinfo"
        let url = EndpointURL.make(baseURL, path: path)
        let response = try await client.get(url, endpoint: path, deadline: deadline, headers: headers)
        guard (200..<300).contains(response.statusCode) else { throw failure(response, url: url, endpoint: path) }
        let value = try HTTPClient.decodeJSON(response, endpoint: path)
        guard value["version"]?.stringValue != nil else {
            throw HTTPFailure(
                .invalidResponse, endpoint: path,
                reason: "the response has no \"version\"; check that the base URL points at Loki")
        }
        return CollectedDocument(path: "loki/buildinfo.json", content: .json(value))
    }

    /// Reads `/config`, the effective configuration as YAML with `flagext.Secret` fields masked
    /// by Loki; the redactor handles the rest.
    private func configuration(deadline: Date) async throws(HTTPFailure) -> CollectedDocument {
        let path = "/config"
        let url = EndpointURL.make(baseURL, path: path)
        let response = try await client.get(url, endpoint: path, deadline: deadline, headers: headers)
        guard (200..<300).contains(response.statusCode) else { throw failure(response, url: url, endpoint: path) }
        try Self.rejectHTML(response, endpoint: path)
        guard let text = String(validating: response.body, as: UTF8.self), !response.body.contains(0) else {
            throw HTTPFailure(.invalidResponse, endpoint: path, reason: "the configuration is not UTF-8 text")
        }
        let parsed: YAMLNode
        do {
            parsed = try YAMLDocument.parse(text)
        } catch {
            throw HTTPFailure(.invalidResponse, endpoint: path, reason: "the configuration is not valid YAML: \(error.operatorMessage)")
        }
        guard case .mapping(let pairs) = parsed, !pairs.isEmpty else {
            throw HTTPFailure(.invalidResponse, endpoint: path, reason: "the configuration is not a YAML mapping; check that the base URL points at Loki")
        }
        return CollectedDocument(path: "config/loki/loki.yaml", content: .yaml(text))
    }

    /// Classifies a failed response; Loki's HTTP 401 `no org id` means the tenant is missing.
    private func failure(_ response: HTTPClient.Response, url: URL, endpoint: String) -> HTTPFailure {
        if response.statusCode == 401, HTTPFailure.summarize(response.body).lowercased().contains("no org id") {
            let fix = orgID == nil
                ? "set org_id for this Loki endpoint in the profile; it is sent as X-Scope-OrgID"
                : "check org_id; Loki did not accept the X-Scope-OrgID sent"
            return HTTPFailure(.denied, endpoint: endpoint, reason: "HTTP 401 no org id: Loki requires a tenant; \(fix)")
        }
        return client.failure(for: response, url: url, endpoint: endpoint)
    }

    private static func rejectHTML(_ response: HTTPClient.Response, endpoint: String) throws(HTTPFailure) {
        let contentType = response.headers["content-type"]?.lowercased() ?? ""
        let first = response.body.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        if contentType.contains("text/html") || first == UInt8(ascii: "<") {
            throw HTTPFailure(
                .invalidResponse, endpoint: endpoint,
                reason: "the server returned HTML; check that the base URL points at Loki and not at a web UI or login page")
        }
    }
}
