import DiagSupport
import Foundation

/// One stretch of time during which an alert instance was firing or pending.
struct AlertInterval: Sendable, Equatable {
    var alertname: String
    /// `firing` or `pending` for Prometheus history; Alertmanager's alert state otherwise.
    var state: String
    var severity: String?
    /// The instance's labels without `alertname`, `alertstate` and `severity`.
    var labels: [String: String]
    var start: Date
    /// When the alert was last seen active, or nil while it is still active (open).
    var end: Date?
    var durationSeconds: Double

    var json: JSONValue {
        [
            "alertname": .string(alertname),
            "state": .string(state),
            "severity": severity.map { .string($0) } ?? .null,
            "labels": .strings(labels),
            "start": .string(Timestamp.format(start)),
            "end": end.map { .string(Timestamp.format($0)) } ?? .null,
            "open": .bool(end == nil),
            "duration_seconds": .number(durationSeconds.rounded()),
        ]
    }

    /// Orders intervals by alert name, state, labels and start, so documents are deterministic.
    static func sorted(_ intervals: [AlertInterval]) -> [AlertInterval] {
        intervals.sorted { left, right in
            if left.alertname != right.alertname { return left.alertname < right.alertname }
            if left.state != right.state { return left.state < right.state }
            let leftLabels = JSONValue.strings(left.labels).serializedString(pretty: false)
            let rightLabels = JSONValue.strings(right.labels).serializedString(pretty: false)
            if leftLabels != rightLabels { return leftLabels < rightLabels }
            return left.start < right.start
        }
    }

    /// Totals per alert name and state: interval count, seconds active and how many are still open.
    static func summary(_ intervals: [AlertInterval]) -> JSONValue {
        AlertHistoryTotals.summary(intervals.map(\.json))
    }
}

/// The per-alert totals of an alert history or intervals document
/// (`Schemas/alert-history.schema.json`), computed from the document's own intervals. The
/// tenant guard uses it too, to recompute the totals after it dropped intervals.
public enum AlertHistoryTotals {
    /// Returns one row per alert name and state, sorted: interval count, open intervals and
    /// seconds active, the sum of the intervals' rounded `duration_seconds`.
    public static func summary(_ intervals: [JSONValue]) -> JSONValue {
        struct Total {
            var name: String
            var state: String
            var count = 0
            var open = 0
            var seconds = 0.0
        }
        var totals: [String: Total] = [:]
        for interval in intervals {
            let name = interval["alertname"]?.stringValue ?? "unknown"
            let state = interval["state"]?.stringValue ?? "firing"
            let key = name + "\u{0}" + state
            var total = totals[key] ?? Total(name: name, state: state)
            total.count += 1
            if interval["open"] == .bool(true) { total.open += 1 }
            total.seconds += interval["duration_seconds"]?.doubleValue ?? 0
            totals[key] = total
        }

        let rows = totals.keys.sorted().map { key -> JSONValue in
            let total = totals[key]!
            return [
                "alertname": .string(total.name),
                "state": .string(total.state),
                "interval_count": JSONValue(total.count),
                "open_count": JSONValue(total.open),
                "total_seconds": .number(total.seconds.rounded()),
            ]
        }
        return .array(rows)
    }
}

/// Turns the `ALERTS` series of a range query into firing and pending intervals.
enum AlertHistoryBuilder {
    /// Splits each series wherever consecutive points lie more than 1.5 steps apart. A series
    /// present at the query's last evaluation time gives an open interval.
    ///
    /// Interval bounds are accurate to one `step`, because only evaluation times are known.
    static func intervals(from series: [PrometheusSeries], step: Int, window: CollectionWindow) -> [AlertInterval] {
        let stepSeconds = Double(step)
        let start = window.start.timeIntervalSince1970
        let steps = ((window.end.timeIntervalSince1970 - start) / stepSeconds).rounded(.down)
        let lastEvaluation = start + steps * stepSeconds

        var intervals: [AlertInterval] = []
        for entry in series where !entry.points.isEmpty {
            var labels = entry.labels
            let alertname = labels.removeValue(forKey: "alertname") ?? "unknown"
            let state = labels.removeValue(forKey: "alertstate") ?? "firing"
            let severity = labels.removeValue(forKey: "severity")
            labels.removeValue(forKey: "__name__")

            let times = entry.points.map(\.time).sorted()
            var runStart = times[0]
            var previous = times[0]
            func close(_ last: Double, open: Bool) {
                let end = open ? window.end.timeIntervalSince1970 : last
                intervals.append(
                    AlertInterval(
                        alertname: alertname, state: state, severity: severity, labels: labels,
                        start: Date(timeIntervalSince1970: runStart),
                        end: open ? nil : Date(timeIntervalSince1970: last),
                        durationSeconds: max(0, end - runStart)))
            }
            for time in times.dropFirst() {
                if time - previous > stepSeconds * 1.5 {
                    close(previous, open: false)
                    runStart = time
                }
                previous = time
            }
            close(previous, open: previous >= lastEvaluation - stepSeconds / 2)
        }
        return AlertInterval.sorted(intervals)
    }
}
