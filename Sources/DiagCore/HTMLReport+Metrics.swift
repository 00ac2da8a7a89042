import DiagSupport
import Foundation

extension HTMLReport {
    static let metricSummaryPath = "metrics/summary.json"
    /// Series drawn per query; the others are counted on the card.
    static let maximumSeriesPerQuery = 4

    /// Draws a sparkline card for each series of each query in the metric summary.
    func metricSection() -> String {
        var html = "<section><h2>Metrics<span class=\"note\">coarse series from \(Self.metricSummaryPath)</span></h2>\n"
        guard let summary = json(Self.metricSummaryPath), let queries = summary["queries"]?.arrayValue, !queries.isEmpty else {
            return html + "<p class=\"empty\">This bundle has no metric summary.</p></section>\n"
        }
        var window = origin.window
        if let start = summary["window"]?["start"]?.stringValue.flatMap(Timestamp.parse),
            let end = summary["window"]?["end"]?.stringValue.flatMap(Timestamp.parse), end > start
        {
            window = CollectionWindowText(start: start, end: end)
        }
        if let dropped = summary["dropped_series_total"]?.intValue, dropped > 0 {
            html += "<p class=\"muted\">\(dropped) series were dropped because they carried a per-tenant or per-user label.</p>\n"
        }

        // Queries without series go in one line below the cards, so the cards show data first.
        let empty = queries.filter { ($0["status"]?.stringValue ?? "ok") == "ok" && ($0["series"]?.arrayValue ?? []).isEmpty }
        html += "<div class=\"sparks\">\n"
        for query in queries where !empty.contains(query) {
            html += metricCards(query, window: window)
        }
        html += "</div>\n"
        if !empty.isEmpty {
            let names = empty.map { query -> String in
                let name = query["name"]?.stringValue ?? "query"
                let dropped = query["dropped_series"]?.intValue ?? 0
                return dropped > 0 ? "\(name) (\(dropped) series dropped for their labels)" : name
            }
            html += "<p class=\"muted\">No series in the window: \(HTMLText.escape(names.joined(separator: ", "))).</p>\n"
        }
        return html + "</section>\n"
    }

    private func metricCards(_ query: JSONValue, window: CollectionWindowText) -> String {
        let name = query["name"]?.stringValue ?? "query"
        let unit = query["unit"]?.stringValue
        let title = query["description"]?.stringValue ?? query["expr"]?.stringValue ?? name
        let status = query["status"]?.stringValue ?? "ok"
        let series = query["series"]?.arrayValue ?? []
        let heading = "<div class=\"name\" title=\"\(HTMLText.escape(title))\">\(HTMLText.escape(name))</div>"

        guard status == "ok" else {
            return "<div class=\"spark\">\(heading)<div class=\"labels\">\(Self.statusPill(status)) \(text(query["reason"]))</div></div>\n"
        }
        var html = ""
        for (index, item) in series.prefix(Self.maximumSeriesPerQuery).enumerated() {
            let labels = (item["labels"]?.objectValue ?? [:]).keys.sorted().map { key in
                "\(key)=\(item["labels"]?[key]?.stringValue ?? "")"
            }.joined(separator: ", ")
            var labelText = labels.isEmpty ? "all series" : HTMLText.shorten(labels, to: 90)
            if index == Self.maximumSeriesPerQuery - 1, series.count > Self.maximumSeriesPerQuery {
                labelText += " (+\(series.count - Self.maximumSeriesPerQuery) more series)"
            }
            html += "<div class=\"spark\">\(heading)<div class=\"labels\">\(HTMLText.escape(labelText))</div>\n"
            html += sparkline(item["coarse"]?.arrayValue ?? [], window: window)
            html += "<div class=\"stats\">"
            for key in ["min", "mean", "max", "last"] {
                let value = item[key]?.doubleValue.map { HTMLText.measure($0, unit: unit) } ?? "–"
                html += "<span><i>\(key)</i><b>\(HTMLText.escape(value))</b></span>"
            }
            html += "</div></div>\n"
        }
        return html
    }

    /// Draws an SVG line over `[unix_time, value]` pairs. A null value breaks the line.
    func sparkline(_ pairs: [JSONValue], window: CollectionWindowText) -> String {
        let width = 240.0
        let height = 52.0
        let pad = 3.0
        let points: [(time: Double, value: Double?)] = pairs.compactMap { pair in
            guard let time = pair[0]?.doubleValue else { return nil }
            let value = pair[1]?.doubleValue
            return (time, value.flatMap { $0.isFinite ? $0 : nil })
        }
        let values = points.compactMap(\.value)
        guard !values.isEmpty else {
            return "<svg viewBox=\"0 0 240 52\" width=\"100%\" height=\"52\" role=\"img\" aria-label=\"no data\"><text x=\"120\" y=\"30\" text-anchor=\"middle\" font-size=\"11\" fill=\"#5f6b7d\">no samples</text></svg>\n"
        }

        var low = values.min()!
        var high = values.max()!
        if high - low < 1e-12 {
            let spread = max(abs(high) * 0.1, 1)
            low -= spread
            high += spread
        }
        let start = window.start.timeIntervalSince1970
        let span = max(1, window.end.timeIntervalSince1970 - start)
        func x(_ time: Double) -> Double { pad + (width - 2 * pad) * min(1, max(0, (time - start) / span)) }
        func y(_ value: Double) -> Double { height - pad - (height - 2 * pad) * (value - low) / (high - low) }

        var segments: [[(Double, Double)]] = [[]]
        for point in points {
            if let value = point.value {
                segments[segments.count - 1].append((x(point.time), y(value)))
            } else if !segments[segments.count - 1].isEmpty {
                segments.append([])
            }
        }

        var svg = "<svg viewBox=\"0 0 240 52\" width=\"100%\" height=\"52\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"sparkline\">\n"
        for segment in segments where !segment.isEmpty {
            let line = segment.map { "\(HTMLText.coordinate($0.0)),\(HTMLText.coordinate($0.1))" }.joined(separator: " ")
            let first = HTMLText.coordinate(segment.first!.0)
            let last = HTMLText.coordinate(segment.last!.0)
            let base = HTMLText.coordinate(height - pad)
            svg += "<polygon class=\"area\" points=\"\(first),\(base) \(line) \(last),\(base)\"/>"
            if segment.count == 1 {
                svg += "<circle cx=\"\(first)\" cy=\"\(HTMLText.coordinate(segment[0].1))\" r=\"1.8\" fill=\"#2f5bd3\"/>\n"
            } else {
                svg += "<polyline class=\"line\" vector-effect=\"non-scaling-stroke\" points=\"\(line)\"/>\n"
            }
        }
        return svg + "</svg>\n"
    }
}
