@testable import DiagCore
import DiagSupport
import Foundation
import Testing

/// `report.html` built from hand-made bundle files: every section, hostile text, and the rule
/// that the page loads nothing.
@Suite struct HTMLReportTests {
    static let start = Timestamp.parse("2026-12-04T09:00:00Z")!
    static let end = Timestamp.parse("2026-12-04T10:00:00Z")!

    /// Text that would break out of the page or fetch something if it were not escaped.
    static let hostile = "</style><script>alert(1)</script> @import url(http://evil.invalid/x.css) https://evil.invalid/"

    static func origin() -> HTMLReport.Origin {
        HTMLReport.Origin(
            bundle: "waka-diag-test-site-20261204T100000Z", site: "test-site", mode: "partner", region: "eu-west-1",
            created: "2026-12-04T10:00:00Z", window: .init(start: start, end: end), replacements: 42)
    }

    static func files() -> [String: Data] {
        let history: JSONValue = [
            "source": "prometheus",
            "window": ["start": "2026-12-04T09:00:00Z", "end": "2026-12-04T10:00:00Z"],
            "intervals": [
                [
                    "alertname": "HighErrorRate", "state": "firing", "severity": "critical", "labels": ["job": "api"],
                    "start": "2026-12-04T09:10:00Z", "end": "2026-12-04T09:20:00Z", "open": false, "duration_seconds": 600,
                ],
                [
                    "alertname": "HighErrorRate", "state": "pending", "severity": "critical", "labels": [:],
                    "start": "2026-12-04T09:08:00Z", "end": "2026-12-04T09:10:00Z", "open": false, "duration_seconds": 120,
                ],
                [
                    "alertname": .string(hostile), "state": "firing", "severity": nil, "labels": [:],
                    "start": "2026-12-04T09:50:00Z", "end": nil, "open": true, "duration_seconds": 600,
                ],
            ],
            "alerts": [],
        ]
        let coarse: JSONValue = .array(
            (0..<30).map { index in
                let time = Int64(start.timeIntervalSince1970) + Int64(index * 120)
                return [.int(time), index == 12 ? .null : .double(Double(index % 7) * 1.5)]
            })
        let metrics: JSONValue = [
            "window": ["start": "2026-12-04T09:00:00Z", "end": "2026-12-04T10:00:00Z"],
            "dropped_series_total": 3,
            "queries": [
                [
                    "name": "request_rate", "expr": "sum(rate(http_requests_total[5m]))", "description": "Requests per second",
                    "unit": "ops", "status": "ok", "dropped_series": 0, "dropped_because_of_labels": [],
                    "series": [["labels": ["code": .string(hostile)], "min": 0, "max": 9, "mean": 4.5, "last": 3, "coarse": coarse]],
                ],
                [
                    "name": "memory", "expr": "process_resident_memory_bytes", "description": nil, "unit": "bytes",
                    "status": "timed_out", "reason": "the query timed out after 30s", "series": [], "dropped_series": 0,
                    "dropped_because_of_labels": [],
                ],
            ],
        ]
        let errorTypes: JSONValue = [
            "totals": ["lines_read": 12000, "error_lines": 340],
            "sources": [
                [
                    "name": "app", "groups": [
                        [
                            "service": "payments-api", "level": "error",
                            "templates": [
                                ["template": "payment <*> declined by <*>", "count": 300, "buckets": [0, 10, 250, 40]],
                                ["template": .string(hostile), "count": 40, "buckets": []],
                            ],
                        ]
                    ],
                ]
            ],
        ]
        let traces: JSONValue = [
            "trace_count": 120,
            "services": [["service": "checkout", "span_count": 900, "error_rate": 0.025, "duration_ms": ["p50": 12.5, "p99": 300]]],
        ]
        let warnings: JSONValue = ["warnings": [["file": "config/app.env", "rule": "possible-secret", "message": .string(hostile)]]]
        return [
            "alerts/prometheus-history.json": history.serialized(), "metrics/summary.json": metrics.serialized(),
            "logs/error-types.json": errorTypes.serialized(), "traces/stats.json": traces.serialized(),
            "redaction/warnings.json": warnings.serialized(), "config/app.env": Data("LOG_LEVEL=info\n".utf8),
        ]
    }

    static func report(files: [String: Data] = files()) -> String {
        let sources: [JSONValue] = [
            ["name": "prometheus", "kind": "prometheus", "endpoint": "http://127.0.0.1:9090", "status": "ok", "duration_seconds": 1.2, "documents": 9],
            ["name": "jaeger", "kind": "jaeger", "endpoint": "https://127.0.0.1:16686", "status": "unreachable", "reason": .string(hostile), "duration_seconds": 3, "documents": 0],
        ]
        let leftOut = [LeftOutFile(path: "config/tls/keystore.p12", source: "config-files", reason: "binary")]
        return HTMLReport(origin: origin(), sources: sources, leftOut: leftOut, files: files).html()
    }

