import DiagRedaction
import DiagSupport
import Foundation
import Testing

/// The PCRE2 wrapper, thread safety, idempotence and what must never be redacted.
struct EngineTests {
    @Test func pcre2ReportsCompileErrorsWithOffset() throws {
        let error = try #require(throws: PCRE2Error.self) { try PCRE2Regex("ab(c") }
        #expect(error.patternOffset == 4)
        #expect(error.description.contains("missing closing parenthesis"))
    }

    @Test func pcre2IteratesMatchesWithNamedGroupsInUTF8() throws {
        let regex = try PCRE2Regex(#"k=(?<value>\w+)"#)
        let group = try #require(regex.groupNumber(named: "value"))
        var values: [String] = []
        let text = "ü k=one é k=two k="
        try regex.forEachMatch(in: text) { match in
            let range = try #require(match.range(ofGroup: group))
            values.append(String(decoding: Array(text.utf8)[range], as: UTF8.self))
            return true
        }
        #expect(values == ["one", "two"])
        #expect(regex.groupNumber(named: "missing") == nil)
    }

    @Test func pcre2EmptyMatchesAdvance() throws {
        var count = 0
        try PCRE2Regex("x*").forEachMatch(in: "aé") { _ in
            count += 1
            return count < 10
        }
        #expect(count == 3)
    }

    @Test func pcre2CalloutCanRejectACandidate() throws {
        let regex = try PCRE2Regex(#"\d+(?C{check})"#, options: .noAutoPossess)
        var text = "12 345 6789"
        let found = try text.withUTF8 { buffer -> [String] in
            let session = PCRE2MatchSession(for: regex) { context in
                context.calloutString == "check" && (context.currentOffset - context.startOffset) == 3
            }
            var results: [String] = []
            var offset = 0
            while let match = try regex.firstMatch(in: buffer, from: offset, session: session) {
                results.append(String(decoding: UnsafeBufferPointer(rebasing: buffer[match.range]), as: UTF8.self))
                offset = match.range.upperBound
            }
            return results
        }
        #expect(found == ["345", "678"])
    }

    @Test func concurrentCallsAgree() async throws {
        let redactor = TestSupport.makeRedactor()
        let inputs = (0..<64).map { "tenant_id=t-\($0 % 8) host 10.0.\($0 % 4).\($0) mail u\($0)@acme-corp.com" }
        let expected = inputs.map { TestSupport.makeRedactor().redactText($0, file: "serial") }
        let outputs = await withTaskGroup(of: (Int, String).self) { group in
            for (index, input) in inputs.enumerated() {
                group.addTask { (index, redactor.redactText(input, file: "file-\(index % 4)")) }
            }
            var results = [String](repeating: "", count: inputs.count)
            for await (index, output) in group { results[index] = output }
            return results
        }
        #expect(outputs == expected)
        #expect(redactor.report.total(for: "tenant-id") == 64)
        #expect(redactor.report.total(for: "email") == 64)
        #expect(redactor.report.counts["tenant-id"]?.count == 4)
    }

    /// A second pass keeps address and phone pseudonyms only when told they are pseudonyms,
    /// because a real address can equal the pseudonym of another (see PseudonymCollisionTests).
    @Test func redactingTwiceChangesNothingMore() throws {
        let redactor = TestSupport.makeRedactor()
        let text = PlantedCorpus.logLines
        let once = redactor.redactText(text, file: "a.log")
        redactor.remember(redactor.pseudonymMap)
        let twice = redactor.redactText(once, file: "b.log")
        #expect(twice == once)
        #expect(redactor.report.counts.values.allSatisfy { $0["b.log"] == nil }, "\(redactor.report.counts)")
    }

    /// Lines from Prometheus, Alertmanager and node_exporter output that hold no identifier.
    static let diagnosticLines = [
        #"level=info ts=2026-12-04T20:52:15.123Z caller=main.go:585 msg="Starting Prometheus Server" mode=server version="(version=2.42.0, branch=HEAD, revision=225c61122d88b01d1f0eaaee0e05b6f3e0567ac0)""#,
        #"go_gc_duration_seconds{quantile="0.75"} 4.2e-05"#,
        #"prometheus_http_requests_total{code="200",handler="/api/v1/query"} 42"#,
        #"ALERTS{alertname="HighErrorRate",alertstate="firing",severity="critical"} 1"#,
        #"msg="Completed loading of configuration file" filename=/etc/prometheus/prometheus.yml totalDuration=4.5ms"#,
        #"histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))"#,
        #"time="2026-12-04T20:52:15Z" level=info msg="Listening on :9093" GOMAXPROCS=2"#,
        "storage.tsdb.retention.time=15d scrape_timeout=10s evaluation_interval=1m30s",
        #"prometheus_build_info{goversion="go1.21.5",version="2.42.0"} 1"#,
        "HTTP/1.1 503 Service Unavailable after 1733340000 (2026-12-04T20:52:15+01:00)",
        #"process_max_fds 65536 process_open_fds 87 node_filesystem_avail_bytes{mountpoint="/"} 1.2e+10"#,
        #"level=warn component=cluster msg="gossip not settled" polls=2 before=0 now=1 elapsed=4.002s"#,
        "group_by: ['alertname', 'tenant_id'] group_interval: 5m repeat_interval: 4h",
        "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7 sampled=true",
        "GET /api/v2/alerts?active=true&silenced=false 200 1.3ms",
    ]

    @Test(arguments: diagnosticLines)
    func diagnosticLinesStayIdentical(line: String) {
        let output = TestSupport.makeRedactor().redactText(line, file: "x")
        #expect(output == line)
    }
}
