import DiagLogs
import DiagSupport
import Foundation
import Testing

@Suite struct ErrorTypeCollectorTests {
    static let window = ErrorTypeReport.Window(
        start: Timestamp.parse("2026-03-01T00:00:00Z")!, end: Timestamp.parse("2026-03-01T04:00:00Z")!, bucketCount: 4)

    static func collect(_ lines: [String], window: ErrorTypeReport.Window? = window) -> ErrorTypeReport.Source {
        var collector = ErrorTypeCollector(name: "test", configuration: .init(window: window))
        for line in lines { collector.add(line: line) }
        return collector.report()
    }

    static func group(_ source: ErrorTypeReport.Source, service: String?, level: String) -> ErrorTypeReport.Group? {
        source.groups.first { $0.service == service && $0.level == level }
    }

    @Test func groupsJSONLinesByMessageServiceAndLevel() throws {
        let source = Self.collect([
            #"{"ts":"2026-03-01T00:10:00Z","level":"error","service":"api","msg":"upstream timeout after 30s","trace_id":"a1"}"#,
            #"{"ts":"2026-03-01T01:10:00Z","level":"error","service":"api","msg":"upstream timeout after 31s","trace_id":"b2"}"#,
            #"{"ts":"2026-03-01T02:10:00Z","level":"ERROR","service":"api","msg":"upstream timeout after 5s"}"#,
            #"{"ts":"2026-03-01T02:20:00Z","level":"info","service":"api","msg":"request served"}"#,
            #"{"time":1772327400,"severity":"critical","app":"db","message":"replica lag 12s"}"#,
            #"{"time":1772327460,"severity":"critical","app":"db","message":"replica lag 14s"}"#,
            #"{"level":"error","msg":"#,
        ])
        #expect(source.linesRead == 7)
        #expect(source.errorLines == 5)
        #expect(source.unparsableLines == 1)

        let api = try #require(Self.group(source, service: "api", level: "error"))
        #expect(api.templates.map(\.template) == ["upstream timeout after <*>"])
        #expect(api.templates.first?.count == 3)
        #expect(api.templates.first?.buckets == [1, 1, 1, 0])
        #expect(api.templates.first?.firstSeen == Timestamp.parse("2026-03-01T00:10:00Z")!.timeIntervalSince1970)
        #expect(api.templates.first?.lastSeen == Timestamp.parse("2026-03-01T02:10:00Z")!.timeIntervalSince1970)

        let db = try #require(Self.group(source, service: "db", level: "critical"))
        #expect(db.templates.map(\.template) == ["replica lag <*>"])
        #expect(db.templates.first?.count == 2)
    }

    @Test func groupsLogfmtLines() throws {
        let source = Self.collect([
            #"ts=2026-03-01T00:01:00Z level=error component=ingester msg="failed to flush chunk" err="context deadline exceeded" tenant=t-42"#,
            #"ts=2026-03-01T00:02:00Z level=error component=ingester msg="failed to flush chunk" err="connection reset" tenant=t-77"#,
            #"ts=2026-03-01T00:03:00Z level=warn component=ingester msg="slow flush""#,
            #"ts=2026-03-01T00:04:00Z level=error component=querier msg="query failed: too many samples""#,
            #"ts=2026-03-01T00:05:00Z level=error component=querier msg="query failed: too many samples""#,
        ])
        #expect(source.errorLines == 4)
        let ingester = try #require(Self.group(source, service: "ingester", level: "error"))
        #expect(ingester.templates.map(\.template) == ["failed to flush chunk"])
        let querier = try #require(Self.group(source, service: "querier", level: "error"))
        #expect(querier.templates.map(\.template) == ["query failed: too many samples"])
        #expect(querier.templates.first?.buckets == [2, 0, 0, 0])
    }

