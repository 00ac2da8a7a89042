import DiagSupport
import Foundation

/// Writes `report.html`, one self-contained page that shows a bundle at a glance: origin, source
/// status, alert timelines, metric sparklines, top error types and trace statistics.
///
/// The page loads nothing: no scripts, fonts, images or style sheets, only inline CSS and inline
/// SVG, and a Content-Security-Policy that forbids every fetch in case a browser is asked to.
/// It is built only from files that were already redacted, and every text taken from them is
/// escaped by `HTMLText.escape`. The output depends only on its inputs, so bundles stay
/// byte-identical for the same inputs.
public struct HTMLReport: Sendable {
    /// The report's path inside a bundle.
    public static let path = "report.html"

    /// The bundle's origin, as the manifest records it.
    public struct Origin: Sendable, Equatable {
        public var bundle: String
        public var site: String
        public var mode: String
        public var region: String
        public var created: String
        public var window: CollectionWindowText
        public var replacements: Int
        /// The bundle this one was resealed from by `review`, if any.
        public var resealedFrom: String?

        public init(
            bundle: String, site: String, mode: String, region: String, created: String,
            window: CollectionWindowText, replacements: Int, resealedFrom: String? = nil
        ) {
            self.bundle = bundle
            self.site = site
            self.mode = mode
            self.region = region
            self.created = created
            self.window = window
            self.replacements = replacements
            self.resealedFrom = resealedFrom
        }
    }

    /// A window as two RFC 3339 timestamps, parsed for drawing.
    public struct CollectionWindowText: Sendable, Equatable {
        public var start: Date
        public var end: Date

        public init(start: Date, end: Date) {
            self.start = start
            self.end = end
        }
    }

    public var origin: Origin
    /// Source entries shaped like the manifest's `sources`.
    public var sources: [JSONValue]
    public var leftOut: [LeftOutFile]
    /// The bundle's files by path, already redacted.
    public var files: [String: Data]

    public init(origin: Origin, sources: [JSONValue], leftOut: [LeftOutFile], files: [String: Data]) {
        self.origin = origin
        self.sources = sources
        self.leftOut = leftOut
        self.files = files
    }

    /// The page as UTF-8 bytes.
    public var data: Data { Data(html().utf8) }

