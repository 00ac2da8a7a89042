import DiagCollect
import DiagSupport
import Foundation

/// Alert intervals for the tenant-scoped collectors, in the layout of
/// `Schemas/alert-history.schema.json`.
///
/// NOTE: this repeats the interval rules of DiagCollect's `AlertHistoryBuilder` and
/// `AlertmanagerCollector`, which are internal to that module. Once DiagCollect's collectors
/// accept a series matcher and an Alertmanager filter, the scoped collectors can use them.
struct ScopedAlertInterval {
    var alertname: String
    var state: String
    var severity: String?
    var labels: [String: String]
    var start: Date
    /// When the alert was last seen active, or nil while it is still active.
    var end: Date?
    var durationSeconds: Double

    var json: JSONValue {
        [
            "alertname": .string(alertname), "state": .string(state),
            "severity": severity.map { .string($0) } ?? .null, "labels": .strings(labels),
            "start": .string(Timestamp.format(start)), "end": end.map { .string(Timestamp.format($0)) } ?? .null,
            "open": .bool(end == nil), "duration_seconds": .number(durationSeconds.rounded()),
        ]
    }

    /// Orders intervals by alert name, state, labels and start, so documents are deterministic.
    static func sorted(_ intervals: [ScopedAlertInterval]) -> [ScopedAlertInterval] {
        intervals.sorted { left, right in
            if left.alertname != right.alertname { return left.alertname < right.alertname }
            if left.state != right.state { return left.state < right.state }
            let leftLabels = JSONValue.strings(left.labels).serializedString(pretty: false)
            let rightLabels = JSONValue.strings(right.labels).serializedString(pretty: false)
            if leftLabels != rightLabels { return leftLabels < rightLabels }
            return left.start < right.start
        }
    }

    /// Splits each `ALERTS` series of a range query wherever consecutive points lie more than
    /// 1.5 steps apart; a series present at the last evaluation time gives an open interval.
    static func fromRangeQuery(_ result: [JSONValue], step: Int, window: CollectionWindow) -> [ScopedAlertInterval] {
        let stepSeconds = Double(step)
        let start = window.start.timeIntervalSince1970
        let lastEvaluation = start + ((window.end.timeIntervalSince1970 - start) / stepSeconds).rounded(.down) * stepSeconds
        var intervals: [ScopedAlertInterval] = []
        for series in result {
            var labels = (series["metric"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
            let times = (series["values"]?.arrayValue ?? []).compactMap { $0[0]?.doubleValue }.sorted()
            guard let first = times.first else { continue }
            let alertname = labels.removeValue(forKey: "alertname") ?? "unknown"
            let state = labels.removeValue(forKey: "alertstate") ?? "firing"
            let severity = labels.removeValue(forKey: "severity")
            labels.removeValue(forKey: "__name__")

            var runStart = first
            var previous = first
            func close(_ last: Double, open: Bool) {
                let end = open ? window.end.timeIntervalSince1970 : last
                intervals.append(
                    ScopedAlertInterval(
                        alertname: alertname, state: state, severity: severity, labels: labels,
                        start: Date(timeIntervalSince1970: runStart), end: open ? nil : Date(timeIntervalSince1970: last),
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
        return sorted(intervals)
    }

    /// Derives one interval per Alertmanager alert from `startsAt` and `endsAt`; an `endsAt`
    /// after `now` means the alert is still active. Returns the intervals and the alerts skipped
    /// for lacking labels or a valid `startsAt`.
    static func fromAlertmanager(_ alerts: [JSONValue], now: Date) -> ([ScopedAlertInterval], Int) {
        var intervals: [ScopedAlertInterval] = []
        var skipped = 0
        for alert in alerts {
            guard var labels = alert["labels"]?.objectValue?.compactMapValues(\.stringValue),
                let startText = alert["startsAt"]?.stringValue, let start = Timestamp.parse(startText)
            else {
                skipped += 1
                continue
            }
            let alertname = labels.removeValue(forKey: "alertname") ?? "unknown"
            let severity = labels.removeValue(forKey: "severity")
            let end = alert["endsAt"]?.stringValue.flatMap(Timestamp.parse).flatMap { $0 > now ? nil : $0 }
            intervals.append(
                ScopedAlertInterval(
                    alertname: alertname, state: alert["status"]?["state"]?.stringValue ?? "active", severity: severity,
                    labels: labels, start: start, end: end, durationSeconds: max(0, (end ?? now).timeIntervalSince(start))))
        }
        return (sorted(intervals), skipped)
    }
}

/// Builds request URLs under a source's base URL, as DiagCollect does for its own requests.
enum ScopedRequestURL {
    /// Returns `path` under `baseURL`, keeping a route prefix and user info, with `query`
    /// percent-encoded byte by byte (`+` included, which Go servers read as a space).
    static func make(_ baseURL: URL, path: String, query: [(String, String)]) -> URL {
        var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false)!
        var prefix = components.percentEncodedPath
        while prefix.hasSuffix("/") { prefix.removeLast() }
        components.percentEncodedPath = prefix + path
        components.percentEncodedQuery = query.isEmpty ? nil : query.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
        components.fragment = nil
        return components.url!
    }

    static func encode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            let unreserved = (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
            output += unreserved ? String(UnicodeScalar(byte)) : String(format: "%%%02X", byte)
        }
        return output
    }

    /// Formats a time as Unix seconds with millisecond precision, which Prometheus accepts.
    static func timestamp(_ date: Date) -> String {
        String(format: "%.3f", date.timeIntervalSince1970)
    }
}
