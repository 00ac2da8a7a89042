import DiagSupport
import Foundation

/// Requests to the Jaeger query service's HTTP JSON API (v1, as served by `jaeger-query` 1.62
/// and by Jaeger 2.x), unwrapping its `{"data": …, "errors": …}` envelope.
struct JaegerAPI: Sendable {
    let baseURL: URL
    let client: HTTPClient

    func url(_ path: String, query: [(String, String)] = []) -> URL {
        EndpointURL.make(baseURL, path: path, query: query)
    }

    /// Fetches `path` and returns the envelope's `data` member; `null` data becomes an empty array,
    /// because Jaeger writes a nil slice that way.
    func data(
        _ path: String, query: [(String, String)] = [], endpoint: String, deadline: Date
    ) async throws(HTTPFailure) -> JSONValue {
        let document = try await client.getJSON(url(path, query: query), endpoint: endpoint, deadline: deadline)
        return try Self.envelopeData(document, endpoint: endpoint)
    }

    /// Fetches a list of names, such as `/api/services`.
    func names(_ path: String, endpoint: String, deadline: Date) async throws(HTTPFailure) -> [String] {
        let data = try await data(path, endpoint: endpoint, deadline: deadline)
        guard let items = data.arrayValue else {
            throw HTTPFailure(.invalidResponse, endpoint: endpoint, reason: "expected a list of names in \"data\"")
        }
        return items.compactMap(\.stringValue)
    }

    /// Formats a time as integer microseconds since the epoch, the unit of `/api/traces`.
    static func microseconds(_ date: Date) -> String {
        String(Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down)))
    }

    /// Formats a time or duration as integer milliseconds, the unit of `/api/dependencies` and SPM.
    static func milliseconds(_ seconds: TimeInterval) -> String {
        String(Int64((seconds * 1000).rounded(.down)))
    }
}
