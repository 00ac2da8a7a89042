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
        if let failure = classifyTLS(error, endpoint: endpoint) { return failure }
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

    /// Recognizes libcurl's TLS errors, which FoundationNetworking reports as unknown errors
    /// carrying libcurl's message, and names the fix.
    static func classifyTLS(_ error: Error, endpoint: String) -> HTTPFailure? {
        let message = transportMessage(error)
        if message.contains("SSL certificate problem") || message.contains("certificate verify failed") {
            return HTTPFailure(
                .unreachable, endpoint: endpoint,
                reason: "certificate not trusted (\(message)); set ca_file to the CA certificate that signed the server's certificate")
        }
        if message.contains("no alternative certificate subject name") || message.contains("does not match target host") {
            return HTTPFailure(
                .unreachable, endpoint: endpoint,
                reason: "the server certificate does not match the host name (\(message)); use the host name or IP address the certificate names")
        }
        if message.contains("SSL") || message.contains("TLS") || message.contains("certificate") {
            return HTTPFailure(
                .unreachable, endpoint: endpoint,
                reason: "TLS handshake failed (\(message)); check the URL scheme, ca_file, client_cert_file and client_key_file")
        }
        return nil
    }

    /// Returns the most specific description of a transport error, looking into underlying errors.
    static func transportMessage(_ error: Error) -> String {
        var current: NSError? = error as NSError
        var best = ""
        var depth = 0
        while let nsError = current, depth < 4 {
            if let text = nsError.userInfo[NSLocalizedDescriptionKey] as? String, !text.isEmpty, text != "(null)" {
                best = text
            }
            current = nsError.userInfo[NSUnderlyingErrorKey] as? NSError
            depth += 1
        }
        return best.isEmpty ? error.localizedDescription : best
    }

    /// Maps a non-2xx HTTP response to the source status it means. `target` names the URL in
    /// an HTTP 401 message and `origin` the file or variable the secret came from.
    static func classify(
        status: Int, body: Data, endpoint: String, credentials: HTTPCredentials,
        target: String? = nil, origin: String? = nil
    ) -> HTTPFailure {
        switch status {
        case 401:
            let hint = credentials.unauthorizedHint(target: target ?? endpoint, origin: origin)
            return HTTPFailure(.denied, endpoint: endpoint, reason: "HTTP 401 Unauthorized: \(hint)")
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

    /// Returns the server's error message from a body, on one line and at most 200 characters.
    /// It is the `error` or `message` member of a JSON object, the first `errors[].msg` of a
    /// Jaeger envelope, `error.message` of Jaeger's API v3, a bare JSON string, or the text.
    static func summarize(_ body: Data) -> String {
        var text = String(decoding: body.prefix(64 * 1024), as: UTF8.self)
        if let value = try? JSONValue.parse(body) {
            let message =
                value["error"]?.stringValue ?? value["message"]?.stringValue ?? value["errors"]?[0]?["msg"]?.stringValue
                ?? value["error"]?["message"]?.stringValue ?? value.stringValue
            if let message { text = message }
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
