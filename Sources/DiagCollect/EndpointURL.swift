import Foundation

/// Builds request URLs under a source's base URL, keeping any route prefix such as `/prometheus`.
enum EndpointURL {
    /// Returns `path` under `baseURL` with `query` appended in order.
    ///
    /// Query values are percent-encoded byte by byte, `+` included, because Prometheus, Loki and
    /// Jaeger (Go's `net/url`) decode `+` in a query string as a space. The base URL's user info
    /// stays on so that `HTTPClient` can turn it into basic auth.
    static func make(_ baseURL: URL, path: String, query: [(String, String)] = []) -> URL {
        var components = URLComponents(url: baseURL.withoutUserInfo, resolvingAgainstBaseURL: false)!
        var prefix = components.percentEncodedPath
        while prefix.hasSuffix("/") { prefix.removeLast() }
        components.percentEncodedPath = prefix + path
        components.percentEncodedQuery =
            query.isEmpty ? nil : query.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
        components.fragment = nil

        components.user = baseURL.user(percentEncoded: false)
        components.password = baseURL.password(percentEncoded: false)
        return components.url!
    }

    /// Percent-encodes every byte except RFC 3986's unreserved characters, so the result is safe
    /// both in a query value and in a single path segment.
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// Returns `url` as text for messages and documents: scheme, host, port and path, without
    /// user info, query or fragment.
    static func describe(_ url: URL) -> String {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "the source" }
        components.user = nil
        components.password = nil
        components.query = nil
        components.fragment = nil
        return components.string ?? "the source"
    }
}
