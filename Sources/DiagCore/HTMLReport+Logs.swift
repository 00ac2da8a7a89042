import DiagSupport
import Foundation

extension HTMLReport {
    static let errorTypesPath = "logs/error-types.json"
    static let traceStatsPath = "traces/stats.json"
    static let warningsPath = "redaction/warnings.json"
    /// Error types listed at most, by count.
    static let maximumErrorTypes = 15

    /// One error template with where it was counted.
    struct ErrorTypeRow {
        var template: String
        var service: String
        var level: String
        var source: String
        var count: Int64
        var buckets: [Int64]
    }

    /// Lists the most frequent error types over every log source, with a bar and their counts over time.
    func errorTypeSection() -> String {
        guard let document = json(Self.errorTypesPath) else { return "" }
        var rows: [ErrorTypeRow] = []
        for source in document["sources"]?.arrayValue ?? [] {
            for group in source["groups"]?.arrayValue ?? [] {
                for template in group["templates"]?.arrayValue ?? [] {
                    rows.append(
                        ErrorTypeRow(
                            template: template["template"]?.stringValue ?? "", service: group["service"]?.stringValue ?? "",
                            level: group["level"]?.stringValue ?? "", source: source["name"]?.stringValue ?? "",
                            count: template["count"]?.intValue ?? 0,
                            buckets: (template["buckets"]?.arrayValue ?? []).map { $0.intValue ?? 0 }))
                }
            }
        }
        rows.sort { $0.count != $1.count ? $0.count > $1.count : $0.template < $1.template }

        var html = "<section><h2>Top error types<span class=\"note\">anonymized templates from \(Self.errorTypesPath)</span></h2>\n"
        let read = document["totals"]?["lines_read"]?.intValue ?? 0
        let errors = document["totals"]?["error_lines"]?.intValue ?? 0
        html += "<p class=\"muted\">\(HTMLText.count(errors)) error lines in \(HTMLText.count(read)) lines read, \(rows.count) error types.</p>\n"
        guard let largest = rows.first?.count, largest > 0 else {
            return html + "<p class=\"empty\">No error lines were counted.</p></section>\n"
        }
        html += "<table><tr><th class=\"num\">Lines</th><th></th><th>Error type</th><th>Service</th><th>Level</th><th>Over the window</th></tr>\n"
        for row in rows.prefix(Self.maximumErrorTypes) {
            let barWidth = max(1.5, 80 * Double(row.count) / Double(largest))
            html += "<tr><td class=\"num\">\(HTMLText.count(row.count))</td>"
            html += "<td><svg viewBox=\"0 0 80 12\" width=\"80\" height=\"12\"><rect class=\"bar\" x=\"0\" y=\"1\" width=\"\(HTMLText.coordinate(barWidth))\" height=\"10\" rx=\"2\"/></svg></td>"
            html += "<td><code>\(HTMLText.escape(HTMLText.shorten(row.template, to: 160)))</code></td>"
            html += "<td>\(HTMLText.escape(row.service))</td><td>\(HTMLText.escape(row.level))</td>"
            html += "<td>\(bucketChart(row.buckets))</td></tr>\n"
        }
        if rows.count > Self.maximumErrorTypes {
            html += "<tr><td colspan=\"6\" class=\"muted\">\(rows.count - Self.maximumErrorTypes) less frequent error types are in the file.</td></tr>\n"
        }
        return html + "</table></section>\n"
    }

    /// Draws a small column chart of lines per window bucket.
    private func bucketChart(_ buckets: [Int64]) -> String {
        guard let peak = buckets.max(), peak > 0 else { return "<span class=\"muted\">–</span>" }
        let width = 120.0
        let height = 20.0
        let column = width / Double(buckets.count)
        var svg = "<svg viewBox=\"0 0 120 20\" width=\"120\" height=\"20\">"
        for (index, value) in buckets.enumerated() where value > 0 {
            let barHeight = max(1.5, height * Double(value) / Double(peak))
            svg += "<rect class=\"bucket\" x=\"\(HTMLText.coordinate(Double(index) * column))\" y=\"\(HTMLText.coordinate(height - barHeight))\" width=\"\(HTMLText.coordinate(max(1, column - 0.6)))\" height=\"\(HTMLText.coordinate(barHeight))\"/>"
        }
        return svg + "</svg>"
    }

    /// Shows the trace statistics as tables, whatever their exact layout, because the document
    /// is optional and its fields may grow.
    func traceSection() -> String {
        guard let stats = json(Self.traceStatsPath) else { return "" }
        var html = "<section><h2>Trace statistics<span class=\"note\">from \(Self.traceStatsPath)</span></h2>\n"
        html += genericTables(stats)
        return html + "</section>\n"
    }

