import DiagCollect
import DiagSupport
import Foundation

/// Collects one Prometheus for one tenant: the query set already carries the tenant matcher
/// (see `CollectionRun.prepare`), the alert history comes from `ALERTS{tenant_id="ID"}`, and the
/// tenant label's values are read so the tenant guard knows every other tenant's identifier.
///
/// NOTE: the wrapped `PrometheusCollector` still runs its own, unscoped `ALERTS` history query,
/// because DiagCollect offers no way to scope it. Its document is replaced here, in memory,
/// before anything is redacted or written.
struct TenantScopedPrometheusCollector: Collector {
    static let historyPath = "alerts/prometheus-history.json"
    /// The alert history resolution rules of `PrometheusCollector`: at most 1000 points per
    /// series and a step of at least 15 s.
    static let historyMaximumPoints = 1000
    static let historyMinimumStep = 15

    let base: PrometheusCollector
    let client: HTTPClient
    let injector: PromQLMatcherInjector
    let sink: TenantIdentifierSink

    var name: String { base.name }
    var kind: String { base.kind }
    var endpointDescription: String { base.endpointDescription }

    func plannedRequests() -> [String] {
        let label = TenantScope.matcherLabel
        return base.plannedRequests() + [
            "GET /api/v1/query_range ALERTS history of the tenant only (\(historyExpression(step: Self.historyMinimumStep))); it replaces the unscoped history above, which is discarded in memory",
            "GET /api/v1/label/\(label)/values (to recognize other tenants' data and drop it)",
        ]
    }

    func historyExpression(step: Int) -> String {
        (try? injector.inject(into: "max_over_time(ALERTS[\(step)s])")) ?? "max_over_time(ALERTS[\(step)s])"
    }

    func collect(window: CollectionWindow, deadline: Date) async -> SourceResult {
        async let scopedHistory = history(window: window, deadline: deadline)
        async let identifiers = labelValues(window: window, deadline: deadline)
        var result = await base.collect(window: window, deadline: deadline)
        let history = await scopedHistory
        let labelFailure = await identifiers

        result.documents.removeAll { $0.path == Self.historyPath }
        var failures: [EndpointFailure] = []
        switch history {
        case .success(let document): result.documents.append(document)
        case .failure(let failure): failures.append(failure.endpointFailure)
        }
        if let labelFailure { failures.append(labelFailure.endpointFailure) }
        guard !failures.isEmpty else { return result }

        result.failures.append(contentsOf: failures)
        if result.status == .ok {
            result.status = .partial
            result.reason = "\(failures.count) tenant-scoped requests failed; first: \(failures[0])"
        }
        return result
    }

    private func history(window: CollectionWindow, deadline: Date) async -> Result<CollectedDocument, HTTPFailure> {
        let seconds = max(window.durationSeconds, 1)
        let step = max(Self.historyMinimumStep, Int((seconds / Double(Self.historyMaximumPoints)).rounded(.up)))
        let expression = historyExpression(step: step)
        let endpoint = "/api/v1/query_range ALERTS history"
        let url = ScopedRequestURL.make(
            base.baseURL, path: "/api/v1/query_range",
            query: [
                ("query", expression), ("start", ScopedRequestURL.timestamp(window.start)),
                ("end", ScopedRequestURL.timestamp(window.end)), ("step", String(step)),
            ])
        do {
            let data = try await prometheusData(url, endpoint: endpoint, deadline: deadline)
            guard data["resultType"]?.stringValue == "matrix", let series = data["result"]?.arrayValue else {
                return .failure(HTTPFailure(.invalidResponse, endpoint: endpoint, reason: "the range query did not return a matrix result"))
            }
            let intervals = ScopedAlertInterval.fromRangeQuery(series, step: step, window: window)
            let document: JSONValue = [
                "source": .string(name), "query": .string(expression),
                "window": ["start": .string(Timestamp.format(window.start)), "end": .string(Timestamp.format(window.end))],
                "resolution_seconds": JSONValue(step), "intervals": .array(intervals.map(\.json)),
                "alerts": AlertIntervalTotals.summary(intervals.map(\.json)),
            ]
            return .success(CollectedDocument(path: Self.historyPath, content: .json(document)))
        } catch let failure as HTTPFailure {
            return .failure(failure)
        } catch {
            return .failure(HTTPFailure(.invalidResponse, endpoint: endpoint, reason: "\(error)"))
        }
    }

    /// Reads the tenant label's values over the window into the sink; returns the failure, if any.
    private func labelValues(window: CollectionWindow, deadline: Date) async -> HTTPFailure? {
        let path = "/api/v1/label/\(TenantScope.matcherLabel)/values"
        let url = ScopedRequestURL.make(
            base.baseURL, path: path,
            query: [("start", ScopedRequestURL.timestamp(window.start)), ("end", ScopedRequestURL.timestamp(window.end))])
        do {
            let data = try await prometheusData(url, endpoint: path, deadline: deadline)
            guard let values = data.arrayValue else {
                return HTTPFailure(.invalidResponse, endpoint: path, reason: "the label values are not a JSON array")
            }
            sink.add(values.compactMap(\.stringValue))
            return nil
        } catch let failure as HTTPFailure {
            return failure
        } catch {
            return HTTPFailure(.invalidResponse, endpoint: path, reason: "\(error)")
        }
    }

    /// Fetches a Prometheus API URL and returns the `data` of its success envelope.
    private func prometheusData(_ url: URL, endpoint: String, deadline: Date) async throws -> JSONValue {
        let document = try await client.getJSON(url, endpoint: endpoint, deadline: deadline)
        guard document["status"]?.stringValue == "success", let data = document["data"] else {
            let message = document["error"]?.stringValue ?? "the response is not a Prometheus success envelope"
            throw HTTPFailure(.invalidResponse, endpoint: endpoint, reason: "Prometheus returned an error: \(message)")
        }
        return data
    }
}

/// Tenant identifiers that sources reported while collecting, shared across collectors.
final class TenantIdentifierSink: @unchecked Sendable {
    private let lock = NSLock()
    private var values: Set<String> = []

    func add<Values: Sequence>(_ identifiers: Values) where Values.Element == String {
        lock.lock()
        values.formUnion(identifiers)
        lock.unlock()
    }

    var identifiers: [String] {
        lock.lock()
        defer { lock.unlock() }
        return values.sorted()
    }
}
