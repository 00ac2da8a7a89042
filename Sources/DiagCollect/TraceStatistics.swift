import DiagSupport
import Foundation

/// Span counts, error counts and durations per service and operation, accumulated from sampled
/// traces. Only these numbers are kept: trace IDs, span IDs, tags and logs are read to classify
/// a span and then dropped.
struct TraceStatistics {
    /// The counters of one service or one operation.
    struct Counter {
        var spans = 0
        var errors = 0
        /// Span durations in microseconds, as Jaeger reports them.
        var durations: [Int64] = []

        mutating func add(durationMicroseconds: Int64, isError: Bool) {
            spans += 1
            if isError { errors += 1 }
            durations.append(durationMicroseconds)
        }
    }

    struct OperationKey: Hashable {
        var service: String
        var operation: String
    }

    let maximumTraces: Int
    let maximumSpans: Int

    private(set) var services: [String: Counter] = [:]
    private(set) var operations: [OperationKey: Counter] = [:]
    private(set) var traceCount = 0
    private(set) var spanCount = 0
    /// Traces skipped because an earlier search already returned them.
    private(set) var duplicateTraces = 0
    private(set) var truncated = false
    /// Spans whose process or duration could not be read.
    private(set) var malformedSpans = 0
    private var seenTraces: Set<String> = []

    init(maximumTraces: Int, maximumSpans: Int) {
        self.maximumTraces = maximumTraces
        self.maximumSpans = maximumSpans
    }

    /// Adds every span of the traces in one `/api/traces` response `data` array. A trace seen in
    /// an earlier search is skipped, because a search by one service also returns the spans of
    /// every other service in the same trace.
    mutating func add(traces: [JSONValue]) {
        for trace in traces {
            guard traceCount < maximumTraces, spanCount < maximumSpans else {
                truncated = true
                return
            }
            let identifier = trace["traceID"]?.stringValue ?? trace["spans"]?[0]?["traceID"]?.stringValue ?? ""
            if !identifier.isEmpty {
                guard seenTraces.insert(identifier).inserted else {
                    duplicateTraces += 1
                    continue
                }
            }
            traceCount += 1
            addSpans(of: trace)
        }
    }

    private mutating func addSpans(of trace: JSONValue) {
        var serviceOfProcess: [String: String] = [:]
        for (key, process) in trace["processes"]?.objectValue ?? [:] {
            serviceOfProcess[key] = process["serviceName"]?.stringValue
        }
        for span in trace["spans"]?.arrayValue ?? [] {
            guard spanCount < maximumSpans else {
                truncated = true
                return
            }
            guard let processID = span["processID"]?.stringValue, let service = serviceOfProcess[processID],
                let duration = span["duration"]?.intValue, duration >= 0
            else {
                malformedSpans += 1
                continue
            }
            let operation = span["operationName"]?.stringValue ?? ""
            let isError = Self.isError(span)
            spanCount += 1
            services[service, default: Counter()].add(durationMicroseconds: duration, isError: isError)
            operations[OperationKey(service: service, operation: operation), default: Counter()]
                .add(durationMicroseconds: duration, isError: isError)
        }
    }

    /// Tells whether a span failed: tag `error` true (a bool, or the text `true` some clients
    /// send), or tag `otel.status_code` `ERROR`, the OpenTelemetry status Jaeger stores as a tag.
    static func isError(_ span: JSONValue) -> Bool {
        for tag in span["tags"]?.arrayValue ?? [] {
            switch tag["key"]?.stringValue {
            case "error":
                if tag["value"]?.boolValue == true || tag["value"]?.stringValue?.lowercased() == "true" { return true }
            case "otel.status_code":
                if tag["value"]?.stringValue?.uppercased() == "ERROR" { return true }
            default:
                continue
            }
        }
        return false
    }

    /// Returns the nearest-rank percentile of sorted values: the smallest value with at least
    /// `percent` per cent of the values at or below it.
    static func percentile(_ sorted: [Int64], _ percent: Double) -> Int64? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((percent / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// Describes one counter as JSON: counts, error rate and duration percentiles in milliseconds.
    static func json(_ counter: Counter) -> [String: JSONValue] {
        let sorted = counter.durations.sorted()
        func milliseconds(_ value: Int64?) -> JSONValue {
            guard let value else { return .null }
            return .number(Double(value) / 1000)
        }
        let rate: JSONValue = counter.spans == 0 ? .null : .number(Double(counter.errors) / Double(counter.spans))
        return [
            "span_count": JSONValue(counter.spans),
            "error_count": JSONValue(counter.errors),
            "error_rate": rate,
            "duration_ms": [
                "p50": milliseconds(percentile(sorted, 50)),
                "p95": milliseconds(percentile(sorted, 95)),
                "p99": milliseconds(percentile(sorted, 99)),
                "max": milliseconds(sorted.last),
            ],
        ]
    }
}
