import DiagSupport
import Foundation

extension HTTPFailure {
    /// `value` seconds as a message shows them: whole numbers without a fraction.
    static func seconds(_ value: TimeInterval) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// `bytes` in the largest binary unit that divides it exactly.
    static func byteCount(_ bytes: Int) -> String {
        if bytes >= 1024 * 1024, bytes % (1024 * 1024) == 0 { return "\(bytes / (1024 * 1024)) MiB" }
        if bytes >= 1024, bytes % 1024 == 0 { return "\(bytes / 1024) KiB" }
        return "\(bytes) bytes"
    }

    /// The maximum length, in characters, of the error-body excerpt quoted in a failure reason.
    static let bodySummaryLimit = 200

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
