import DiagSupport
import Foundation

/// The request line and header fields of one HTTP/1.1 request, as `HTTPRequestHead.parse` accepted them.
public struct HTTPRequestHead: Sendable, Equatable {
    public var method: String
    /// The origin-form target, such as `/v1/uploads/ID`, with any query kept.
    public var target: String
    public var version: String
    /// Header fields with lower-case names; a repeated name keeps its values joined with ", ".
    public var headers: [String: String]

    public var path: Substring { target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0] }

    public var contentLength: Int { headers["content-length"].flatMap { Int($0) } ?? 0 }

    /// True when the client asked to close the connection or speaks HTTP/1.0.
    public var wantsClose: Bool {
        let connection = headers["connection"]?.lowercased() ?? ""
        return version == "HTTP/1.0" || connection.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == "close" }
    }

    /// The limits `parse` enforces on the request line and the header section.
    public struct Limits: Sendable {
        public var maximumRequestLineBytes = 8 << 10
        public var maximumHeaderBytes = 16 << 10
        public var maximumHeaderCount = 64

        public init() {}
    }

    /// Parses the bytes before the blank line that ends the head (CRLF line ends, without the final CRLF CRLF).
    ///
    /// Each rejection carries the status an HTTP server sends. Rejected are obsolete line folding, a
    /// bare LF or CR, header names that are not tokens, and a repeated or non-numeric Content-Length.
    /// Any Transfer-Encoding is rejected too, because only Content-Length bodies are read, and so
    /// are versions other than HTTP/1.0 and HTTP/1.1.
    public static func parse(_ bytes: [UInt8], limits: Limits = Limits()) -> Result<HTTPRequestHead, HTTPResponse> {
        guard bytes.count <= limits.maximumHeaderBytes else {
            return .failure(.error(431, "the request header section is larger than \(limits.maximumHeaderBytes) bytes"))
        }
        if bytes.contains(0) || hasBareLineBreak(bytes) {
            return .failure(.error(400, "the request head contains a NUL byte or a line break other than CRLF"))
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(.error(400, "the request head is not valid UTF-8"))
        }
        let lines = text.components(separatedBy: "\r\n")
        guard let requestLine = lines.first, requestLine.utf8.count <= limits.maximumRequestLineBytes else {
            return .failure(.error(414, "the request line is longer than \(limits.maximumRequestLineBytes) bytes"))
        }

        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].utf8.allSatisfy({ (0x41...0x5A).contains($0) }),
            parts[1].hasPrefix("/"), !parts[1].contains(where: { $0.isWhitespace })
        else {
            return .failure(.error(400, "malformed request line; expected METHOD /path HTTP/1.1"))
        }
        guard parts[2] == "HTTP/1.1" || parts[2] == "HTTP/1.0" else {
            return .failure(.error(505, "unsupported HTTP version \(parts[2]); use HTTP/1.1"))
        }

        var headers: [String: String] = [:]
        let fields = lines.dropFirst()
        guard fields.count <= limits.maximumHeaderCount else {
            return .failure(.error(431, "the request has more than \(limits.maximumHeaderCount) header fields"))
        }
        for line in fields {
            guard let colon = line.firstIndex(of: ":"), !line.hasPrefix(" "), !line.hasPrefix("\t") else {
                return .failure(.error(400, "malformed header line; obsolete line folding and lines without ':' are not accepted"))
            }
            let name = String(line[..<colon])
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenByte) else {
                return .failure(.error(400, "invalid header field name '\(name.prefix(40))'"))
            }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
            let key = name.lowercased()
            if key == "content-length", headers[key] != nil {
                return .failure(.error(400, "the request repeats Content-Length"))
            }
            headers[key] = headers[key].map { "\($0), \(value)" } ?? value
        }

        if headers["transfer-encoding"] != nil {
            return .failure(.error(411, "Transfer-Encoding is not supported; send the body with a Content-Length"))
        }
        if let length = headers["content-length"] {
            guard !length.isEmpty, length.utf8.count <= 18, length.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
                return .failure(.error(400, "invalid Content-Length '\(length.prefix(40))'"))
            }
        }
        return .success(
            HTTPRequestHead(method: String(parts[0]), target: String(parts[1]), version: String(parts[2]), headers: headers))
    }

    static func isTokenByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            || Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
    }

    static func hasBareLineBreak(_ bytes: [UInt8]) -> Bool {
        for index in bytes.indices {
            if bytes[index] == 0x0A && (index == 0 || bytes[index - 1] != 0x0D) { return true }
            if bytes[index] == 0x0D && (index + 1 >= bytes.count || bytes[index + 1] != 0x0A) { return true }
        }
        return false
    }
}

/// One complete request: the head and its Content-Length body.
public struct HTTPRequest: Sendable {
    public var head: HTTPRequestHead
    public var body: Data
}

/// A response with a Content-Length body; the server adds Content-Length and Connection.
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: Data

    public init(status: Int, headers: [(String, String)] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func == (lhs: HTTPResponse, rhs: HTTPResponse) -> Bool {
        lhs.status == rhs.status && lhs.body == rhs.body && lhs.headers.map { "\($0.0):\($0.1)" } == rhs.headers.map { "\($0.0):\($0.1)" }
    }

    /// Creates a JSON response with `value` as the body.
    public static func json(_ status: Int, _ value: JSONValue) -> HTTPResponse {
        var body = value.serialized(pretty: false)
        body.append(0x0A)
        return HTTPResponse(status: status, headers: [("Content-Type", "application/json")], body: body)
    }

    /// Creates a JSON error response `{"error": message}`.
    public static func error(_ status: Int, _ message: String) -> HTTPResponse {
        json(status, ["error": .string(message)])
    }

    /// Serializes the status line, headers and body; `omitBody` keeps Content-Length but leaves
    /// the body out, as a response to HEAD must.
    func serialized(close: Bool, omitBody: Bool = false) -> Data {
        var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body.count)\r\n"
        head += close ? "Connection: close\r\n\r\n" : "\r\n"
        var data = Data(head.utf8)
        if !omitBody { data.append(body) }
        return data
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 201: return "Created"
        case 400: return "Bad Request"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 411: return "Length Required"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 422: return "Unprocessable Content"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"
        case 505: return "HTTP Version Not Supported"
        default: return "Status"
        }
    }
}

/// Lets a `Result` carry, as its failure, the response to send in place of handling a request.
extension HTTPResponse: Error {}
