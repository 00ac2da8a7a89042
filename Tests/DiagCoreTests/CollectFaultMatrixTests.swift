import DiagSupport
import Foundation
import Testing

/// `collect` with every source (Prometheus, Alertmanager, Loki, Grafana, Jaeger) aimed at one
/// broken server: each fault must end with a partial bundle that `verify` accepts and that
/// records every source's failure in `collection/errors.json`.
@Suite(.serialized) struct CollectFaultMatrixTests {
    struct Case: Sendable, CustomTestStringConvertible {
        /// The `fault_server.py` mode, or nil for a port with nothing listening.
        var mode: String?
        var status: String
        /// Loki's `/ready` takes any 200 body as ready, so a broken body leaves it partial.
        var lokiMayBePartial = false

        var testDescription: String { mode ?? "connection refused" }
    }

    static let cases: [Case] = [
        Case(mode: nil, status: "unreachable"),
        Case(mode: "hang", status: "timed_out"),
        Case(mode: "stall", status: "timed_out"),
        Case(mode: "http-500", status: "invalid_response"),
        Case(mode: "http-401", status: "denied"),
        Case(mode: "http-403", status: "denied"),
        Case(mode: "redirect-loop", status: "invalid_response"),
        Case(mode: "html", status: "invalid_response"),
        Case(mode: "malformed", status: "invalid_response", lokiMayBePartial: true),
        Case(mode: "invalid-utf8", status: "invalid_response", lokiMayBePartial: true),
        Case(mode: "too-large", status: "invalid_response", lokiMayBePartial: true),
    ]

    static let sources: Set<String> = ["prometheus", "alertmanager", "loki", "loki-errors", "grafana", "jaeger"]

    @Test(.timeLimit(.minutes(2)), arguments: cases)
    func everySourceFaultGivesVerifiedBundle(fault: Case) throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        var server: (url: String, pid: Int32)?
        if let mode = fault.mode { server = try CollectFailureTests.startFaultServer(mode, folder: work) }
        defer { if let server { kill(server.pid, SIGTERM) } }
        let url = try server?.url ?? "http://127.0.0.1:\(CollectFailureTests.closedPort())"

        let started = Date()
        let output = try TestSupport.wakaDiag(
            [
                "collect", "--prometheus", url, "--alertmanager", url, "--loki", url, "--grafana", url, "--jaeger", url,
                "--mode", "self-hosted", "--region", "eu-west-1", "--timeout", "3s", "--deadline", "30s",
                "--secret-key", keys.secret.path, "--out", work.appendingPathComponent("out").path, "--json",
            ], home: work, timeout: 90)
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed < 30, "\(fault.testDescription): collect took \(elapsed) s with a 3 s source timeout")

        let result = try JSONValue.parse(Data(output.stdout.utf8))
        var statuses: [String: String] = [:]
        for source in result["sources"]?.arrayValue ?? [] {
            statuses[source["name"]?.stringValue ?? "?"] = source["status"]?.stringValue
        }
        // Every source points at the faulty server, so the bundle is partial only when Loki
        // returned some streams before the fault, and otherwise every source failed.
        let someData = statuses.values.contains("partial")
        #expect(output.status == (someData ? 2 : 69), "\(fault.testDescription): exit \(output.status): \(output.stderr)")
        #expect(result["status"]?.stringValue == (someData ? "partial" : "all_sources_failed"))
        #expect(Set(statuses.keys) == Self.sources)
        for (name, status) in statuses {
            let allowed = name == "loki" && fault.lokiMayBePartial ? [fault.status, "partial"] : [fault.status]
            #expect(allowed.contains(status), "\(fault.testDescription): \(name) is \(status)")
        }

        let bundle = try #require(result["bundle"]?.stringValue, "\(fault.testDescription): no bundle")
        let verify = try TestSupport.wakaDiag(["verify", bundle, "--public-key", keys.public.path], home: work)
        #expect(verify.status == 0, "\(fault.testDescription): \(verify.stdout)\(verify.stderr)")
        let errors = try JSONValue.parse(Data(try TestSupport.wakaDiag(["review", bundle, "--show", "collection/errors.json"], home: work).stdout.utf8))
        let recorded = Set((errors["sources"]?.arrayValue ?? []).compactMap { $0["source"]?.stringValue })
        #expect(recorded == Self.sources, "\(fault.testDescription)")
        try SchemaCheck.validateBundle(URL(fileURLWithPath: bundle))
    }
}
