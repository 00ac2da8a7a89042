import DiagSupport
import Foundation
import Testing

/// The overall deadline: a source that never answers is stopped by `--deadline` even with a
/// long `--timeout`, recorded as timed out, and what finished is sealed.
@Suite struct PipelineDeadlineTests {
    @Test func deadlineSealsWhatFinished() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let hang = try CollectFailureTests.startFaultServer("hang", folder: work)
        defer { kill(hang.pid, SIGTERM) }
        let config = TestSupport.repositoryRoot.appendingPathComponent("demo/configs/loki.yaml").path

        let started = Date()
        let output = try TestSupport.wakaDiag(
            [
                "collect", "--prometheus", hang.url, "--alertmanager", hang.url, "--config", config, "--region", "eu-west-1",
                "--timeout", "60s", "--deadline", "3s", "--secret-key", keys.secret.path,
                "--out", work.appendingPathComponent("out").path, "--json",
            ], home: work, timeout: 90)
        let elapsed = Date().timeIntervalSince(started)
        #expect(output.status == 2, "expected a partial bundle, got \(output.status): \(output.stderr)")
        // A bound that only proves collect did not wait for the 60 s source timeout.
        #expect(elapsed < 45, "collect took \(elapsed) s with --deadline 3s")

        let result = try JSONValue.parse(Data(output.stdout.utf8))
        var sources: [String: JSONValue] = [:]
        for source in result["sources"]?.arrayValue ?? [] { sources[source["name"]?.stringValue ?? "?"] = source }
        for name in ["prometheus", "alertmanager"] {
            #expect(sources[name]?["status"] == "timed_out", "\(name): \(String(describing: sources[name]))")
            #expect(sources[name]?["reason"]?.stringValue?.contains("--deadline 3 s") == true, "\(String(describing: sources[name]))")
        }
        #expect(sources["config-files"]?["status"] == "ok")
        #expect(sources["config-files"]?["documents"] == 1)

        let bundle = try #require(result["bundle"]?.stringValue)
        let listing = try TestSupport.wakaDiag(["review", bundle, "--list"], home: work).stdout
        #expect(listing.contains("config/files/loki.yaml"), "the finished source's file is missing: \(listing)")
        let errors = try JSONValue.parse(Data(try TestSupport.wakaDiag(["review", bundle, "--show", "collection/errors.json"], home: work).stdout.utf8))
        let timedOut = (errors["sources"]?.arrayValue ?? []).filter { $0["status"] == "timed_out" }.compactMap { $0["source"]?.stringValue }
        #expect(Set(timedOut) == ["prometheus", "alertmanager"])
        let verify = try TestSupport.wakaDiag(["verify", bundle, "--public-key", keys.public.path], home: work)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    @Test func existingBundleIsRejectedBeforeCollecting() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let out = work.appendingPathComponent("out")
        let arguments = [
            "collect", "--config", TestSupport.repositoryRoot.appendingPathComponent("demo/configs/loki.yaml").path,
            "--region", "eu-west-1", "--now", "2026-12-04T20:00:00Z", "--secret-key", keys.secret.path, "--out", out.path,
        ]
        let first = try TestSupport.wakaDiag(arguments, home: work)
        #expect(first.status == 0, "\(first.stderr)")
        let before = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(before == ["waka-diag-site-20261204T200000Z.tar.gz", "waka-diag-site-20261204T200000Z.tar.gz.minisig"])

        let second = try TestSupport.wakaDiag(arguments, home: work)
        #expect(second.status == 73)
        #expect(second.stderr.contains("already exists"), "\(second.stderr)")
        #expect(!second.stderr.contains("collect: config-files started"), "a source was contacted: \(second.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == before)
    }
}