    @Test func detectsPlainErrorsExceptionsAndStackTraces() throws {
        let source = Self.collect([
            "2026-03-01 00:00:01,000 INFO [main] org.example.App: started",
            "2026-03-01 00:00:02,000 ERROR [main] org.example.Db: connection to 10.0.0.5:5432 refused",
            "2026-03-01 00:00:03,000 ERROR [main] org.example.Db: connection to 10.0.0.6:5432 refused",
            "2026-03-01 00:00:04,000 WARN [main] org.example.Io: java.io.IOException: stream closed",
            "\tat org.example.Io.read(Io.java:42)",
            "\tat org.example.App.main(App.java:7)",
            "Caused by: java.net.SocketException: reset",
            "Traceback (most recent call last):",
            "  File \"app.py\", line 3, in <module>",
            "ValueError: invalid literal for int()",
            "panic: runtime error: index out of range [3] with length 2",
        ], window: nil)
        #expect(source.linesRead == 11)
        #expect(source.continuationLines == 5)
        #expect(source.errorLines == 5)

        let errors = try #require(Self.group(source, service: nil, level: "error"))
        #expect(errors.templates.map(\.template) == ["connection to <*> refused"])
        let warnings = try #require(Self.group(source, service: nil, level: "warning"))
        #expect(warnings.templates.first?.count == 1)
        let unknown = try #require(Self.group(source, service: nil, level: "unknown"))
        #expect(unknown.templates.map(\.count).reduce(0, +) == 2)
    }

    @Test func countsServerErrorsOfAccessLogsByRoute() throws {
        let source = Self.collect([
            #"10.0.0.1 - - [01/Mar/2026:00:05:00 +0000] "GET /api/users/17/orders?page=2 HTTP/1.1" 503 12 "-" "curl/8""#,
            #"10.0.0.2 - - [01/Mar/2026:00:06:00 +0000] "GET /api/users/23/orders HTTP/1.1" 500 12 "-" "curl/8""#,
            #"10.0.0.3 - - [01/Mar/2026:00:07:00 +0000] "GET /api/users/23/orders HTTP/1.1" 200 512 "-" "curl/8""#,
            #"10.0.0.4 - - [01/Mar/2026:00:08:00 +0000] "POST /login HTTP/1.1" 404 0"#,
        ])
        #expect(source.errorLines == 2)
        let errors = try #require(Self.group(source, service: nil, level: "error"))
        #expect(errors.templates.map(\.template) == ["GET /api/users/<*>/orders"])
        #expect(errors.templates.first?.count == 2)
    }

    @Test func skipsLinesOutsideWindow() {
        let source = Self.collect([
            "2026-02-28T23:59:59Z ERROR disk full on /dev/sda1",
            "2026-03-01T01:00:00Z ERROR disk full on /dev/sda1",
            "2026-03-01T05:00:00Z ERROR disk full on /dev/sda1",
            "ERROR disk full on /dev/sda1",
        ])
        #expect(source.skippedOutsideWindow == 2)
        #expect(source.errorLines == 2)
        let template = source.groups.first?.templates.first
        #expect(template?.count == 2)
        #expect(template?.buckets == [0, 1, 0, 0])
    }

