import DiagSupport
import Foundation

/// Collects trace statistics from one Jaeger query service: services, operations, span counts,
/// error rates and duration percentiles from a bounded sample of traces, the service dependency
/// graph, and the SPM metrics when the server offers them.
///
/// Only statistics leave: trace IDs, span IDs, tags, process tags and span logs are read in
/// memory to classify spans and never reach `traces/stats.json`.
public struct JaegerCollector: Collector {
    /// Bounds on the requests made and on what is held in memory at once.
    public struct Limits: Sendable, Equatable {
        /// Services whose traces are sampled, in name order; the rest are only counted.
        public var maximumServices: Int
        /// Operations listed per service in the document.
        public var maximumOperationsPerService: Int
        /// Trace searches per service, each over an equal slice of the window, so the sample
        /// covers the whole window rather than only its most recent traces.
        public var searchesPerService: Int
        /// The `limit` parameter of each search.
        public var tracesPerSearch: Int
        /// Distinct traces counted in all, across services.
        public var maximumTraces: Int
        /// Spans counted in all, across services.
        public var maximumSpans: Int

        public init(
            maximumServices: Int = 50, maximumOperationsPerService: Int = 200, searchesPerService: Int = 3,
            tracesPerSearch: Int = 20, maximumTraces: Int = 2000, maximumSpans: Int = 100_000
        ) {
            self.maximumServices = maximumServices
            self.maximumOperationsPerService = maximumOperationsPerService
            self.searchesPerService = searchesPerService
            self.tracesPerSearch = tracesPerSearch
            self.maximumTraces = maximumTraces
            self.maximumSpans = maximumSpans
        }
    }

    public let name: String
    public let baseURL: URL
    public let limits: Limits
    private let api: JaegerAPI

    /// Requests in flight at once against one server.
    static let concurrentRequests = 4

    public init(name: String = "jaeger", baseURL: URL, client: HTTPClient, limits: Limits = Limits()) {
        self.name = name
        self.baseURL = baseURL
        self.limits = limits
        self.api = JaegerAPI(baseURL: baseURL, client: client)
    }

    public var kind: String { "jaeger" }

    public var endpointDescription: String { baseURL.withoutUserInfo.absoluteString }

    public func plannedRequests() -> [String] {
        [
            "GET /api/services (or /api/v3/services, operations and traces when the v1 routes are gone)",
            "GET /api/services/{service}/operations for at most \(limits.maximumServices) services",
            "GET /api/traces?service=…&start=…&end=…&limit=\(limits.tracesPerSearch), \(limits.searchesPerService) searches per service (statistics only)",
            "GET /api/dependencies",
        ] + JaegerSPM.metrics.map { "GET \($0.path) (skipped when SPM is not enabled)" }
    }

    public func collect(window: CollectionWindow, deadline: Date) async -> SourceResult {
        let started = Date()
        let allServices: [String]
        let version: JaegerQueryVersion
        do {
            let listed = try await api.services(deadline: deadline)
            allServices = listed.names.sorted()
            version = listed.version
        } catch {
            return SourceResult.summarizing(
                name: name, kind: "jaeger", endpoint: endpointDescription, started: started, attempted: 1,
                documents: [], failures: [error.endpointFailure])
        }
        let services = Array(Set(allServices).sorted().prefix(limits.maximumServices))
        var failures: [EndpointFailure] = []
        var attempted = 1

        let operationOutcomes = await concurrentMap(services, limit: Self.concurrentRequests) { service in
            await operations(of: service, version: version, deadline: deadline)
        }
        attempted += services.count
        failures += operationOutcomes.compactMap(\.failure)

        var statistics = TraceStatistics(maximumTraces: limits.maximumTraces, maximumSpans: limits.maximumSpans)
        let searches = services.flatMap { service in searchWindows(window).map { (service, $0) } }
        attempted += searches.count
        var searchIndex = 0
        while searchIndex < searches.count, !statistics.truncated {
            // Searches run in small batches, so memory contains at most one batch of responses.
            let batch = Array(searches[searchIndex..<min(searchIndex + Self.concurrentRequests, searches.count)])
            let outcomes = await concurrentMap(batch, limit: Self.concurrentRequests) { search in
                await traces(service: search.0, window: search.1, version: version, deadline: deadline)
            }
            for outcome in outcomes {
                switch outcome {
                case .success(let traces) where version == .v3: statistics.add(otlp: traces)
                case .success(let traces): statistics.add(traces: traces.arrayValue ?? [])
                case .failure(let failure): failures.append(failure.endpointFailure)
                }
            }
            searchIndex += batch.count
        }
        let searchesRun = searchIndex

        let (dependencies, dependencyFailure) = await dependencyGraph(window: window, deadline: deadline)
        attempted += 1
        if let dependencyFailure { failures.append(dependencyFailure) }

        let spm = await JaegerSPM(api: api).collect(services: services, window: window, deadline: deadline)
        attempted += spm.attempted
        failures += spm.failures

        let operationNames = Dictionary(uniqueKeysWithValues: zip(services, operationOutcomes.map(\.names)))
        let document: JSONValue = [
            "source": .string(name),
            "api": .string(version.rawValue),
            "window": PrometheusCollector.windowJSON(window),
            "limits": [
                "maximum_services": JSONValue(limits.maximumServices),
                "maximum_operations_per_service": JSONValue(limits.maximumOperationsPerService),
                "searches_per_service": JSONValue(limits.searchesPerService),
                "traces_per_search": JSONValue(limits.tracesPerSearch),
                "maximum_traces": JSONValue(limits.maximumTraces),
                "maximum_spans": JSONValue(limits.maximumSpans),
            ],
            "sample": [
                "searches": JSONValue(searchesRun),
                "searches_planned": JSONValue(searches.count),
                "traces": JSONValue(statistics.traceCount),
                "spans": JSONValue(statistics.spanCount),
                "duplicate_traces": JSONValue(statistics.duplicateTraces),
                "malformed_spans": JSONValue(statistics.malformedSpans),
                "truncated": .bool(statistics.truncated),
            ],
            "services_total": JSONValue(Set(allServices).count),
            "services": .array(serviceEntries(services: services, operationNames: operationNames, statistics: statistics)),
            "dependencies": dependencies,
            "spm": spm.json,
        ]
        return SourceResult.summarizing(
            name: name, kind: "jaeger", endpoint: endpointDescription, started: started, attempted: attempted,
            documents: [CollectedDocument(path: "traces/stats.json", content: .json(document))], failures: failures)
    }

