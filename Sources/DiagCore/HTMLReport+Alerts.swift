import DiagSupport
import Foundation

extension HTMLReport {
    static let alertHistoryPath = "alerts/prometheus-history.json"
    /// Rows drawn at most; further alerts are counted below the chart.
    static let maximumAlertRows = 40

    /// One alert's row: its name, severity and intervals clipped to the window.
    struct AlertRow {
        var name: String
        var severity: String
        var bars: [(start: Date, end: Date, state: String, open: Bool, labels: String)] = []
        var firingSeconds: Double = 0
    }

    /// Draws one row per alert name across the window, a bar for each firing or pending interval.
    func alertSection() -> String {
        var html = "<section><h2>Alert timelines<span class=\"note\">from \(Self.alertHistoryPath)</span></h2>\n"
        guard let history = json(Self.alertHistoryPath) else {
            return html + "<p class=\"empty\">This bundle has no alert history.</p></section>\n"
        }
        let window = historyWindow(history)
        let rows = alertRows(history["intervals"]?.arrayValue ?? [], window: window)
        guard !rows.isEmpty else {
            return html + "<p class=\"empty\">No alert fired or was pending during the window.</p></section>\n"
        }

        let shown = Array(rows.prefix(Self.maximumAlertRows))
        let intervalCount = rows.reduce(0) { $0 + $1.bars.count }
        let firing = rows.reduce(0.0) { $0 + $1.firingSeconds }
        html += "<p class=\"muted\">\(rows.count) alerts, \(intervalCount) intervals, \(HTMLText.escape(DurationText.format(firing))) of firing in total.</p>\n"
        html += timelineSVG(shown, window: window)
        html += "<div class=\"legend\"><span><span class=\"swatch\" style=\"background:var(--firing)\"></span>firing</span>"
        html += "<span><span class=\"swatch\" style=\"background:var(--pending)\"></span>pending</span>"
        html += "<span>times in UTC; hover a bar for its interval</span></div>\n"
        if rows.count > shown.count {
            html += "<p class=\"muted\">\(rows.count - shown.count) more alerts are not drawn; see the history file.</p>\n"
        }
        return html + "</section>\n"
    }

    /// The history's own window when it has one, else the bundle's.
    private func historyWindow(_ history: JSONValue) -> CollectionWindowText {
        if let start = history["window"]?["start"]?.stringValue.flatMap(Timestamp.parse),
            let end = history["window"]?["end"]?.stringValue.flatMap(Timestamp.parse), end > start
        {
            return CollectionWindowText(start: start, end: end)
        }
        return origin.window
    }

    /// Groups intervals by alert name, clips them to the window, and orders rows by first start.
    private func alertRows(_ intervals: [JSONValue], window: CollectionWindowText) -> [AlertRow] {
        var rows: [String: AlertRow] = [:]
        for interval in intervals {
            guard let name = interval["alertname"]?.stringValue,
                let start = interval["start"]?.stringValue.flatMap(Timestamp.parse)
            else { continue }
            let open = interval["open"]?.boolValue ?? false
            var end = interval["end"]?.stringValue.flatMap(Timestamp.parse) ?? window.end
            if open { end = window.end }
            let clippedStart = max(start, window.start)
            let clippedEnd = min(max(end, clippedStart), window.end)
            guard clippedStart <= window.end else { continue }

            let state = interval["state"]?.stringValue ?? "firing"
            let labels = (interval["labels"]?.objectValue ?? [:]).keys.sorted().prefix(6).map { key in
                "\(key)=\(interval["labels"]?[key]?.stringValue ?? "")"
            }.joined(separator: ", ")
            var row = rows[name] ?? AlertRow(name: name, severity: interval["severity"]?.stringValue ?? "")
            row.bars.append((clippedStart, clippedEnd, state, open, labels))
            if state == "firing" { row.firingSeconds += interval["duration_seconds"]?.doubleValue ?? 0 }
            rows[name] = row
        }
        return rows.values.sorted { left, right in
            let leftStart = left.bars.map(\.start).min()!
            let rightStart = right.bars.map(\.start).min()!
            return leftStart != rightStart ? leftStart < rightStart : left.name < right.name
        }
    }

