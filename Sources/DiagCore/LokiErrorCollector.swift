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
    public let baseURL: URL
    /// The tenant sent as `X-Scope-OrgID`, or nil for a Loki with `auth_enabled: false`.
    public let orgID: String?
    /// LogQL stream selectors; `LokiErrorQueries.defaultSelector` when empty.
    public let selectors: [String]
    public let limits: Limits
    /// Makes tenant identifiers `<*>` before grouping; set in partner and self-hosted mode.
    public let masksTenants: Bool
    let client: HTTPClient

    public init(
        name: String = "loki-errors", baseURL: URL, client: HTTPClient, orgID: String? = nil, selectors: [String] = [],
        limits: Limits = Limits(), masksTenants: Bool = false
    ) {
        self.name = name
        self.baseURL = baseURL
        self.client = client
        self.orgID = orgID
        self.selectors = selectors.isEmpty ? [LokiErrorQueries.defaultSelector] : selectors
        self.limits = limits
        self.masksTenants = masksTenants
    }

    public var kind: String { "loki-errors" }

    public var endpointDescription: String { baseURL.withoutUserInfo.absoluteString }

    public func plannedRequests() -> [String] {
        let tenant = orgID == nil ? "" : " with X-Scope-OrgID"
        var requests = ["GET /loki/api/v1/labels\(tenant)"]
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
        var run = LokiErrorRun(collector: self, window: window, deadline: deadline)
        await run.execute()
        return run.result()
    }

    var requestHeaders: [String: String] {
        orgID.map { ["X-Scope-OrgID": $0] } ?? [:]
    }

    /// Returns `path` under the base URL with `query` percent-encoded, keeping a path prefix and user info.
    func url(_ path: String, _ query: [(String, String)]) -> URL {
        var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false)!
        var prefix = components.percentEncodedPath
        while prefix.hasSuffix("/") { prefix.removeLast() }
        components.percentEncodedPath = prefix + path
        components.percentEncodedQuery = query.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        components.fragment = nil
        return components.url!
    }

    /// Percent-encodes all but RFC 3986's unreserved characters, `+` included, because Go's
    /// `net/url` reads `+` in a query as a space.
    static func encode(_ text: String) -> String {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// Sends a GET request and returns the `data` member of a Loki JSON envelope.
    func getData(_ url: URL, endpoint: String, deadline: Date) async throws(HTTPFailure) -> JSONValue? {
        let response = try await client.get(url, endpoint: endpoint, deadline: deadline, headers: requestHeaders)
        guard (200..<300).contains(response.statusCode) else { throw failure(response, url: url, endpoint: endpoint) }
        let first = response.body.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        if first == UInt8(ascii: "<") || response.headers["content-type"]?.lowercased().contains("text/html") == true {
            throw HTTPFailure(
                .invalidResponse, endpoint: endpoint,
                reason: "the server returned HTML; check that the base URL points at Loki and not at a web UI or login page")
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(response.body)
        } catch {
            throw HTTPFailure(.invalidResponse, endpoint: endpoint, reason: "the response is not valid JSON: \(error.operatorMessage)")
        }
        guard value["status"]?.stringValue == "success" else {
            throw HTTPFailure(
                .invalidResponse, endpoint: endpoint,
                reason: "the response has no \"status\": \"success\"; check that the base URL points at Loki")
        }
        return value["data"]
    }

    /// Classifies a failed response. Loki's errors are plain text: a 400 names the LogQL
    /// problem, and a 401 `no org id` means the tenant is missing.
    private func failure(_ response: HTTPClient.Response, url: URL, endpoint: String) -> HTTPFailure {
        let text = String(decoding: response.body.prefix(2048), as: UTF8.self)
            .split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        if response.statusCode == 401, text.lowercased().contains("no org id") {
            let fix = orgID == nil
                ? "set org_id for this Loki endpoint in the profile; it is sent as X-Scope-OrgID"
                : "check org_id; Loki did not accept the X-Scope-OrgID sent"
            return HTTPFailure(.denied, endpoint: endpoint, reason: "HTTP 401 no org id: Loki requires a tenant; \(fix)")
        }
        if response.statusCode == 400 {
            return HTTPFailure(
                .invalidResponse, endpoint: endpoint,
                reason: "HTTP 400: Loki rejected the query: \(String(text.prefix(300))); check logs.selectors in the profile")
        }
        return client.failure(for: response, url: url, endpoint: endpoint)
    }
}

