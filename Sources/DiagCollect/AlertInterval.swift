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
        var totals: [String: (name: String, state: String, count: Int, seconds: Double, open: Int)] = [:]
        for interval in intervals {
            let key = interval.alertname + "\u{0}" + interval.state
            var entry = totals[key] ?? (interval.alertname, interval.state, 0, 0, 0)
            entry.count += 1
            entry.seconds += interval.durationSeconds
            if interval.end == nil { entry.open += 1 }
            totals[key] = entry
        }
        let rows = totals.keys.sorted().map { key -> JSONValue in
            let entry = totals[key]!
            return [
                "alertname": .string(entry.name),
                "state": .string(entry.state),
                "interval_count": JSONValue(entry.count),
                "open_count": JSONValue(entry.open),
                "total_seconds": .number(entry.seconds.rounded()),
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