    /// Unique strings planted in error lines must never reach the report, while their templates do.
    @Test func keepsPlantedSentinelsOutOfReport() throws {
        let sentinels = (0..<20).map { "SENTINELqz\(Character(UnicodeScalar(UInt8(97 + $0))))word" }
        var lines: [String] = []
        for (index, sentinel) in sentinels.enumerated() {
            lines.append("2026-03-01T00:0\(index % 10):00Z ERROR payment declined for customer \(sentinel) by gateway")
            lines.append(#"{"level":"error","service":"billing","msg":"refund failed for \#(sentinel)"}"#)
            lines.append("level=error service=auth msg=\"token rejected for \(sentinel) at edge\"")
        }
        lines.append("2026-03-01T00:00:00Z ERROR lonely failure SENTINELqzlonelyword happened")
        lines.append("2026-03-01T00:00:00Z ERROR SENTINELqzalone")

        var collector = ErrorTypeCollector(name: "sentinels", configuration: .init(window: Self.window))
        for line in lines { collector.add(line: line) }
        let report = ErrorTypeReport(window: Self.window, sources: [collector.report()])
        let text = report.jsonValue.serializedString()

        #expect(!text.contains("SENTINEL"))
        #expect(text.contains("payment declined for customer <*> by gateway"))
        #expect(text.contains("refund failed for <*>"))
        #expect(text.contains("token rejected for <*> at edge"))
        #expect(report.sources[0].errorLines == lines.count)
    }

    @Test func passesTemplatesAndServicesThroughRedaction() throws {
        var collector = ErrorTypeCollector(name: "redacted")
        for _ in 0..<2 {
            collector.add(line: #"{"level":"error","service":"tenant-acme","msg":"quota exceeded for acme"}"#)
        }
        let source = collector.report { $0.replacingOccurrences(of: "acme", with: "[REDACTED]") }
        let group = try #require(source.groups.first)
        #expect(group.service == "tenant-[REDACTED]")
        #expect(group.templates.map(\.template) == ["quota exceeded for [REDACTED]"])
    }

    @Test func countsOtherBeyondTemplateCapacity() throws {
        var configuration = ErrorTypeCollector.Configuration()
        configuration.miner = .init(capacity: 2)
        var collector = ErrorTypeCollector(name: "capped", configuration: configuration)
        for line in ["ERROR alpha failed", "ERROR beta stopped working", "ERROR gamma is gone now ok", "ERROR delta"] {
            collector.add(line: line)
        }
        let source = collector.report()
        #expect(source.errorLines == 4)
        #expect(source.otherLines == 2)
        let group = try #require(source.groups.first)
        #expect(group.otherLines == 2)
        #expect(group.templates.map(\.count).reduce(0, +) == 2)
    }

    @Test func serializesReportWithSchemaFields() throws {
        let report = ErrorTypeReport(window: Self.window, sources: [Self.collect(["2026-03-01T00:00:00Z ERROR x y"])])
        let document = try JSONValue.parse(report.jsonValue.serialized())
        #expect(document["schema_version"] == 1)
        #expect(document["window"]?["bucket_count"] == 4)
        #expect(document["totals"]?["error_lines"] == 1)
        #expect(document["sources"]?[0]?["skipped"]?["outside_window"] == 0)
        #expect(document["sources"]?[0]?["groups"]?[0]?["templates"]?[0]?["template"] == "<*>")
    }
}

@Suite struct EmbeddedStructuredLineTests {
    @Test func readsJSONInsideContainerLogFormat() throws {
        var collector = ErrorTypeCollector(name: "cri")
        for index in 0..<3 {
            collector.add(line: #"2026-03-01T00:00:0\#(index).5Z stderr F {"level":"error","msg":"pull failed for image \#(index)","service":"kubelet"}"#)
        }
        collector.add(line: #"2026-03-01T00:00:09.5Z stdout F {"level":"info","msg":"ok"}"#)
        let source = collector.report()
        #expect(source.errorLines == 3)
        let group = try #require(source.groups.first)
        #expect(group.service == "kubelet")
        #expect(group.templates.map(\.template) == ["pull failed for image <*>"])
        #expect(group.templates.first?.firstSeen == Timestamp.parse("2026-03-01T00:00:00Z")!.timeIntervalSince1970 + 0.5)
    }

    @Test func readsLogfmtAfterSyslogHeader() throws {
        var collector = ErrorTypeCollector(name: "syslog")
        collector.add(line: #"Mar  1 00:00:01 host loki[812]: level=error msg="flush failed" org_id=42"#)
        collector.add(line: #"Mar  1 00:00:02 host loki[812]: level=error msg="flush failed" org_id=43"#)
        let source = collector.report()
        #expect(source.errorLines == 2)
        let group = try #require(source.groups.first)
        #expect(group.service == "loki")
        #expect(group.templates.map(\.template) == ["flush failed"])
    }

    @Test(arguments: [
        (#"{"level":50,"msg":"x"}"#, "error"),
        (#"{"level":60,"msg":"x"}"#, "fatal"),
        (#"{"PRIORITY":"3","MESSAGE":"x","SYSLOG_IDENTIFIER":"sshd"}"#, "error"),
        (#"{"PRIORITY":"2","MESSAGE":"x"}"#, "critical"),
    ])
    func readsNumericLevels(line: String, level: String) throws {
        var collector = ErrorTypeCollector(name: "numeric")
        collector.add(line: line)
        let source = collector.report()
        #expect(source.errorLines == 1)
        #expect(source.groups.first?.level == level)
    }
}