/// One collection by a `LokiErrorCollector`: the requests made, the counts returned and the
/// miner fed with the fetched lines.
struct LokiErrorRun {
    static let labelsEndpoint = "/loki/api/v1/labels"
    static let countsEndpoint = "/loki/api/v1/query_range (error counts)"
    static let linesEndpoint = "/loki/api/v1/query_range (error lines)"
    /// Seconds before the deadline after which no further page is requested.
    static let deadlineMargin: TimeInterval = 2

    let collector: LokiErrorCollector
    let window: CollectionWindow
    let deadline: Date
    let started = Date()
    let reportWindow: ErrorTypeReport.Window
    var miner: ErrorTypeCollector
    var masking: TenantMasking?
    var serviceLabel = LokiErrorQueries.serviceLabelCandidates[0]
    var labels: [String] = []

    var failures: [EndpointFailure] = []
    var requests = 0
    /// Count queries and line pages that succeeded; the status depends on them.
    var coreSuccesses = 0
    /// True after a failure that later requests would repeat: unreachable, denied or timed out.
    var isStopped = false
    var counts: [ErrorTypeReport.GroupCount] = []
    var countsSucceeded = false
    var countedBelowErrorLevel = 0
    var pages = 0
    var linesFetched = 0
    var stoppedBy: String?

    init(collector: LokiErrorCollector, window: CollectionWindow, deadline: Date) {
        self.collector = collector
        self.window = window
        self.deadline = deadline
        reportWindow = ErrorTypeReport.Window(start: window.start, end: window.end, bucketCount: collector.limits.bucketCount)
        masking = collector.masksTenants ? TenantMasking(knownIdentifiers: collector.orgID?.split(separator: "|").map(String.init) ?? []) : nil
        miner = ErrorTypeCollector(name: LokiErrorCollector.sourceName)
    }

    var startNanoseconds: Int64 { Int64((window.start.timeIntervalSince1970 * 1e9).rounded()) }
    var endNanoseconds: Int64 { max(Int64((window.end.timeIntervalSince1970 * 1e9).rounded()), startNanoseconds + 1) }

    mutating func execute() async {
        await readLabels()
        if isStopped { return }
        if masking != nil { await readTenantNames() }
        if isStopped { return }
        miner = ErrorTypeCollector(
            name: LokiErrorCollector.sourceName,
            configuration: .init(window: reportWindow, referenceDate: window.end, tenantMasking: masking))

        for selector in collector.selectors where !isStopped {
            await count(selector)
        }
        let share = collector.selectors.count
        for selector in collector.selectors where !isStopped {
            await fetchLines(
                selector, pageBudget: max(1, collector.limits.maximumPages / share),
                lineBudget: max(1, collector.limits.maximumLines / share))
        }
    }

    /// Records a failure, and stops the run when later requests would fail the same way.
    mutating func record(_ failure: HTTPFailure) {
        failures.append(failure.endpointFailure)
        if [.unreachable, .denied, .timedOut].contains(failure.status) { isStopped = true }
    }

    private mutating func readLabels() async {
        let url = collector.url(
            Self.labelsEndpoint, [("start", String(startNanoseconds)), ("end", String(endNanoseconds))])
        requests += 1
        do throws(HTTPFailure) {
            let data = try await collector.getData(url, endpoint: Self.labelsEndpoint, deadline: deadline)
            // Loki leaves `data` out when no label exists in the window.
            labels = data?.arrayValue?.compactMap(\.stringValue) ?? []
            serviceLabel = LokiErrorQueries.serviceLabel(among: labels)
        } catch {
            record(error)
        }
    }

