import DiagCollect
import DiagLogs
import DiagSupport
import Foundation

/// One collection by a `LokiErrorCollector` from one Loki replica: the requests made, the counts
/// returned and the miner fed with the fetched lines.
struct LokiErrorRun {
    static let labelsEndpoint = "/loki/api/v1/labels"
    static let countsEndpoint = "/loki/api/v1/query_range (error counts)"
    static let linesEndpoint = "/loki/api/v1/query_range (error lines)"
    /// Seconds before the deadline after which no further page is requested.
    static let deadlineMargin: TimeInterval = 2

    let collector: LokiErrorCollector
    let replica: LokiErrorCollector.Replica
    let window: CollectionWindow
    let deadline: Date
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

    init(collector: LokiErrorCollector, replica: LokiErrorCollector.Replica, window: CollectionWindow, deadline: Date) {
        self.collector = collector
        self.replica = replica
        self.window = window
        self.deadline = deadline
        reportWindow = ErrorTypeReport.Window(start: window.start, end: window.end, bucketCount: collector.limits.bucketCount)
        masking = collector.masksTenants ? TenantMasking(knownIdentifiers: replica.orgID?.split(separator: "|").map(String.init) ?? []) : nil
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
        let url = replica.url(
            Self.labelsEndpoint, [("start", String(startNanoseconds)), ("end", String(endNanoseconds))])
        requests += 1
        do throws(HTTPFailure) {
            let data = try await replica.getData(url, endpoint: Self.labelsEndpoint, deadline: deadline)
            // Loki leaves `data` out when no label exists in the window.
            labels = data?.arrayValue?.compactMap(\.stringValue) ?? []
            serviceLabel = LokiErrorQueries.serviceLabel(among: labels)
        } catch {
            record(error)
        }
    }

    private mutating func readTenantNames() async {
        for label in LokiErrorQueries.tenantLabels where labels.contains(label) && !isStopped {
            let path = "/loki/api/v1/label/\(LokiErrorCollector.Replica.encode(label))/values"
            let url = replica.url(path, [("start", String(startNanoseconds)), ("end", String(endNanoseconds))])
            requests += 1
            do throws(HTTPFailure) {
                let data = try await replica.getData(url, endpoint: "/loki/api/v1/label/<name>/values", deadline: deadline)
                let values = data?.arrayValue?.compactMap(\.stringValue) ?? []
                masking?.add(values.prefix(collector.limits.maximumTenantValues))
            } catch {
                record(error)
            }
        }
    }

    /// The result of a run: the error types when counts or lines arrived, and every failure.
    struct Outcome: Sendable {
        var source: ErrorTypeReport.Source?
        var failures: [EndpointFailure]
        var requests: Int
        /// Count queries and line pages that succeeded.
        var coreSuccesses: Int
    }

    /// Returns the run's outcome, with the mined templates set against the counts.
    mutating func outcome() -> Outcome {
        var source: ErrorTypeReport.Source?
        if countsSucceeded || pages > 0 {
            var mined = miner.report()
            mined.applyCounts(
                counts,
                sampling: ErrorTypeReport.Sampling(
                    linesFetched: linesFetched, pages: pages, fetchedBelowErrorLevel: miner.belowErrorLevelLines,
                    countedBelowErrorLevel: countedBelowErrorLevel, stoppedBy: stoppedBy))
            source = mined
        }
        return Outcome(source: source, failures: failures, requests: requests, coreSuccesses: coreSuccesses)
    }
}
