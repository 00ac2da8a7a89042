import DiagCollect
import DiagSupport
import Foundation

extension ProfileParser {
    static let endpointKeys = ["url", "auth", "ca_file", "client_cert_file", "client_key_file", "org_id"]
    static let authKeys = ["bearer_token_file", "bearer_token_env", "basic"]
    static let basicKeys = ["username", "password_file", "password_env"]
    /// Keys that would hold a secret inline, each with the reference keys to use in its place.
    static let inlineSecretKeys = [
        "bearer_token": "bearer_token_file or bearer_token_env", "token": "bearer_token_file or bearer_token_env",
        "password": "password_file or password_env", "api_key": "bearer_token_file or bearer_token_env",
        "secret": "a _file or _env reference",
    ]

    func parseEndpoints(_ value: JSONValue) throws -> [ProfileComponent: [ProfileEndpoint]] {
        let members = try mapping(value, at: "endpoints")
        try rejectUnknown(members, allowed: ProfileComponent.allCases.map(\.rawValue), at: "endpoints")
        var endpoints: [ProfileComponent: [ProfileEndpoint]] = [:]
        for component in ProfileComponent.allCases {
            guard let replicas = members[component.rawValue], replicas != .null else { continue }
            let key = "endpoints.\(component.rawValue)"
            guard let items = replicas.arrayValue else {
                throw fail(key, "must be a list of endpoints, one per replica (write '- url: ...')")
            }
            var parsed: [ProfileEndpoint] = []
            for (index, item) in items.enumerated() {
                let endpoint = try parseEndpoint(item, component: component, replica: index + 1, at: "\(key)[\(index)]")
                if let earlier = parsed.firstIndex(where: { $0.url == endpoint.url }) {
                    throw fail("\(key)[\(index)].url", "repeats the URL of \(key)[\(earlier)]; list each replica once")
                }
                parsed.append(endpoint)
            }
            endpoints[component] = parsed
        }
        return endpoints
    }

    private func parseEndpoint(_ value: JSONValue, component: ProfileComponent, replica: Int, at key: String) throws -> ProfileEndpoint {
        let members = try mapping(value, at: key)
        try rejectInlineSecrets(members, at: key)
        try rejectUnknown(members, allowed: Self.endpointKeys, at: key)

        var endpoint = ProfileEndpoint(url: try url(members["url"], at: "\(key).url"), replica: replica)
        if let auth = members["auth"], auth != .null {
            endpoint.authentication = try parseAuthentication(auth, at: "\(key).auth")
        }
        endpoint.tls = TLSFiles(
            caFile: try existingFile(members["ca_file"], at: "\(key).ca_file"),
            clientCertificateFile: try existingFile(members["client_cert_file"], at: "\(key).client_cert_file"),
            clientKeyFile: try existingFile(members["client_key_file"], at: "\(key).client_key_file"))
        if (endpoint.tls.clientCertificateFile == nil) != (endpoint.tls.clientKeyFile == nil) {
            throw fail(key, "give client_cert_file and client_key_file together")
        }
        if !endpoint.tls.isEmpty, endpoint.url.scheme?.lowercased() != "https" {
            throw fail("\(key).url", "uses http, so ca_file and client certificates would not be used; use https")
        }
        if let orgID = members["org_id"] {
            guard component == .loki else {
                throw fail("\(key).org_id", "is only used by loki endpoints (sent as X-Scope-OrgID)")
            }
            endpoint.orgID = try requiredString(orgID, at: "\(key).org_id")
        }
        return endpoint
    }

    private func parseAuthentication(_ value: JSONValue, at key: String) throws -> SourceAuthentication {
        let members = try mapping(value, at: key)
        try rejectInlineSecrets(members, at: key)
        try rejectUnknown(members, allowed: Self.authKeys, at: key)
        guard members.count == 1, let (method, setting) = members.first else {
            throw fail(key, "give exactly one of bearer_token_file, bearer_token_env or basic")
        }
        switch method {
        case "bearer_token_file":
            return .bearer(token: .file(try existingFile(setting, at: "\(key).bearer_token_file")!))
        case "bearer_token_env":
            return .bearer(token: .environment(try environmentName(setting, at: "\(key).bearer_token_env")))
        default:
            let basicKey = "\(key).basic"
            let fields = try mapping(setting, at: basicKey)
            try rejectInlineSecrets(fields, at: basicKey)
            try rejectUnknown(fields, allowed: Self.basicKeys, at: basicKey)
            let username = try requiredString(fields["username"], at: "\(basicKey).username")
            switch (fields["password_file"], fields["password_env"]) {
            case (let file?, nil):
                return .basic(username: username, password: .file(try existingFile(file, at: "\(basicKey).password_file")!))
            case (nil, let name?):
                return .basic(username: username, password: .environment(try environmentName(name, at: "\(basicKey).password_env")))
            default:
                throw fail(basicKey, "give exactly one of password_file or password_env")
            }
        }
    }

    private func rejectInlineSecrets(_ members: [String: JSONValue], at key: String) throws {
        for name in members.keys.sorted() {
            if let replacement = Self.inlineSecretKeys[name] {
                throw fail(
                    "\(key).\(name)",
                    "secrets are not allowed inline in a profile; name a file or environment variable with \(replacement)")
            }
        }
    }

    /// Checks an endpoint URL: http or https with a host, no query or fragment, no password.
    private func url(_ value: JSONValue?, at key: String) throws -> URL {
        let text = try requiredString(value, at: key)
        let shown = SourceURLText.withoutCredentials(text)
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else {
            throw fail(key, "invalid URL '\(shown)': use http://HOST:PORT or https://HOST:PORT, optionally with a path prefix")
        }
        guard url.password == nil else {
            throw fail(key, "the URL contains a password; remove it and use auth.basic with password_file or password_env")
        }
        guard url.query == nil, url.fragment == nil else {
            throw fail(key, "invalid URL '\(shown)': remove the query and fragment; give only the base URL")
        }
        return url
    }

    /// Resolves a file path and checks that a regular file is there; nil when `value` is absent.
    private func existingFile(_ value: JSONValue?, at key: String) throws -> URL? {
        guard let value, value != .null else { return nil }
        let file = try path(value, at: key)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isFolder) else {
            throw fail(key, "file \(file.path) not found; check the path (relative paths start at the profile's folder)")
        }
        guard !isFolder.boolValue else { throw fail(key, "\(file.path) is a folder; give the file itself") }
        return file
    }
}
