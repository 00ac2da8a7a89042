import DiagSupport
import Foundation

/// Reduces the series of one range query to aggregates: min, mean, max and last value plus a
/// coarse series, after dropping every series that carries a forbidden label.
///
/// Dropped series are only counted, with the names (never the values) of the labels that caused
/// the drop, so no per-tenant or per-instance series reaches the document.
struct MetricSummarizer {
    /// The maximum points kept in a summary's coarse series.
    static let maximumCoarsePoints = 60

    let forbiddenLabels: Set<String>

    struct Summary {
        var json: JSONValue
        var keptSeries: Int
        var droppedSeries: Int
    }

    func summarize(_ query: QuerySet.Query, series: [PrometheusSeries]) -> Summary {
        var kept: [JSONValue] = []
        var dropped = 0
        var droppedBecause: Set<String> = []

        for entry in series {
            let offending = entry.labels.keys.filter { forbiddenLabels.contains($0.lowercased()) }
            if !offending.isEmpty {
                dropped += 1
                droppedBecause.formUnion(offending)
                continue
            }
            var labels = entry.labels
            labels.removeValue(forKey: "__name__")
            kept.append(Self.seriesSummary(labels: labels, points: entry.points))
        }

        // Sort by label set so the document does not depend on Prometheus' result order.
        kept.sort { $0["labels"]!.serializedString(pretty: false) < $1["labels"]!.serializedString(pretty: false) }
        let json: JSONValue = [
            "name": .string(query.name),
            "expr": .string(query.expr),
            "description": query.description.map { .string($0) } ?? .null,
            "unit": query.unit.map { .string($0) } ?? .null,
            "status": "ok",
            "series": .array(kept),
            "dropped_series": JSONValue(dropped),
            "dropped_because_of_labels": .array(droppedBecause.sorted().map { .string($0) }),
        ]
        return Summary(json: json, keptSeries: kept.count, droppedSeries: dropped)
    }

    /// Describes a query that failed, so the document still lists it.
    static func failed(_ query: QuerySet.Query, failure: HTTPFailure) -> JSONValue {
        [
            "name": .string(query.name),
            "expr": .string(query.expr),
            "description": query.description.map { .string($0) } ?? .null,
            "unit": query.unit.map { .string($0) } ?? .null,
            "status": .string(failure.status.rawValue),
            "reason": .string(failure.reason),
            "series": [],
            "dropped_series": 0,
            "dropped_because_of_labels": [],
        ]
    }

    /// Aggregates one series. NaN and infinite samples are counted but left out of the statistics.
    static func seriesSummary(labels: [String: String], points: [(time: Double, value: Double)]) -> JSONValue {
        let finite = points.filter { $0.value.isFinite }
        let values = finite.map(\.value)
        let mean = values.isEmpty ? Double.nan : values.reduce(0, +) / Double(values.count)
        return [
            "labels": .strings(labels),
            "points": JSONValue(points.count),
            "non_finite_points": JSONValue(points.count - finite.count),
            "min": values.min().map { .number($0) } ?? .null,
            "max": values.max().map { .number($0) } ?? .null,
            "mean": .number(mean),
            "last": finite.last.map { .number($0.value) } ?? .null,
            "first_time": finite.first.map { .string(Timestamp.format(Date(timeIntervalSince1970: $0.time))) } ?? .null,
            "last_time": finite.last.map { .string(Timestamp.format(Date(timeIntervalSince1970: $0.time))) } ?? .null,
            "coarse": .array(coarse(finite).map { [.int(Int64($0.time.rounded(.down))), .number($0.value)] }),
        ]
    }

    /// Averages consecutive points into at most `maximumCoarsePoints` buckets, each stamped with
    /// the time of its first point.
    static func coarse(_ points: [(time: Double, value: Double)]) -> [(time: Double, value: Double)] {
        guard points.count > maximumCoarsePoints else { return points }
        let size = (points.count + maximumCoarsePoints - 1) / maximumCoarsePoints
        var buckets: [(time: Double, value: Double)] = []
        var index = 0
        while index < points.count {
            let bucket = points[index..<min(index + size, points.count)]
            let mean = bucket.reduce(0) { $0 + $1.value } / Double(bucket.count)
            buckets.append((bucket.first!.time, mean))
            index += size
        }
        return buckets
    }
}
