import DiagCollect
import DiagLogs
import DiagSupport
import Foundation

/// Counts Loki's error lines per service and level and mines a bounded sample of them into
/// error types, written as the `loki` source of `logs/error-types.json`.
///
/// The steps, each against Loki 3.x's HTTP API with `X-Scope-OrgID` when an org ID is set:
/// 1. `/loki/api/v1/labels` for the window picks the service label (see `LokiErrorQueries`).
///    With tenant masking on, the values of tenant labels are read too, so those names
///    become `<*>` in templates and service names.
/// 2. One metric `query_range` per selector counts every error line (see
///    `LokiErrorQueries.countQuery`). These counts become the groups' `error_lines`.
/// 3. Log `query_range` pages, spread over equal slices of the window, fetch error lines
///    forward in time. They are mined in memory and never stored. The pages and lines per
///    collection are capped, and paging stops when a page does not move past the last one.
///
/// Failures of the counts or of every page decide the status. A failing label lookup only
/// falls back to `service_name`.
///
/// Several replicas of one Loki serve the same logs, so each replica is read on its own and
/// `LokiReplicaMerge` keeps the larger of their counts. An error line that two replicas return
/// is therefore counted once. A replica that fails is recorded with its number in
/// the failures, and the others still count.
public struct LokiErrorCollector: Collector {
    /// Bounds on the work done against Loki.
    public struct Limits: Sendable, Equatable {
        /// Requests for lines over the whole collection, all selectors together.
        public var maximumPages: Int
        /// Lines fetched over the whole collection.
        public var maximumLines: Int
        /// The `limit` of one request; Loki rejects more than `max_entries_limit_per_query` (5000 by default).
        public var pageLines: Int
        /// The slices of the window that pages are spread over, per selector.
        public var slices: Int
        /// Time buckets of the report window.
        public var bucketCount: Int
        /// Values read per tenant label.
        public var maximumTenantValues: Int

        public init(
            maximumPages: Int = 48, maximumLines: Int = 24_000, pageLines: Int = 1000, slices: Int = 24,
            bucketCount: Int = 24, maximumTenantValues: Int = 10_000
        ) {
            self.maximumPages = max(1, maximumPages)
            self.maximumLines = max(1, maximumLines)
            self.pageLines = min(max(1, pageLines), 5000)
            self.slices = max(1, slices)
            self.bucketCount = max(1, bucketCount)
            self.maximumTenantValues = max(0, maximumTenantValues)
        }
    }

    /// The source name inside `logs/error-types.json`.
    public static let sourceName = "loki"

    public let name: String
    /// The replicas in profile order; never empty.
    public let replicas: [Replica]
    /// LogQL stream selectors; `LokiErrorQueries.defaultSelector` when empty.
    public let selectors: [String]
    public let limits: Limits
    /// Makes tenant identifiers `<*>` before grouping; set in partner and self-hosted mode.
    public let masksTenants: Bool

    /// Creates a collector for one Loki.
    public init(
        name: String = "loki-errors", baseURL: URL, client: HTTPClient, orgID: String? = nil, selectors: [String] = [],
        limits: Limits = Limits(), masksTenants: Bool = false
    ) {
        self.init(
            name: name, replicas: [Replica(baseURL: baseURL, client: client, orgID: orgID)], selectors: selectors,
            limits: limits, masksTenants: masksTenants)
    }

    /// Creates a collector for the replicas of one Loki; `replicas` must not be empty.
    public init(
        name: String = "loki-errors", replicas: [Replica], selectors: [String] = [], limits: Limits = Limits(),
        masksTenants: Bool = false
    ) {
        precondition(!replicas.isEmpty, "a LokiErrorCollector needs at least one replica")
        self.name = name
        self.replicas = replicas
        self.selectors = selectors.isEmpty ? [LokiErrorQueries.defaultSelector] : selectors
        self.limits = limits
        self.masksTenants = masksTenants
    }

    public var kind: String { "loki-errors" }

    /// The first replica's base URL.
    public var baseURL: URL { replicas[0].baseURL }

    /// The first replica's `X-Scope-OrgID`.
    public var orgID: String? { replicas[0].orgID }

    public var endpointDescription: String { replicas.map(\.endpointDescription).joined(separator: ", ") }

    public func plannedRequests() -> [String] {
        let tenant = replicas.contains { $0.orgID != nil } ? " with X-Scope-OrgID" : ""
        var requests: [String] = []
        if replicas.count > 1 {
            requests.append(
                "each of the \(replicas.count) replicas gets the requests below; their counts are merged per template by the larger count, not added")
        }
        requests.append("GET /loki/api/v1/labels\(tenant)")
        if masksTenants { requests.append("GET /loki/api/v1/label/<tenant label>/values\(tenant) to mask tenant names") }
        for selector in selectors {
            requests.append("GET /loki/api/v1/query_range\(tenant): error counts of \(selector) by service and level")
            requests.append(
                "GET /loki/api/v1/query_range\(tenant): error lines of \(selector), forward, at most \(limits.pageLines) per page")
        }
        requests.append("at most \(limits.maximumPages) pages and \(limits.maximumLines) lines in all; lines are mined in memory, never stored")
        return requests
    }

    public func collect(window: CollectionWindow, deadline: Date) async -> SourceResult {
        let started = Date()
        let outcomes = await withTaskGroup(of: (Int, LokiErrorRun.Outcome).self) { group in
            for (index, replica) in replicas.enumerated() {
                group.addTask {
                    var run = LokiErrorRun(collector: self, replica: replica, window: window, deadline: deadline)
                    await run.execute()
                    return (index, run.outcome())
                }
            }
            var outcomes: [(Int, LokiErrorRun.Outcome)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes.sorted { $0.0 < $1.0 }.map(\.1)
        }

        let merge = LokiReplicaMerge(replicas: replicas, outcomes: outcomes)
        var documents: [CollectedDocument] = []
        if let source = merge.source {
            let reportWindow = ErrorTypeReport.Window(start: window.start, end: window.end, bucketCount: limits.bucketCount)
            let report = ErrorTypeReport(window: reportWindow, sources: [source])
            documents.append(CollectedDocument(path: ErrorTypeReport.bundlePath, content: .json(report.jsonValue)))
        }
        let (status, reason) = merge.status()
        return SourceResult(
            name: name, kind: kind, endpoint: endpointDescription, status: status, reason: reason,
            durationSeconds: Date().timeIntervalSince(started), documents: documents, failures: merge.failures)
    }
}
