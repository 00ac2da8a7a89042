import DiagSupport
import Foundation

/// The Jaeger query API that a server offers. Jaeger 2 after 2.20 drops the v1 search routes
/// (`/api/services`, `/api/services/{service}/operations`, `/api/traces?service=`), so the
/// collector falls back to the `/api/v3` HTTP gateway when `/api/services` is not found.
enum JaegerQueryVersion: String, Sendable {
    case v1
    case v3
}

extension JaegerAPI {
    /// Lists the services and returns which API version served them.
    func services(deadline: Date) async throws(HTTPFailure) -> (names: [String], version: JaegerQueryVersion) {
        let path = "/api/services"
        let url = url(path)
        let response = try await client.get(url, endpoint: path, deadline: deadline)
        if response.statusCode == 404 {
            let v3Path = "/api/v3/services"
            let value = try await client.getJSON(self.url(v3Path), endpoint: v3Path, deadline: deadline)
            guard let names = value["services"]?.arrayValue else {
                throw HTTPFailure(
                    .invalidResponse, endpoint: v3Path,
                    reason: "neither /api/services nor /api/v3/services returned services; check that the base URL points at the Jaeger query service")
            }
            return (names.compactMap(\.stringValue), .v3)
        }
        guard (200..<300).contains(response.statusCode) else { throw client.failure(for: response, url: url, endpoint: path) }
        let data = try Self.envelopeData(try HTTPClient.decodeJSON(response, endpoint: path), endpoint: path)
        guard let items = data.arrayValue else {
            throw HTTPFailure(.invalidResponse, endpoint: path, reason: "expected a list of names in \"data\"")
        }
        return (items.compactMap(\.stringValue), .v1)
    }

    /// Lists the operation names of `service`.
    func operations(of service: String, version: JaegerQueryVersion, deadline: Date) async throws(HTTPFailure) -> [String] {
        switch version {
        case .v1:
            let path = "/api/services/\(EndpointURL.encode(service))/operations"
            return try await names(path, endpoint: "/api/services/{service}/operations", deadline: deadline)
        case .v3:
            let path = "/api/v3/operations"
            let value = try await client.getJSON(url(path, query: [("service", service)]), endpoint: path, deadline: deadline)
            guard let items = value["operations"]?.arrayValue else {
                throw HTTPFailure(.invalidResponse, endpoint: path, reason: "expected an \"operations\" list")
            }
            return items.compactMap { $0["name"]?.stringValue }
        }
    }

    /// Searches `/api/v3/traces` and returns its OTLP `TracesData`; a search that finds nothing
    /// may come back as HTTP 404 and gives an empty value.
    ///
    /// NOTE: the parameters are sent in snake_case, which Jaeger 2.5 to 2.20 accept; the limit
    /// goes as both `query.num_traces` (older) and `query.search_depth` (newer), because the
    /// version that renamed it is not known here.
    func searchV3(service: String, window: CollectionWindow, limit: Int, deadline: Date) async throws(HTTPFailure) -> JSONValue {
        let path = "/api/v3/traces"
        let query = [
            ("query.service_name", service),
            ("query.start_time_min", Self.rfc3339Nano(window.start)),
            ("query.start_time_max", Self.rfc3339Nano(window.end)),
            ("query.num_traces", String(limit)),
            ("query.search_depth", String(limit)),
        ]
        let url = url(path, query: query)
        let response = try await client.get(url, endpoint: path, deadline: deadline)
        if response.statusCode == 404 { return ["result": ["resourceSpans": []]] }
        guard (200..<300).contains(response.statusCode) else { throw client.failure(for: response, url: url, endpoint: path) }
        let value = try HTTPClient.decodeJSON(response, endpoint: path)
        guard let result = value["result"], result["resourceSpans"] != nil || result.objectValue?.isEmpty == true else {
            throw HTTPFailure(.invalidResponse, endpoint: path, reason: "expected {\"result\": {\"resourceSpans\": [...]}}")
        }
        return result
    }

    static func envelopeData(_ document: JSONValue, endpoint: String) throws(HTTPFailure) -> JSONValue {
        guard let members = document.objectValue, members.keys.contains("data") else {
            throw HTTPFailure(
                .invalidResponse, endpoint: endpoint,
                reason: "the response is not a Jaeger API envelope (no \"data\" member); check that the base URL points at the Jaeger query service")
        }
        if let errors = members["errors"]?.arrayValue, !errors.isEmpty, members["data"] == .null {
            let message = errors.first?["msg"]?.stringValue ?? "no error message"
            throw HTTPFailure(.invalidResponse, endpoint: endpoint, reason: "Jaeger returned an error: \(message)")
        }
        let data = members["data"] ?? .null
        return data == .null ? .array([]) : data
    }

    /// Formats a time as RFC 3339 in UTC with nanosecond digits, as `/api/v3/traces` expects.
    static func rfc3339Nano(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let nanoseconds = Int(((date.timeIntervalSince1970 - seconds) * 1_000_000_000).rounded(.down))
        let whole = Timestamp.format(Date(timeIntervalSince1970: seconds))
        return String(whole.dropLast()) + String(format: ".%09dZ", min(nanoseconds, 999_999_999))
    }
}