    /// Lists what the redactor flagged but could not settle, when the bundle records it.
    func warningSection() -> String {
        guard let warnings = json(Self.warningsPath) else { return "" }
        let items = warnings.arrayValue ?? warnings["warnings"]?.arrayValue
        if let items, items.isEmpty { return "" }
        var html = "<section><h2>Residual redaction warnings<span class=\"note\">from \(Self.warningsPath); read these before sharing</span></h2>\n"
        html += genericTables(items.map { .array($0) } ?? warnings)
        return html + "</section>\n"
    }

    /// Renders any JSON document as tables: scalars as a key-value table and each list of
    /// objects as a table with one column per field, nested objects flattened one level.
    func genericTables(_ value: JSONValue, depth: Int = 0) -> String {
        if let items = value.arrayValue {
            let objects = items.compactMap(\.objectValue)
            if objects.count == items.count, !objects.isEmpty { return objectTable(objects) }
            return "<p><code>\(text(value))</code></p>\n"
        }
        guard let members = value.objectValue else { return "<p><code>\(text(value))</code></p>\n" }

        var html = ""
        let scalars = members.filter { Self.isScalarLike($0.value) }.sorted { $0.key < $1.key }
        if !scalars.isEmpty {
            html += "<table>"
            for (key, item) in scalars {
                html += "<tr><th>\(HTMLText.escape(key))</th><td class=\"num\">\(cellText(item, key: key))</td></tr>"
            }
            html += "</table>\n"
        }
        for (key, item) in members.sorted(by: { $0.key < $1.key }) where !Self.isScalarLike(item) {
            html += "<h3>\(HTMLText.escape(key))</h3>\n"
            html += depth < 2 ? genericTables(item, depth: depth + 1) : "<p><code>\(text(item))</code></p>\n"
        }
        return html
    }

    private func objectTable(_ objects: [[String: JSONValue]]) -> String {
        let rows = objects.prefix(25).map(Self.flatten)
        let preferred = ["service", "operation", "name", "path", "file", "rule", "kind", "type"]
        var columns = Array(Set(rows.flatMap(\.keys)))
        columns.sort { left, right in
            let leftRank = preferred.firstIndex(of: left) ?? preferred.count
            let rightRank = preferred.firstIndex(of: right) ?? preferred.count
            return leftRank != rightRank ? leftRank < rightRank : left < right
        }
        columns = Array(columns.prefix(9))

        var html = "<table><tr>"
        for column in columns {
            let numeric = rows.contains { $0[column]?.doubleValue != nil && $0[column]?.stringValue == nil }
            html += "<th\(numeric ? " class=\"num\"" : "")>\(HTMLText.escape(column))</th>"
        }
        html += "</tr>\n"
        for row in rows {
            html += "<tr>"
            for column in columns {
                let cell = row[column]
                let numeric = cell?.doubleValue != nil && cell?.stringValue == nil
                html += "<td\(numeric ? " class=\"num\"" : "")>\(cell.map { cellText($0, key: column) } ?? "")</td>"
            }
            html += "</tr>\n"
        }
        if objects.count > rows.count {
            html += "<tr><td colspan=\"\(columns.count)\" class=\"muted\">\(objects.count - rows.count) more rows are in the file.</td></tr>\n"
        }
        return html + "</table>\n"
    }

    /// Flattens a row's nested objects into `outer.inner` keys, one level deep.
    private static func flatten(_ object: [String: JSONValue]) -> [String: JSONValue] {
        var flat: [String: JSONValue] = [:]
        for (key, value) in object {
            if let inner = value.objectValue {
                for (innerKey, innerValue) in inner { flat["\(key).\(innerKey)"] = innerValue }
            } else {
                flat[key] = value
            }
        }
        return flat
    }

    private static func isScalarLike(_ value: JSONValue) -> Bool {
        switch value {
        case .object: return false
        case .array(let items): return items.allSatisfy { $0.objectValue == nil && $0.arrayValue == nil }
        default: return true
        }
    }

    /// Formats a table cell: counts with separators, and a number under a `rate` or `ratio` key as percent.
    private func cellText(_ value: JSONValue, key: String) -> String {
        if let number = value.doubleValue, value.stringValue == nil, key.hasSuffix("rate") || key.hasSuffix("ratio") {
            return HTMLText.escape(HTMLText.measure(number, unit: "ratio"))
        }
        switch value {
        case .int(let number): return HTMLText.count(number)
        case .double(let number): return HTMLText.escape(HTMLText.number(number))
        default: return text(value)
        }
    }
}