    private func timelineSVG(_ rows: [AlertRow], window: CollectionWindowText) -> String {
        let width = 1120.0
        let labelWidth = 300.0
        let plotStart = labelWidth + 10
        let plotEnd = width - 14
        let axisHeight = 26.0
        let rowHeight = 26.0
        let height = axisHeight + rowHeight * Double(rows.count) + 6
        let span = max(1, window.end.timeIntervalSince(window.start))
        func x(_ date: Date) -> Double { plotStart + (plotEnd - plotStart) * date.timeIntervalSince(window.start) / span }

        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(HTMLText.coordinate(height))\" width=\"100%\" role=\"img\" aria-label=\"alert timelines\">\n"
        for (index, row) in rows.enumerated() {
            let top = axisHeight + rowHeight * Double(index)
            svg += "<rect class=\"lane\" x=\"\(HTMLText.coordinate(plotStart))\" y=\"\(HTMLText.coordinate(top + 3))\" width=\"\(HTMLText.coordinate(plotEnd - plotStart))\" height=\"\(HTMLText.coordinate(rowHeight - 6))\" rx=\"3\"/>\n"
            let name = HTMLText.escape(HTMLText.shorten(row.name, to: 34))
            let severity = row.severity.isEmpty ? "" : "<tspan fill=\"#5f6b7d\" font-size=\"11\"> \(HTMLText.escape(HTMLText.shorten(row.severity, to: 12)))</tspan>"
            svg += "<text x=\"0\" y=\"\(HTMLText.coordinate(top + rowHeight / 2 + 4.5))\" font-size=\"13\"><title>\(HTMLText.escape(row.name))</title>\(name)\(severity)</text>\n"
        }

        svg += "<g class=\"axis\">\n"
        let withDay = span > 86_400
        for tick in Self.ticks(window: window) {
            let position = HTMLText.coordinate(x(tick))
            svg += "<line x1=\"\(position)\" y1=\"\(HTMLText.coordinate(axisHeight - 4))\" x2=\"\(position)\" y2=\"\(HTMLText.coordinate(height - 4))\"/>"
            svg += "<text x=\"\(position)\" y=\"14\" text-anchor=\"middle\">\(HTMLText.escape(HTMLText.clock(tick, withDay: withDay)))</text>\n"
        }
        svg += "</g>\n"

        for (index, row) in rows.enumerated() {
            let top = axisHeight + rowHeight * Double(index) + 6
            for bar in row.bars {
                let left = x(bar.start)
                let barWidth = max(2.5, x(bar.end) - left)
                let style = bar.state == "firing" ? "firing" : (bar.state == "pending" ? "pending" : "other")
                var tip = "\(row.name) \(bar.state) \(HTMLText.clock(bar.start, withDay: withDay)) to "
                tip += bar.open ? "the end of the window (still active)" : HTMLText.clock(bar.end, withDay: withDay)
                tip += " (\(DurationText.format(bar.end.timeIntervalSince(bar.start))))"
                if !bar.labels.isEmpty { tip += "; \(bar.labels)" }
                svg += "<rect class=\"\(style)\" x=\"\(HTMLText.coordinate(left))\" y=\"\(HTMLText.coordinate(top))\" width=\"\(HTMLText.coordinate(barWidth))\" height=\"\(HTMLText.coordinate(rowHeight - 12))\" rx=\"2\" fill-opacity=\"0.85\"><title>\(HTMLText.escape(tip))</title></rect>\n"
            }
        }
        return svg + "</svg>\n"
    }

    /// Tick times on whole multiples of a step chosen so the axis has at most eight labels.
    static func ticks(window: CollectionWindowText) -> [Date] {
        let span = window.end.timeIntervalSince(window.start)
        guard span > 0 else { return [window.start] }
        let steps: [Double] = [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800]
        let step = steps.first { span / $0 <= 8 } ?? (span / 8).rounded(.up)
        var tick = (window.start.timeIntervalSince1970 / step).rounded(.up) * step
        var ticks: [Date] = []
        while tick <= window.end.timeIntervalSince1970 {
            ticks.append(Date(timeIntervalSince1970: tick))
            tick += step
        }
        return ticks
    }
}