    private mutating func readTenantNames() async {
        for label in LokiErrorQueries.tenantLabels where labels.contains(label) && !isStopped {
            let path = "/loki/api/v1/label/\(LokiErrorCollector.encode(label))/values"
            let url = collector.url(path, [("start", String(startNanoseconds)), ("end", String(endNanoseconds))])
            requests += 1
            do throws(HTTPFailure) {
                let data = try await collector.getData(url, endpoint: "/loki/api/v1/label/<name>/values", deadline: deadline)
                let values = data?.arrayValue?.compactMap(\.stringValue) ?? []
                masking?.add(values.prefix(collector.limits.maximumTenantValues))
            } catch {
                record(error)
            }
        }
    }
}

extension LokiErrorRun {
    /// Counts the selector's error lines with one metric query whose steps tile the window.
    ///
    /// Each point counts the step before it, so points at `end - k * step` for k below n cover
    /// `(end - n * step, end]`: the window itself when it divides into whole milliseconds,
    /// otherwise up to one step more.
    mutating func count(_ selector: String) async {
        let windowMilliseconds = max(Int64(window.durationSeconds * 1000), 1000)
        let buckets = Int64(collector.limits.bucketCount)
        let stepMilliseconds = max(1000, (windowMilliseconds + buckets - 1) / buckets)
        let steps = (windowMilliseconds + stepMilliseconds - 1) / stepMilliseconds
        let queryStart = endNanoseconds - (steps - 1) * stepMilliseconds * 1_000_000
        let query = LokiErrorQueries.countQuery(
            selector: selector, serviceLabel: serviceLabel, stepMilliseconds: Int(stepMilliseconds))
        let url = collector.url(
            "/loki/api/v1/query_range",
            [
                ("query", query), ("start", String(queryStart)), ("end", String(endNanoseconds)),
                ("step", String(format: "%.3f", Double(stepMilliseconds) / 1000)),
            ])

        requests += 1
        do throws(HTTPFailure) {
            let data = try await collector.getData(url, endpoint: Self.countsEndpoint, deadline: deadline) ?? .null
            let result: LokiErrorQueries.Counts
            do {
                result = try LokiErrorQueries.counts(fromMatrix: data, serviceLabel: serviceLabel, masking: masking)
            } catch {
                throw HTTPFailure(.invalidResponse, endpoint: Self.countsEndpoint, reason: error.operatorMessage)
            }
            counts += result.groups
            countedBelowErrorLevel += result.belowErrorLevel
            countsSucceeded = true
            coreSuccesses += 1
        } catch {
            record(error)
        }
    }

