import DiagCollect
import DiagSupport
import Foundation

extension LokiErrorCollector {
    /// One Loki replica that error lines are read from, with its own client and tenant.
    public struct Replica: Sendable {
        public var baseURL: URL
        public var client: HTTPClient
        /// The tenant sent as `X-Scope-OrgID`, or nil for a Loki with `auth_enabled: false`.
        public var orgID: String?

        public init(baseURL: URL, client: HTTPClient, orgID: String? = nil) {
            self.baseURL = baseURL
            self.client = client
            self.orgID = orgID
        }

        var endpointDescription: String { baseURL.withoutUserInfo.absoluteString }

        var requestHeaders: [String: String] {
            orgID.map { ["X-Scope-OrgID": $0] } ?? [:]
        }

        /// Returns `path` under the base URL with `query` percent-encoded, keeping a path prefix and user info.
        func url(_ path: String, _ query: [(String, String)]) -> URL {
            var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false)!
            var prefix = components.percentEncodedPath
            while prefix.hasSuffix("/") { prefix.removeLast() }
            components.percentEncodedPath = prefix + path
            components.percentEncodedQuery = query.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
            components.fragment = nil
            return components.url!
        }

        /// Sends a GET request and returns the `data` member of a Loki JSON envelope.
        func getData(_ url: URL, endpoint: String, deadline: Date) async throws(HTTPFailure) -> JSONValue? {
            let response = try await client.get(url, endpoint: endpoint, deadline: deadline, headers: requestHeaders)
            guard (200..<300).contains(response.statusCode) else { throw failure(response, url: url, endpoint: endpoint) }
            let first = response.body.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
            if first == UInt8(ascii: "<") || response.headers["content-type"]?.lowercased().contains("text/html") == true {
                throw HTTPFailure(
                    .invalidResponse, endpoint: endpoint,
                    reason: "the server returned HTML; check that the base URL points at Loki and not at a web UI or login page")
            }
            let value: JSONValue
            do {
                value = try JSONValue.parse(response.body)
            } catch {
                throw HTTPFailure(.invalidResponse, endpoint: endpoint, reason: "the response is not valid JSON: \(error.operatorMessage)")
            }
            guard value["status"]?.stringValue == "success" else {
                throw HTTPFailure(
                    .invalidResponse, endpoint: endpoint,
                    reason: "the response has no \"status\": \"success\"; check that the base URL points at Loki")
            }
            return value["data"]
        }

        /// Classifies a failed response. Loki's errors are plain text: a 400 names the LogQL
        /// problem, and a 401 `no org id` means the tenant is missing.
        private func failure(_ response: HTTPClient.Response, url: URL, endpoint: String) -> HTTPFailure {
            let text = String(decoding: response.body.prefix(2048), as: UTF8.self)
                .split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
            if response.statusCode == 401, text.lowercased().contains("no org id") {
                let fix = orgID == nil
                    ? "set org_id for this Loki endpoint in the profile; it is sent as X-Scope-OrgID"
                    : "check org_id; Loki did not accept the X-Scope-OrgID sent"
                return HTTPFailure(.denied, endpoint: endpoint, reason: "HTTP 401 no org id: Loki requires a tenant; \(fix)")
            }
            if response.statusCode == 400 {
                return HTTPFailure(
                    .invalidResponse, endpoint: endpoint,
                    reason: "HTTP 400: Loki rejected the query: \(String(text.prefix(300))); check logs.selectors in the profile")
            }
            return client.failure(for: response, url: url, endpoint: endpoint)
        }

        /// Percent-encodes all but RFC 3986's unreserved characters, `+` included, because Go's
        /// `net/url` reads `+` in a query as a space.
        static func encode(_ text: String) -> String {
            var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
            allowed.insert(charactersIn: "-._~")
            return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
        }
    }
}
