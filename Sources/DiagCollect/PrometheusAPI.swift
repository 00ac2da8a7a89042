import DiagSupport
import Foundation

/// Requests to one Prometheus HTTP API (v1), unwrapping its `{"status":"success","data":…}` envelope.
struct PrometheusAPI: Sendable {
    let baseURL: URL
    let client: HTTPClient

    /// Builds the URL of `path` under the base URL, keeping any route prefix such as `/prometheus`.
    func url(_ path: String, query: [(String, String)] = []) -> URL {
        EndpointURL.make(baseURL, path: path, query: query)
    }

    /// Fetches `path` and returns the envelope's `data` member.
    func data(
        _ path: String, query: [(String, String)] = [], endpoint: String, deadline: Date
    ) async throws(HTTPFailure) -> JSONValue {
        let document = try await client.getJSON(url(path, query: query), endpoint: endpoint, deadline: deadline)
        guard let status = document["status"]?.stringValue else {
            throw HTTPFailure(
                .invalidResponse, endpoint: endpoint,
                reason: "the response is not a Prometheus API envelope (no \"status\" member); check that the base URL points at Prometheus")
        }
        guard status == "success", let data = document["data"] else {
            let kind = document["errorType"]?.stringValue ?? status
            let message = document["error"]?.stringValue ?? "no error message"
            throw HTTPFailure(.invalidResponse, endpoint: endpoint, reason: "Prometheus returned \(kind): \(message)")
        }
        return data
    }

    /// Runs a range query with `step` in whole seconds and returns its series.
    func queryRange(
        _ expression: String, window: CollectionWindow, step: Int, endpoint: String, deadline: Date
    ) async throws(HTTPFailure) -> [PrometheusSeries] {
        let query = [
            ("query", expression),
            ("start", Self.timestamp(window.start)),
            ("end", Self.timestamp(window.end)),
            ("step", String(step)),
        ]
        let data = try await data("/api/v1/query_range", query: query, endpoint: endpoint, deadline: deadline)
        guard data["resultType"]?.stringValue == "matrix", let results = data["result"]?.arrayValue else {
            throw HTTPFailure(
                .invalidResponse, endpoint: endpoint, reason: "the range query did not return a matrix result")
        }

        var series: [PrometheusSeries] = []
        for result in results {
            guard let metric = result["metric"]?.objectValue else {
                throw HTTPFailure(.invalidResponse, endpoint: endpoint, reason: "a result series has no \"metric\" object")
            }
            var labels: [String: String] = [:]
            for (name, value) in metric { labels[name] = value.stringValue ?? "" }
            var points: [(time: Double, value: Double)] = []
            for pair in result["values"]?.arrayValue ?? [] {
                guard let time = pair[0]?.doubleValue, let text = pair[1]?.stringValue else {
                    throw HTTPFailure(.invalidResponse, endpoint: endpoint, reason: "a sample is not a [time, \"value\"] pair")
                }
                points.append((time, Self.sampleValue(text)))
            }
            series.append(PrometheusSeries(labels: labels, points: points))
        }
        return series
    }

    /// Parses a sample value as Prometheus writes it, including `NaN`, `+Inf` and `-Inf`.
    static func sampleValue(_ text: String) -> Double {
        switch text {
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default: return Double(text) ?? .nan
        }
    }

    /// Formats a time as Unix seconds with millisecond precision, which Prometheus accepts.
    static func timestamp(_ date: Date) -> String {
        String(format: "%.3f", date.timeIntervalSince1970)
    }
}

/// One series of a range query result.
struct PrometheusSeries: Sendable {
    var labels: [String: String]
    /// Samples in time order; time in Unix seconds.
    var points: [(time: Double, value: Double)]
}
