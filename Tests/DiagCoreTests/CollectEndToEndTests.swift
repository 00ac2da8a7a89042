import DiagSupport
import Foundation
import Testing

/// `collect`, `verify` and `review` run as a user runs them, against the real demo stack.
@Suite(.serialized) struct CollectEndToEndTests {
    static let expectedFiles = [
        "SUMMARY.md", "manifest.json", "report.html", "redaction/ruleset.yaml", "redaction/report.json", "redaction/warnings.json",
        "collection/errors.json", "config/prometheus/prometheus.yml", "config/alertmanager/alertmanager.yml",
        "prometheus/buildinfo.json", "prometheus/flags.json", "prometheus/targets.json", "prometheus/rules.json",
        "prometheus/tsdb-status.json", "alerts/prometheus-active.json", "alerts/prometheus-history.json",
        "alerts/silences.json", "alerts/alertmanager-alerts.json", "metrics/summary.json",
    ]

    @Test func collectsSignedRedactedBundleFromRealStack() throws {
        let stack = try DemoStack()
        defer { stack.stop() }
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        #expect(stack.waitForFiringAlert(timeout: 60), "no alert fired in the demo stack within 60 s")

        let output = try TestSupport.wakaDiag(
            [
                "collect", "--prometheus", stack.url("prometheus"), "--alertmanager", stack.url("alertmanager"),
                "--config", TestSupport.repositoryRoot.appendingPathComponent("demo/configs").path,
                "--mode", "self-hosted", "--region", "af-west-1", "--site", "lagos-dc1", "--since", "10m",
                "--secret-key", keys.secret.path, "--out", work.appendingPathComponent("out").path, "--json",
            ], home: work, timeout: 180)
        // demo/configs contains a binary keystore on purpose: it cannot be redacted, so it is left
        // out and reported, which makes the bundle partial (exit 2) while every server is ok.
        #expect(output.status == 2, "collect exited \(output.status): \(output.stderr)")
        let result = try JSONValue.parse(output.stdout)
        let bundle = URL(fileURLWithPath: try #require(result["bundle"]?.stringValue))
        #expect(result["status"] == "partial")
        #expect(FileManager.default.fileExists(atPath: bundle.path + ".minisig"))
        var statuses: [String: String] = [:]
        for source in result["sources"]?.arrayValue ?? [] {
            statuses[source["name"]?.stringValue ?? "?"] = source["status"]?.stringValue
        }
        #expect(statuses == ["prometheus": "ok", "alertmanager": "ok", "config-files": "partial"])

        // Stock minisign and our own verify both accept the bundle.
        let minisign = try TestSupport.run("/usr/bin/minisign", ["-Vm", bundle.path, "-p", keys.public.path])
        #expect(minisign.status == 0, "minisign rejected the bundle: \(minisign.stderr) \(minisign.stdout)")
        let verify = try TestSupport.wakaDiag(["verify", bundle.path, "--public-key", keys.public.path], home: work)
        #expect(verify.status == 0, "verify failed: \(verify.stdout) \(verify.stderr)")

        // The layout: every expected file is listed by the manifest.
        let listing = try TestSupport.wakaDiag(["review", bundle.path, "--list"], home: work)
        #expect(listing.status == 0)
        for path in Self.expectedFiles {
            #expect(listing.stdout.contains("  \(path)\n"), "bundle lacks \(path)")
        }

        // No identifier planted in the stack occurs anywhere in the decompressed bytes.
        let bytes = try TestSupport.decompressedBytes(bundle)
        #expect(bytes.count > 10_000)
        let planted = try TestSupport.plantedIdentifiers()
        #expect(planted.count >= 20, "demo/planted-identifiers.txt lists too few identifiers")
        for identifier in planted {
            #expect(bytes.range(of: Data(identifier.utf8)) == nil, "planted identifier '\(identifier)' leaked into the bundle")
        }

        // The alert history contains the demo's alerts; diagnostic words survive redaction.
        let history = try TestSupport.wakaDiag(["review", bundle.path, "--show", "alerts/prometheus-history.json"], home: work)
        #expect(history.stdout.contains("alertname") || history.stdout.contains("\"alerts\""))
        let summary = try TestSupport.wakaDiag(["review", bundle.path, "--show", "SUMMARY.md"], home: work)
        #expect(summary.stdout.contains("af-west-1"))
        #expect(summary.stdout.contains("self-hosted"))
        let config = try TestSupport.wakaDiag(["review", bundle.path, "--show", "config/prometheus/prometheus.yml"], home: work)
        #expect(config.stdout.contains("scrape_configs"))
        #expect(config.stdout.contains("external_labels"))

        let errors = try TestSupport.wakaDiag(["review", bundle.path, "--show", "collection/errors.json"], home: work)
        #expect(errors.stdout.contains("keystore.p12"), "the binary keystore is not reported as left out")
        #expect(!listing.stdout.contains("keystore.p12"), "the binary keystore was shipped")

        try SchemaCheck.validateBundle(bundle)
    }
}