    /// Renders the whole page.
    public func html() -> String {
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="no-referrer">
            <title>\(HTMLText.escape(origin.bundle))</title>
            <style>
            \(Self.styleSheet)
            </style>
            </head>
            <body>

            """
        page += headerBand()
        page += "<main>\n"
        page += summarySection()
        page += sourcesSection()
        page += alertSection()
        page += metricSection()
        page += errorTypeSection()
        page += traceSection()
        page += warningSection()
        page += leftOutSection()
        page += fileSection()
        page += "</main>\n"
        page += "<footer>Written by waka-diag from the redacted files of this bundle. "
        page += "Check the bundle with <code>waka-diag verify</code> before trusting it.</footer>\n"
        page += "</body>\n</html>\n"
        return page
    }

    /// Parses one of the bundle's JSON files, or nil when it is absent or malformed.
    func json(_ path: String) -> JSONValue? {
        files[path].flatMap { try? JSONValue.parse($0) }
    }

    private func headerBand() -> String {
        let windowText = "\(Timestamp.format(origin.window.start)) to \(Timestamp.format(origin.window.end))"
        var sub = "Diagnostics bundle · \(windowText) · collected \(origin.created)"
        if let parent = origin.resealedFrom { sub += " · resealed from \(parent)" }
        return "<header><h1>\(HTMLText.escape(origin.bundle))</h1><div class=\"sub\">\(HTMLText.escape(sub))</div></header>\n"
    }

    private func summarySection() -> String {
        let seconds = origin.window.end.timeIntervalSince(origin.window.start)
        let healthy = sources.filter { $0["status"]?.stringValue == "ok" }.count
        let alertNames = Set((json(Self.alertHistoryPath)?["intervals"]?.arrayValue ?? []).compactMap { $0["alertname"]?.stringValue })
        let fileText = leftOut.isEmpty ? String(files.count) : "\(files.count) (\(leftOut.count) left out)"
        let facts: [(String, String)] = [
            ("Site", origin.site), ("Deployment mode", origin.mode), ("Region", origin.region),
            ("Window", DurationText.format(max(0, seconds))), ("Sources ok", "\(healthy) of \(sources.count)"),
            ("Alerts active in window", String(alertNames.count)), ("Files", fileText),
            ("Replacements by redaction", HTMLText.count(Int64(origin.replacements))),
        ]
        var html = "<section><h2>Summary</h2><div class=\"facts\">\n"
        for (key, value) in facts {
            html += "<div class=\"fact\"><div class=\"k\">\(HTMLText.escape(key))</div><div class=\"v\">\(HTMLText.escape(value))</div></div>\n"
        }
        return html + "</div></section>\n"
    }

    private func sourcesSection() -> String {
        var html = "<section><h2>Sources</h2>\n"
        guard !sources.isEmpty else { return html + "<p class=\"empty\">No sources were collected.</p></section>\n" }
        html += "<table><tr><th>Source</th><th>Kind</th><th>Endpoint</th><th>Status</th><th class=\"num\">Time</th><th class=\"num\">Documents</th><th>Reason</th></tr>\n"
        for source in sources {
            let status = source["status"]?.stringValue ?? "unknown"
            let seconds = source["duration_seconds"]?.doubleValue ?? 0
            html += "<tr><td>\(text(source["name"]))</td><td>\(text(source["kind"]))</td>"
            html += "<td class=\"mono\">\(text(source["endpoint"]))</td>"
            html += "<td>\(Self.statusPill(status))</td>"
            html += "<td class=\"num\">\(HTMLText.escape(String(format: "%.1f s", seconds)))</td>"
            html += "<td class=\"num\">\(source["documents"]?.intValue.map { String($0) } ?? "")</td>"
            html += "<td>\(text(source["reason"]))</td></tr>\n"
        }
        return html + "</table></section>\n"
    }

    /// Renders a source status as a coloured label: green for ok, amber for partial or skipped, red otherwise.
    static func statusPill(_ status: String) -> String {
        let style: String
        switch status {
        case "ok": style = "ok"
        case "partial", "skipped": style = "partial"
        default: style = "bad"
        }
        return "<span class=\"pill \(style)\">\(HTMLText.escape(status))</span>"
    }

    private func leftOutSection() -> String {
        guard !leftOut.isEmpty else { return "" }
        var html = "<section><h2>Left out<span class=\"note\">files that are not in this bundle, and why</span></h2>\n"
        html += "<table><tr><th>Path</th><th>Source</th><th>Reason</th></tr>\n"
        for item in leftOut {
            html += "<tr><td class=\"mono\">\(HTMLText.escape(item.path))</td><td>\(HTMLText.escape(item.source))</td>"
            html += "<td>\(HTMLText.escape(item.reason))</td></tr>\n"
        }
        return html + "</table></section>\n"
    }

    private func fileSection() -> String {
        var html = "<section><h2>Files</h2><details><summary>\(files.count) files, besides this report, SUMMARY.md and manifest.json</summary>\n"
        html += "<table><tr><th>Path</th><th class=\"num\">Bytes</th></tr>\n"
        for path in files.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            html += "<tr><td class=\"mono\">\(HTMLText.escape(path))</td><td class=\"num\">\(HTMLText.count(Int64(files[path]!.count)))</td></tr>\n"
        }
        return html + "</table></details></section>\n"
    }

    /// Escapes a JSON value for the page: a string as it is, null as empty, anything else as compact JSON.
    func text(_ value: JSONValue?) -> String {
        guard let value else { return "" }
        switch value {
        case .string(let string): return HTMLText.escape(string)
        case .null: return ""
        default: return HTMLText.escape(String(decoding: value.serialized(pretty: false), as: UTF8.self))
        }
    }
}
