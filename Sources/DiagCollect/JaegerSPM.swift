import DiagSupport
import Foundation

/// Reads Jaeger's Service Performance Monitoring endpoints (`/api/metrics/*`), which exist only
/// when a metrics backend is configured, and reduces each series to mean, max and last values
/// per service.
struct JaegerSPM: Sendable {
    let api: JaegerAPI

    /// One SPM endpoint and the member of `traces/stats.json` it fills.
    struct Metric: Sendable {
        var path: String
        var member: String
        var extraQuery: [(String, String)]
    }

    static let metrics = [
        Metric(path: "/api/metrics/calls", member: "call_rate_per_second", extraQuery: []),
        Metric(path: "/api/metrics/errors", member: "error_rate", extraQuery: []),
        Metric(path: "/api/metrics/latencies", member: "latency_p95", extraQuery: [("quantile", "0.95")]),
    ]

    /// The SPM part of the document, plus the failures that count against the source.
    struct Outcome {
        var json: JSONValue
        var failures: [EndpointFailure]
        var attempted: Int
    }

    func collect(services: [String], window: CollectionWindow, deadline: Date) async -> Outcome {
        guard !services.isEmpty else {
            return Outcome(json: ["status": "skipped", "reason": "no services to query"], failures: [], attempted: 0)
        }
        let lookback = max(window.durationSeconds, 60)
        var query: [(String, String)] = services.map { ("service", $0) }
        query += [
            ("endTs", JaegerAPI.milliseconds(window.end.timeIntervalSince1970)),
            ("lookback", JaegerAPI.milliseconds(lookback)),
            ("step", JaegerAPI.milliseconds(max(5, (lookback / 60).rounded(.up)))),
            ("ratePer", JaegerAPI.milliseconds(min(600, lookback))),
            ("spanKind", "server"),
        ]

        var members: [String: JSONValue] = ["status": "ok"]
        var failures: [EndpointFailure] = []
        var attempted = 0
        for metric in Self.metrics {
            let endpoint = metric.path
            let response: HTTPClient.Response
            let url = api.url(metric.path, query: query + metric.extraQuery)
            do {
                response = try await api.client.get(url, endpoint: endpoint, deadline: deadline)
            } catch {
                attempted += 1
                failures.append(error.endpointFailure)
                members[metric.member] = ["status": .string(error.status.rawValue), "reason": .string(error.reason)]
                continue
            }

            // Jaeger 1.62 returns 501 without a metrics backend, older versions return 405, and
            // a build without the handler returns 404.
            if [404, 405, 501].contains(response.statusCode) {
                let detail = HTTPFailure.summarize(response.body)
                return Outcome(
                    json: [
                        "status": "skipped",
                        "reason": .string("SPM is not enabled on this Jaeger (HTTP \(response.statusCode): \(detail.isEmpty ? "empty body" : detail))"),
                    ],
                    failures: [], attempted: 0)
            }

            attempted += 1
            do throws(HTTPFailure) {
                guard (200..<300).contains(response.statusCode) else {
                    throw api.client.failure(for: response, url: url, endpoint: endpoint)
                }
                let family = try HTTPClient.decodeJSON(response, endpoint: endpoint)
                members[metric.member] = try Self.summarize(family, endpoint: endpoint)
            } catch {
                failures.append(error.endpointFailure)
                members[metric.member] = ["status": .string(error.status.rawValue), "reason": .string(error.reason)]
            }
        }
        if failures.count == attempted, let first = failures.first {
            members["status"] = .string(first.status.rawValue)
        } else if !failures.isEmpty {
            members["status"] = "partial"
        }
        return Outcome(json: .object(members), failures: failures, attempted: attempted)
    }

    /// Reduces a protobuf-JSON `MetricFamily` to one entry per series, sorted by service name.
    /// Protobuf JSON leaves out zero values, so a point without `doubleValue` counts as 0.
    static func summarize(_ family: JSONValue, endpoint: String) throws(HTTPFailure) -> JSONValue {
        guard let series = family["metrics"]?.arrayValue ?? (family["name"] != nil ? [] : nil) else {
            throw HTTPFailure(
                .invalidResponse, endpoint: endpoint, reason: "the response is not a metric family (no \"metrics\" list)")
        }
        var entries: [JSONValue] = []
        for item in series {
            var labels: [String: String] = [:]
            for label in item["labels"]?.arrayValue ?? [] {
                if let name = label["name"]?.stringValue { labels[name] = label["value"]?.stringValue ?? "" }
            }
            var values: [Double] = []
            var nonFinite = 0
            for point in item["metricPoints"]?.arrayValue ?? [] {
                let raw = point["gaugeValue"]?["doubleValue"]
                let value = raw?.doubleValue ?? (raw?.stringValue).flatMap(Double.init) ?? (raw == nil ? 0 : .nan)
                if value.isFinite { values.append(value) } else { nonFinite += 1 }
            }
            entries.append([
                "service": .string(labels["service_name"] ?? ""),
                "operation": labels["operation"].map { .string($0) } ?? .null,
                "points": JSONValue(values.count + nonFinite),
                "non_finite_points": JSONValue(nonFinite),
                "mean": values.isEmpty ? .null : .number(values.reduce(0, +) / Double(values.count)),
                "max": values.max().map { .number($0) } ?? .null,
                "last": values.last.map { .number($0) } ?? .null,
            ])
        }
        entries.sort { $0.serializedString(pretty: false) < $1.serializedString(pretty: false) }
        return ["status": "ok", "series": .array(entries)]
    }
}
