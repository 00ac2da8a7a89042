import DiagSupport
import Foundation

/// The outcome of collecting one source or one endpoint, as written to `collection/errors.json`.
public enum SourceStatus: String, Sendable, CaseIterable {
    case ok
    case partial
    case timedOut = "timed_out"
    case unreachable
    case denied
    case invalidResponse = "invalid_response"
    case skipped
}

/// One file of the bundle as collected, before redaction.
public struct CollectedDocument: Sendable {
    /// The bundle-relative path, such as `config/prometheus/prometheus.yml`.
    public var path: String
    public var content: DocumentContent
    /// The bytes a `.json` document was read from, such as a config file, so that its redacted
    /// copy keeps their layout. It is nil for a document the tool made from API responses.
    public var jsonLayout: Data?

    public init(path: String, content: DocumentContent, jsonLayout: Data? = nil) {
        self.path = path
        self.content = content
        self.jsonLayout = jsonLayout
    }
}

/// The body of a collected document. The redactor treats each case by its own rules.
public enum DocumentContent: Sendable {
    case json(JSONValue)
    case yaml(String)
    case text(String)
}

/// One endpoint or file of a source that failed while the others may have succeeded.
public struct EndpointFailure: Sendable, CustomStringConvertible {
    /// The request path or file path; never carries credentials.
    public var endpoint: String
    public var status: SourceStatus
    public var reason: String

    public init(endpoint: String, status: SourceStatus, reason: String) {
        self.endpoint = endpoint
        self.status = status
        self.reason = reason
    }

    public var description: String { "\(endpoint): \(status.rawValue): \(reason)" }
}

/// Everything one collector returned for one source.
public struct SourceResult: Sendable {
    /// The source name, such as `prometheus`.
    public var name: String
    /// The kind of collector, such as `prometheus`, `alertmanager` or `config-files`.
    public var kind: String
    /// The base URL without user info, or a description of the local paths.
    public var endpoint: String
    public var status: SourceStatus
    /// The reason the source is not `ok`, or nil when it is.
    public var reason: String?
    public var durationSeconds: Double
    public var documents: [CollectedDocument]
    public var failures: [EndpointFailure]
    /// The 1-based replica number when the source is one of several replicas of a component.
    public var replica: Int?

    public init(
        name: String, kind: String, endpoint: String, status: SourceStatus, reason: String?,
        durationSeconds: Double, documents: [CollectedDocument], failures: [EndpointFailure], replica: Int? = nil
    ) {
        self.name = name
        self.kind = kind
        self.endpoint = endpoint
        self.status = status
        self.reason = reason
        self.durationSeconds = durationSeconds
        self.documents = documents
        self.failures = failures
        self.replica = replica
    }

    /// Builds a result whose status follows from the counts: `ok` when nothing failed, `partial`
    /// when some of `attempted` endpoints failed, and the most frequent failing status when all did.
    public static func summarizing(
        name: String, kind: String, endpoint: String, started: Date, attempted: Int,
        documents: [CollectedDocument], failures: [EndpointFailure]
    ) -> SourceResult {
        let duration = Date().timeIntervalSince(started)
        guard let first = failures.first else {
            return SourceResult(
                name: name, kind: kind, endpoint: endpoint, status: .ok, reason: nil,
                durationSeconds: duration, documents: documents, failures: [])
        }

        if failures.count < attempted {
            let reason = "\(failures.count) of \(attempted) endpoints failed; first: \(first.endpoint): \(first.reason)"
            return SourceResult(
                name: name, kind: kind, endpoint: endpoint, status: .partial, reason: reason,
                durationSeconds: duration, documents: documents, failures: failures)
        }

        // Every endpoint failed: report the status most of them share, ties going to the earliest.
        var counts: [SourceStatus: Int] = [:]
        for failure in failures { counts[failure.status, default: 0] += 1 }
        let dominant = failures.map(\.status).max { counts[$0]! < counts[$1]! } ?? first.status
        let example = failures.first { $0.status == dominant } ?? first
        return SourceResult(
            name: name, kind: kind, endpoint: endpoint, status: dominant,
            reason: "\(example.endpoint): \(example.reason)",
            durationSeconds: duration, documents: documents, failures: failures)
    }
}

/// The time range that history queries cover.
public struct CollectionWindow: Sendable {
    public var start: Date
    public var end: Date

    public init(start: Date, end: Date) {
        self.start = start
        self.end = end
    }

    public var durationSeconds: Double { end.timeIntervalSince(start) }
}

/// A source of diagnostics, such as one Prometheus server.
public protocol Collector: Sendable {
    var name: String { get }
    var endpointDescription: String { get }
    /// Lists the requests `collect` would make, for `--dry-run`, without contacting anything.
    func plannedRequests() -> [String]
    /// Collects every document. Never throws: each failure becomes an `EndpointFailure`, and the
    /// call returns within about a second after `deadline` even when a server stops responding.
    func collect(window: CollectionWindow, deadline: Date) async -> SourceResult
    /// The kind of source, as in `SourceResult.kind`, such as `prometheus` or `loki`.
    var kind: String { get }
    /// The 1-based replica number when the source is one of several replicas of a component.
    var replica: Int? { get }
}

extension Collector {
    public var kind: String { name }
    public var replica: Int? { nil }
}