    /// Fetches the selector's error lines forward in time, in pages spread over equal slices
    /// of the window, and mines them.
    ///
    /// Each slice gets an equal share of `pageBudget` and `lineBudget`. A page that comes back
    /// full continues from just after its newest line. A page whose lines all lie before the
    /// requested start, which a server that ignores `start` returns forever, ends the paging.
    mutating func fetchLines(_ selector: String, pageBudget: Int, lineBudget: Int) async {
        let limits = collector.limits
        let slices = min(limits.slices, pageBudget)
        let pagesPerSlice = max(1, pageBudget / slices)
        let linesPerSlice = max(1, lineBudget / slices)
        // Lines are fetched over (start, end], the range the count query covers; Loki's `start`
        // is inclusive and its `end` exclusive, hence the one nanosecond added to both.
        let first = startNanoseconds + 1
        let span = endNanoseconds - startNanoseconds
        let query = LokiErrorQueries.lineQuery(selector: selector)

        for slice in 0..<slices {
            let sliceStart = first + span * Int64(slice) / Int64(slices)
            let sliceEnd = first + span * Int64(slice + 1) / Int64(slices)
            var cursor = sliceStart
            var sliceLines = 0
            var slicePages = 0

            while true {
                if linesFetched >= limits.maximumLines { return note("line_cap") }
                if pages >= limits.maximumPages { return note("page_cap") }
                if deadline.timeIntervalSinceNow < Self.deadlineMargin { return note("deadline") }

                let limit = min(limits.pageLines, linesPerSlice - sliceLines, limits.maximumLines - linesFetched)
                let url = collector.url(
                    "/loki/api/v1/query_range",
                    [
                        ("query", query), ("start", String(cursor)), ("end", String(sliceEnd)), ("limit", String(limit)),
                        ("direction", "forward"),
                    ])
                requests += 1
                let entries: [LokiErrorQueries.Entry]
                do throws(HTTPFailure) {
                    let data = try await collector.getData(url, endpoint: Self.linesEndpoint, deadline: deadline) ?? .null
                    do {
                        entries = try LokiErrorQueries.entries(fromStreams: data)
                    } catch {
                        throw HTTPFailure(.invalidResponse, endpoint: Self.linesEndpoint, reason: error.operatorMessage)
                    }
                } catch {
                    record(error)
                    return note("failure")
                }
                pages += 1
                slicePages += 1
                coreSuccesses += 1

                let requested = entries.filter { $0.nanoseconds >= cursor && $0.nanoseconds < sliceEnd }
                if !entries.isEmpty && requested.isEmpty {
                    failures.append(
                        EndpointFailure(
                            endpoint: Self.linesEndpoint, status: .invalidResponse,
                            reason: "paging made no progress: Loki returned only lines outside the requested time range, so paging stopped after \(pages) pages"))
                    return note("no_progress")
                }
                for entry in requested.prefix(limit) {
                    miner.add(selectedLine: entry.line, fields: LokiErrorQueries.fields(of: entry, serviceLabel: serviceLabel))
                }
                let used = min(requested.count, limit)
                linesFetched += used
                sliceLines += used

                if entries.count < limit { break }
                if sliceLines >= linesPerSlice {
                    note("line_cap")
                    break
                }
                if slicePages >= pagesPerSlice {
                    note("page_cap")
                    break
                }
                cursor = (requested.map(\.nanoseconds).max() ?? cursor) + 1
            }
        }
    }

    /// Keeps the most serious reason for stopping early: a failure or a stalled paging over the
    /// deadline, and the deadline over a cap.
    private mutating func note(_ reason: String) {
        let rank = ["line_cap": 0, "page_cap": 0, "deadline": 1, "failure": 2, "no_progress": 2]
        if let current = stoppedBy, (rank[current] ?? 0) >= (rank[reason] ?? 0) { return }
        stoppedBy = reason
    }

    /// Returns the source result: the error-types document when counts or lines arrived, and
    /// a status from the count queries and line pages.
    mutating func result() -> SourceResult {
        var documents: [CollectedDocument] = []
        if countsSucceeded || pages > 0 {
            var source = miner.report()
            source.applyCounts(
                counts,
                sampling: ErrorTypeReport.Sampling(
                    linesFetched: linesFetched, pages: pages, fetchedBelowErrorLevel: miner.belowErrorLevelLines,
                    countedBelowErrorLevel: countedBelowErrorLevel, stoppedBy: stoppedBy))
            let report = ErrorTypeReport(window: reportWindow, sources: [source])
            documents.append(CollectedDocument(path: ErrorTypeReport.bundlePath, content: .json(report.jsonValue)))
        }

        let status: SourceStatus
        var reason: String?
        if let first = failures.first {
            if coreSuccesses > 0 {
                status = .partial
                reason = "\(failures.count) of \(requests) requests failed; first: \(first.endpoint): \(first.reason)"
            } else {
                var tally: [SourceStatus: Int] = [:]
                for failure in failures { tally[failure.status, default: 0] += 1 }
                status = failures.map(\.status).max { tally[$0]! < tally[$1]! } ?? first.status
                let example = failures.first { $0.status == status } ?? first
                reason = "\(example.endpoint): \(example.reason)"
            }
        } else {
            status = .ok
        }
        return SourceResult(
            name: collector.name, kind: collector.kind, endpoint: collector.endpointDescription, status: status,
            reason: reason, durationSeconds: Date().timeIntervalSince(started), documents: documents, failures: failures)
    }
}
