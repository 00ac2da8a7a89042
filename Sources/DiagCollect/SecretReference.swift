import DiagSupport
import Foundation

/// The source of a token or password: a file or an environment variable, never the command
/// line or the profile itself, so that the secret stays out of `ps` output and shell history.
public enum SecretReference: Sendable, Equatable {
    case file(URL)
    case environment(String)

    /// The largest secret file read, in bytes; a token or password is far smaller.
    public static let maximumFileBytes = 64 * 1024

    /// Names the reference for messages, such as `password file /etc/waka/grafana.pass`.
    public func origin(_ noun: String) -> String {
        switch self {
        case .file(let url): return "\(noun) file \(url.path)"
        case .environment(let name): return "\(noun) variable \(name)"
        }
    }

    /// Reads the secret, dropping one trailing newline (and a CR before it) as editors add one.
    ///
    /// Throws `noInput` for a missing or unreadable file and `configuration` for an unset or
    /// empty variable, an empty file or a secret spanning several lines.
    public func read(
        _ noun: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> String {
        var text: String
        switch self {
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw DiagError.configuration(
                    "environment variable \(name) for the \(noun) is not set or empty; export it before running waka-diag")
            }
            text = value
        case .file(let url):
            text = try Self.readFile(url, noun: noun)
        }

        // Swift treats "\r\n" as one Character, so it is tested first.
        if text.hasSuffix("\r\n") || text.hasSuffix("\n") { text.removeLast() }
        guard !text.isEmpty else {
            throw DiagError.configuration("the \(origin(noun)) is empty; put the \(noun) in it on one line")
        }
        guard !text.contains("\n"), !text.contains("\r") else {
            throw DiagError.configuration("the \(origin(noun)) contains several lines; put only the \(noun) in it, on one line")
        }
        return text
    }

    private static func readFile(_ url: URL, noun: String) throws -> String {
        let path = url.path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw DiagError.noInput("cannot read \(noun) file \(path): file not found; check the path in the profile")
        }
        guard !isFolder.boolValue else {
            throw DiagError.noInput("cannot read \(noun) file \(path): it is a folder; give the file itself")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DiagError.noInput("cannot read \(noun) file \(path): permission denied; check the file's mode")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: maximumFileBytes + 1)) ?? Data()
        guard data.count <= maximumFileBytes else {
            throw DiagError.configuration("\(noun) file \(path) is larger than 64 KiB; it must hold only the \(noun)")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw DiagError.configuration("\(noun) file \(path) is not valid UTF-8 text")
        }
        return text
    }
}

/// The authentication method for one source, with the secret still unread.
public enum SourceAuthentication: Sendable, Equatable {
    case none
    /// A bearer token, such as a Grafana service account token.
    case bearer(token: SecretReference)
    case basic(username: String, password: SecretReference)

    /// Reads the secret and returns the credentials with their origin for HTTP 401 messages.
    public func resolve(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> (credentials: HTTPCredentials, origin: String?) {
        switch self {
        case .none:
            return (.none, nil)
        case .bearer(let reference):
            return (.bearer(token: try reference.read("token", environment: environment)), reference.origin("token"))
        case .basic(let username, let reference):
            let password = try reference.read("password", environment: environment)
            return (.basic(username: username, password: password), reference.origin("password"))
        }
    }
}
