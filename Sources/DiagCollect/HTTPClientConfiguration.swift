import Foundation

/// The credentials an `HTTPClient` sends with every request to its source.
public enum HTTPCredentials: Sendable, Equatable {
    case none
    case bearer(token: String)
    case basic(username: String, password: String)

    /// The `Authorization` header value, or nil without credentials.
    var authorizationHeader: String? {
        switch self {
        case .none:
            return nil
        case .bearer(let token):
            return "Bearer \(token)"
        case .basic(let username, let password):
            return "Basic \(Data("\(username):\(password)".utf8).base64EncodedString())"
        }
    }

    /// Tells the operator which credential to check after an HTTP 401, naming the file or
    /// variable the secret came from when `origin` is known.
    func unauthorizedHint(target: String, origin: String?) -> String {
        if let origin, self != .none {
            return "authentication failed for \(target): check the \(origin)"
        }
        return unauthorizedHint
    }

    /// Tells the operator which credential to check after an HTTP 401.
    var unauthorizedHint: String {
        switch self {
        case .none:
            return "the server requires credentials; configure a bearer token or a basic-auth username and password for this source"
        case .bearer:
            return "the server rejected the bearer token; check the token configured for this source"
        case .basic:
            return "the server rejected the basic-auth credentials; check the username and password configured for this source"
        }
    }

    /// Tells the operator which credential to check after an HTTP 403.
    var forbiddenHint: String {
        switch self {
        case .none:
            return "the server denies anonymous access; configure a bearer token or basic-auth credentials with read access"
        case .bearer:
            return "the bearer token was accepted but lacks permission; check the role or scope granted to the token"
        case .basic:
            return "the basic-auth user was accepted but lacks permission; check the role granted to that user"
        }
    }
}

/// Limits and credentials of one `HTTPClient`.
public struct HTTPClientConfiguration: Sendable {
    /// Seconds a request may go without receiving anything before it fails as `timed_out`.
    public var requestTimeout: TimeInterval
    /// The largest response body accepted, in bytes, after content decoding.
    public var maximumResponseBytes: Int
    /// Redirects followed per request; one more fails the request as a redirect loop.
    public var maximumRedirects: Int
    public var credentials: HTTPCredentials
    /// The origin of the secret in `credentials`, such as `password file /etc/waka/prom.pass`,
    /// named in HTTP 401 failures.
    public var credentialOrigin: String?
    /// The CA, client certificate and key files for HTTPS sources.
    public var tls: TLSFiles
    /// Extra request headers, such as `X-Scope-OrgID`. Their values are never logged.
    public var headers: [String: String]
    /// Lets libcurl use the `http_proxy`, `https_proxy` and `all_proxy` environment variables;
    /// when false, each request sets an empty proxy, so the variables are ignored.
    public var useEnvironmentProxy: Bool

    public static let defaultMaximumResponseBytes = 32 * 1024 * 1024

    public init(
        requestTimeout: TimeInterval = 30,
        maximumResponseBytes: Int = HTTPClientConfiguration.defaultMaximumResponseBytes,
        maximumRedirects: Int = 5,
        credentials: HTTPCredentials = .none,
        headers: [String: String] = [:],
        useEnvironmentProxy: Bool = false,
        credentialOrigin: String? = nil,
        tls: TLSFiles = TLSFiles()
    ) {
        self.requestTimeout = requestTimeout
        self.maximumResponseBytes = maximumResponseBytes
        self.maximumRedirects = maximumRedirects
        self.credentials = credentials
        self.headers = headers
        self.useEnvironmentProxy = useEnvironmentProxy
        self.credentialOrigin = credentialOrigin
        self.tls = tls
    }
}

/// PEM files that replace or add to the system's TLS trust and identity for one source.
public struct TLSFiles: Sendable, Equatable {
    /// The CA certificates that sign the server's certificate; nil trusts the system's CA store.
    public var caFile: URL?
    /// The client certificate presented when the server requests one.
    public var clientCertificateFile: URL?
    /// The private key of `clientCertificateFile`, unencrypted.
    public var clientKeyFile: URL?

    public init(caFile: URL? = nil, clientCertificateFile: URL? = nil, clientKeyFile: URL? = nil) {
        self.caFile = caFile
        self.clientCertificateFile = clientCertificateFile
        self.clientKeyFile = clientKeyFile
    }

    /// True when no file is set, so the system defaults apply.
    public var isEmpty: Bool { caFile == nil && clientCertificateFile == nil && clientKeyFile == nil }
}

extension HTTPClient {
    /// A response body and its status, as received.
    public struct Response: Sendable {
        public var statusCode: Int
        /// Header fields with lower-case names.
        public var headers: [String: String]
        public var body: Data
    }
}

/// A failed request, already classified as the source status it leads to.
public struct HTTPFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: SourceStatus
    /// The request path or name, never a URL with credentials.
    public var endpoint: String
    public var reason: String

    public init(_ status: SourceStatus, endpoint: String, reason: String) {
        self.status = status
        self.endpoint = endpoint
        self.reason = reason
    }

    public var description: String { "\(endpoint): \(reason)" }

    public var endpointFailure: EndpointFailure {
        EndpointFailure(endpoint: endpoint, status: status, reason: reason)
    }
}

extension URL {
    /// The URL with any `user:password@` part removed, for messages and documents.
    public var withoutUserInfo: URL {
        guard user != nil || password != nil,
            var components = URLComponents(url: self, resolvingAgainstBaseURL: false)
        else { return self }
        components.user = nil
        components.password = nil
        return components.url ?? self
    }
}
