import DiagSupport
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension HTTPFailure {
    /// The maximum length, in characters, of the error-body excerpt quoted in a failure reason.
    static let bodySummaryLimit = 200

    /// Maps a URLSession transport error to the source status it means. `responseStarted` is true
    /// once headers arrived: the server was then reachable, and the body was cut short.
    static func classify(
        _ error: Error, endpoint: String, requestTimeout: TimeInterval, responseStarted: Bool
    ) -> HTTPFailure {
        let urlError = error as? URLError
        if responseStarted, urlError?.code != .timedOut, urlError?.code != .cancelled {
            return HTTPFailure(
                .invalidResponse, endpoint: endpoint,
                reason: "the server closed the connection before the response was complete (\(error.localizedDescription))")
        }
        guard let urlError else {
            return HTTPFailure(.unreachable, endpoint: endpoint, reason: "request failed: \(error.localizedDescription)")
        }
        switch urlError.code {
        case .cannotConnectToHost:
            return HTTPFailure(
                .unreachable, endpoint: endpoint,
                reason: "connection refused; check that the server runs and listens on the configured host and port")
        case .cannotFindHost, .dnsLookupFailed:
            return HTTPFailure(
                .unreachable, endpoint: endpoint, reason: "host name not found; check the host in the configured URL")
        case .notConnectedToInternet, .internationalRoamingOff, .dataNotAllowed:
            return HTTPFailure(.unreachable, endpoint: endpoint, reason: "no network connection to the server")
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
            .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected,
            .clientCertificateRequired:
            return HTTPFailure(
                .unreachable, endpoint: endpoint,
                reason: "TLS handshake failed; check the server certificate and the URL scheme")
        case .timedOut:
            return HTTPFailure(
                .timedOut, endpoint: endpoint,
                reason: "timed out: no data received for \(HTTPTransfer.seconds(requestTimeout)) s; raise the source's timeout if the server is slow")
        case .cancelled:
            return HTTPFailure(.timedOut, endpoint: endpoint, reason: "cancelled before the response was complete")
        case .httpTooManyRedirects:
            return HTTPFailure(.invalidResponse, endpoint: endpoint, reason: "redirect loop: too many redirects")
        case .networkConnectionLost, .badServerResponse, .zeroByteResource, .cannotParseResponse:
            return HTTPFailure(
                .invalidResponse, endpoint: endpoint,
                reason: "the server closed the connection before a complete response (truncated or empty reply)")
        default:
            return HTTPFailure(
                .unreachable, endpoint: endpoint, reason: "request failed: \(urlError.localizedDescription)")
        }
    }

    /// Maps a non-2xx HTTP response to the source status it means.
    static func classify(
        status: Int, body: Data, endpoint: String, credentials: HTTPCredentials
    ) -> HTTPFailure {
        switch status {
        case 401:
            return HTTPFailure(.denied, endpoint: endpoint, reason: "HTTP 401 Unauthorized: \(credentials.unauthorizedHint)")
        case 403:
            return HTTPFailure(.denied, endpoint: endpoint, reason: "HTTP 403 Forbidden: \(credentials.forbiddenHint)")
        case 300..<400:
            return HTTPFailure(
                .invalidResponse, endpoint: endpoint,
                reason: "HTTP \(status) redirect that was not followed; check the base URL")
        default:
            let summary = summarize(body)
            let detail = summary.isEmpty ? "empty body" : summary
            return HTTPFailure(.invalidResponse, endpoint: endpoint, reason: "HTTP \(status): \(detail)")
        }
    }

    /// Returns the server's error message from a body: the `error` or `message` member of a JSON
    /// object, a bare JSON string, or else the text itself, on one line and at most 200 characters.
    static func summarize(_ body: Data) -> String {
        var text = String(decoding: body.prefix(64 * 1024), as: UTF8.self)
        if let value = try? JSONValue.parse(body) {
            if let message = value["error"]?.stringValue ?? value["message"]?.stringValue ?? value.stringValue {
                text = message
            }
        }

        var line = ""
        var lastWasSpace = false
        for character in text {
            let isSpace = character.isWhitespace || character.unicodeScalars.contains { $0.properties.generalCategory == .control }
            if isSpace {
                if !lastWasSpace, !line.isEmpty { line.append(" ") }
                lastWasSpace = true
            } else {
                line.append(character)
                lastWasSpace = false
            }
            if line.count > bodySummaryLimit { break }
        }
        line = line.trimmingCharacters(in: .whitespaces)
        if line.count > bodySummaryLimit { line = String(line.prefix(bodySummaryLimit - 1)) + "…" }
        return line
    }
}