    @Test func pageHasNoForbiddenMarkup() throws {
        let html = Self.report()
        #expect(HTMLReportInspection.forbiddenSubstrings(in: html) == [])
        #expect(try HTMLReportInspection.parserFindings(html) == [])
    }

    @Test func hostileTextIsEscaped() {
        let html = Self.report()
        #expect(html.contains("&lt;&#47;style&gt;&lt;script&gt;alert&#40;1)&lt;&#47;script&gt;"))
        #expect(html.components(separatedBy: "</style>").count == 2, "only the page's own style element may close")
    }

    @Test func everySectionIsDrawn() {
        let html = Self.report()
        for heading in ["Summary", "Sources", "Alert timelines", "Metrics", "Top error types", "Trace statistics", "Residual redaction warnings", "Left out", "Files"] {
            #expect(html.contains("<h2>\(heading)"), "section \(heading) is missing")
        }
        #expect(html.contains("class=\"firing\""))
        #expect(html.contains("class=\"pending\""))
        #expect(html.contains("<polyline class=\"line\""))
        #expect(html.contains("payment &lt;*&gt; declined by &lt;*&gt;"))
        #expect(html.contains("2.5%"), "the trace error rate is shown as percent")
        #expect(html.contains("timed_out"))
        #expect(html.contains("eu-west-1"))
    }

    @Test func alertRowsFollowFirstStart() throws {
        let html = Self.report()
        let section = try #require(html.components(separatedBy: "<h2>Alert timelines").last?.components(separatedBy: "<h2>Metrics").first)
        let high = section.range(of: ">HighErrorRate<")
        let hostile = section.range(of: "&lt;&#47;style&gt;&lt;script")
        #expect(high != nil)
        #expect(hostile != nil)
        if let high, let hostile { #expect(high.lowerBound < hostile.lowerBound) }
        #expect(section.contains("2 alerts, 3 intervals"))
    }

    @Test func nullValueBreaksSparkline() {
        let html = Self.report()
        #expect(html.components(separatedBy: "<polyline class=\"line\"").count - 1 == 2, "a null point splits one series into two lines")
    }

    @Test func missingDocumentsAreTolerated() throws {
        let html = Self.report(files: [:])
        #expect(html.contains("This bundle has no alert history."))
        #expect(html.contains("This bundle has no metric summary."))
        #expect(!html.contains("Top error types"))
        #expect(!html.contains("Trace statistics"))
        #expect(try HTMLReportInspection.parserFindings(html) == [])
    }

    @Test func malformedDocumentsAreTolerated() {
        var files = Self.files()
        files["alerts/prometheus-history.json"] = Data("{\"intervals\": [".utf8)
        files["metrics/summary.json"] = Data([0xFF, 0xFE, 0x00])
        files["logs/error-types.json"] = Data("[]".utf8)
        let html = Self.report(files: files)
        #expect(html.contains("This bundle has no alert history."))
        #expect(html.contains("No error lines were counted."))
    }

    @Test func sameInputsGiveSameBytes() {
        #expect(Self.report() == Self.report())
    }

    @Test func escapeCoversMarkupAndFetches() {
        #expect(HTMLText.escape("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&#39;")
        #expect(HTMLText.escape("http://x/y") == "http:&#47;&#47;x&#47;y")
        #expect(HTMLText.escape("url(a) @import") == "url&#40;a) &#64;import")
        #expect(HTMLText.escape("bell\u{07}tab\tnl\n") == "bell\u{FFFD}tab\tnl\n")
        #expect(HTMLText.escape("") == "")
    }

    @Test func numbersAreCompact() {
        #expect(HTMLText.number(0) == "0")
        #expect(HTMLText.number(12) == "12")
        #expect(HTMLText.number(1234) == "1.23k")
        #expect(HTMLText.number(2_500_000) == "2.5M")
        #expect(HTMLText.number(0.000123) == "0.000123")
        #expect(HTMLText.number(.nan) == "NaN")
        #expect(HTMLText.measure(1536, unit: "bytes") == "1.5 KiB")
        #expect(HTMLText.measure(0.25, unit: "ratio") == "25%")
        #expect(HTMLText.measure(90, unit: "seconds") == "1m30s")
        #expect(HTMLText.count(1_234_567) == "1,234,567")
    }

    @Test func ticksStayInsideWindow() {
        let ticks = HTMLReport.ticks(window: .init(start: Self.start.addingTimeInterval(7), end: Self.end))
        #expect(!ticks.isEmpty)
        #expect(ticks.count <= 8)
        #expect(ticks.allSatisfy { $0 >= Self.start })
        #expect(ticks.allSatisfy { $0 <= Self.end })
    }
}
