import DiagSupport
import Foundation

/// Sends GET requests to one source with an idle timeout, a hard deadline, a response size limit
/// and a bounded number of redirects, and classifies every failure as a `SourceStatus`.
///
/// Each request is one `CurlTransfer`, without cookies or caching, and ignores proxy environment
/// variables unless the configuration allows them. Requests never log headers, credentials or
/// bodies.
public final class HTTPClient: @unchecked Sendable {
    public let configuration: HTTPClientConfiguration

    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration()) {
        self.configuration = configuration
    }

    /// Sends a GET request and returns the response whatever its status code.
    ///
    /// `endpoint` names the request in failures; pass a path, never a URL with credentials.
    /// `headers` are added to the configured ones for this request only.
    public func get(
        _ url: URL, endpoint: String, deadline: Date, headers: [String: String] = [:]
    ) async throws(HTTPFailure) -> Response {
        if Task.isCancelled {
            throw HTTPFailure(.timedOut, endpoint: endpoint, reason: "cancelled before the request started")
        }
        if Date() >= deadline {
            throw HTTPFailure(
                .timedOut, endpoint: endpoint,
                reason: "timed out: the source's collection deadline passed before the request started")
        }

        let transfer = CurlTransfer(
            endpoint: endpoint, url: url, deadline: deadline, configuration: configuration,
            headers: requestHeaders(url, extra: headers))
        return try await transfer.run().get()
    }

    /// Sends a GET request and parses a 2xx response as JSON; any other status, HTML, invalid
    /// UTF-8 and malformed or truncated JSON fail as the matching `SourceStatus`.
    public func getJSON(
        _ url: URL, endpoint: String, deadline: Date, headers: [String: String] = [:]
    ) async throws(HTTPFailure) -> JSONValue {
        let response = try await get(url, endpoint: endpoint, deadline: deadline, headers: headers)
        guard (200..<300).contains(response.statusCode) else {
            throw failure(for: response, url: url, endpoint: endpoint)
        }
        return try Self.decodeJSON(response, endpoint: endpoint)
    }

    /// Classifies a non-2xx response, naming this client's credential origin after an HTTP 401.
    public func failure(for response: Response, url: URL, endpoint: String) -> HTTPFailure {
        HTTPFailure.classify(
            status: response.statusCode, body: response.body, endpoint: endpoint,
            credentials: credentials(for: url), target: EndpointURL.describe(url),
            origin: configuration.credentialOrigin)
    }

    /// Parses a response body as JSON, naming the most likely cause when it is not.
    static func decodeJSON(_ response: Response, endpoint: String) throws(HTTPFailure) -> JSONValue {
        let body = response.body
        let contentType = response.headers["content-type"]?.lowercased() ?? ""
        let firstByte = body.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }

        if contentType.contains("text/html") || firstByte == UInt8(ascii: "<") {
            throw HTTPFailure(
                .invalidResponse, endpoint: endpoint,
                reason: "the server returned HTML instead of JSON; check that the base URL points at the API and not at a web UI or login page")
        }
        if body.isEmpty {
            throw HTTPFailure(.invalidResponse, endpoint: endpoint, reason: "the server returned an empty body instead of JSON")
        }
        if String(validating: body, as: UTF8.self) == nil {
            throw HTTPFailure(.invalidResponse, endpoint: endpoint, reason: "the response is not valid UTF-8, so it cannot be JSON")
        }

        do {
            return try JSONValue.parse(body)
        } catch let error as JSONParseError {
            if error.offset >= body.count {
                throw HTTPFailure(
                    .invalidResponse, endpoint: endpoint,
                    reason: "truncated JSON: the body ends after \(body.count) bytes before the document is complete")
            }
            throw HTTPFailure(.invalidResponse, endpoint: endpoint, reason: error.description)
        } catch {
            throw HTTPFailure(.invalidResponse, endpoint: endpoint, reason: "invalid JSON: \(error)")
        }
    }

    // MARK: Requests

    /// Returns the request headers: `Accept`, the configured and per-request headers, and
    /// `Authorization` from the credentials.
    private func requestHeaders(_ url: URL, extra: [String: String]) -> [String: String] {
        var headers = ["Accept": "application/json"]
        headers.merge(configuration.headers) { _, configured in configured }
        headers.merge(extra) { _, request in request }
        if let authorization = credentials(for: url).authorizationHeader {
            headers["Authorization"] = authorization
        }
        return headers
    }

    /// Returns the configured credentials, or basic auth from the URL's user info when none are configured.
    private func credentials(for url: URL) -> HTTPCredentials {
        if configuration.credentials != .none { return configuration.credentials }
        if let user = url.user(percentEncoded: false), !user.isEmpty {
            return .basic(username: user, password: url.password(percentEncoded: false) ?? "")
        }
        return .none
    }
}