    // MARK: Requests

    private func operations(
        of service: String, version: JaegerQueryVersion, deadline: Date
    ) async -> (names: [String]?, failure: EndpointFailure?) {
        do {
            return (try await api.operations(of: service, version: version, deadline: deadline), nil)
        } catch {
            return (nil, error.endpointFailure)
        }
    }

    /// Splits the window into `searchesPerService` equal slices, oldest first.
    func searchWindows(_ window: CollectionWindow) -> [CollectionWindow] {
        let count = max(1, limits.searchesPerService)
        let slice = window.durationSeconds / Double(count)
        return (0..<count).map { index in
            CollectionWindow(
                start: window.start + slice * Double(index),
                end: index == count - 1 ? window.end : window.start + slice * Double(index + 1))
        }
    }

    /// Runs one trace search: the v1 `data` array of traces, or the v3 OTLP `TracesData`.
    private func traces(
        service: String, window: CollectionWindow, version: JaegerQueryVersion, deadline: Date
    ) async -> Result<JSONValue, HTTPFailure> {
        if version == .v3 {
            do {
                return .success(
                    try await api.searchV3(service: service, window: window, limit: limits.tracesPerSearch, deadline: deadline))
            } catch {
                return .failure(error)
            }
        }
        let query = [
            ("service", service),
            ("start", JaegerAPI.microseconds(window.start)),
            ("end", JaegerAPI.microseconds(window.end)),
            ("limit", String(limits.tracesPerSearch)),
        ]
        do {
            let data = try await api.data("/api/traces", query: query, endpoint: "/api/traces", deadline: deadline)
            guard data.arrayValue != nil else {
                return .failure(HTTPFailure(.invalidResponse, endpoint: "/api/traces", reason: "expected a list of traces in \"data\""))
            }
            return .success(data)
        } catch {
            return .failure(error)
        }
    }

    private func dependencyGraph(window: CollectionWindow, deadline: Date) async -> (JSONValue, EndpointFailure?) {
        let query = [
            ("endTs", JaegerAPI.milliseconds(window.end.timeIntervalSince1970)),
            ("lookback", JaegerAPI.milliseconds(max(window.durationSeconds, 1))),
        ]
        do {
            let data = try await api.data("/api/dependencies", query: query, endpoint: "/api/dependencies", deadline: deadline)
            var edges: [JSONValue] = []
            for edge in data.arrayValue ?? [] {
                guard let parent = edge["parent"]?.stringValue, let child = edge["child"]?.stringValue else { continue }
                edges.append(["parent": .string(parent), "child": .string(child), "call_count": JSONValue(Int(edge["callCount"]?.intValue ?? 0))])
            }
            edges.sort { ($0["parent"]!.stringValue!, $0["child"]!.stringValue!) < ($1["parent"]!.stringValue!, $1["child"]!.stringValue!) }
            return (["status": "ok", "edges": .array(edges)], nil)
        } catch {
            return (["status": .string(error.status.rawValue), "reason": .string(error.reason), "edges": []], error.endpointFailure)
        }
    }

    // MARK: Document

    private func serviceEntries(
        services: [String], operationNames: [String: [String]?], statistics: TraceStatistics
    ) -> [JSONValue] {
        // Services seen only inside sampled traces are listed too, since they took part in them.
        let names = Set(services).union(statistics.services.keys).sorted()
        return names.map { service in
            var listed = Set((operationNames[service] ?? nil) ?? [])
            for key in statistics.operations.keys where key.service == service { listed.insert(key.operation) }
            let sorted = listed.sorted()
            let kept = sorted.prefix(limits.maximumOperationsPerService)
            let operations: [JSONValue] = kept.map { operation in
                var entry = TraceStatistics.json(
                    statistics.operations[.init(service: service, operation: operation)] ?? TraceStatistics.Counter())
                entry["name"] = .string(operation)
                return .object(entry)
            }
            var entry = TraceStatistics.json(statistics.services[service] ?? TraceStatistics.Counter())
            entry["name"] = .string(service)
            entry["sampled"] = .bool(services.contains(service))
            entry["operations_total"] = JSONValue(sorted.count)
            entry["operations"] = .array(operations)
            return .object(entry)
        }
    }
}
