import DiagSupport
import Foundation
import Testing

/// Sources that fail and input that is wrong: the bundle is still written when sources fail, and
/// bad input stops `collect` before anything is contacted, with a clear message and exit status.
@Suite struct CollectFailureTests {
    /// Starts the misbehaving fixture server in `mode` and returns its URL and PID.
    static func startFaultServer(_ mode: String, folder: URL) throws -> (url: String, pid: Int32) {
        let portFile = folder.appendingPathComponent("\(mode).port")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", TestSupport.repositoryRoot.appendingPathComponent("Tests/DiagCoreTests/Fixtures/fault_server.py").path,
            mode, portFile.path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let limit = Date().addingTimeInterval(20)
        while Date() < limit {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let port = Int(text) {
                return ("http://127.0.0.1:\(port)", process.processIdentifier)
            }
            usleep(50_000)
        }
        kill(process.processIdentifier, SIGKILL)
        throw DiagError.io("fault server \(mode) did not start")
    }

    /// Returns a loopback port with nothing listening: bound, then closed.
    static func closedPort() throws -> Int {
        let output = try TestSupport.run(
            "/usr/bin/env", ["python3", "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1]); s.close()"])
        return Int(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 9
    }

    @Test func failingSourcesStillGivePartialBundle() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let hang = try Self.startFaultServer("hang", folder: work)
        defer { kill(hang.pid, SIGTERM) }
        let malformed = try Self.startFaultServer("malformed", folder: work)
        defer { kill(malformed.pid, SIGTERM) }
        let refused = "http://127.0.0.1:\(try Self.closedPort())"

        let started = Date()
        let output = try TestSupport.wakaDiag(
            [
                "collect", "--prometheus", refused, "--prometheus", hang.url, "--alertmanager", malformed.url,
                "--config", TestSupport.repositoryRoot.appendingPathComponent("demo/configs").path,
                "--region", "eu-west-1", "--timeout", "3s", "--secret-key", keys.secret.path,
                "--out", work.appendingPathComponent("out").path, "--json",
            ], home: work, timeout: 90)
        let elapsed = Date().timeIntervalSince(started)
        #expect(output.status == 2, "a partial bundle must exit 2, got \(output.status): \(output.stderr)")
        #expect(elapsed < 30, "collect took \(elapsed) s with a 3 s source timeout")

        let result = try JSONValue.parse(output.stdout)
        #expect(result["status"] == "partial")
        var statuses: [String: String] = [:]
        for source in result["sources"]?.arrayValue ?? [] {
            statuses[source["name"]?.stringValue ?? "?"] = source["status"]?.stringValue
        }
        #expect(statuses["prometheus"] == "unreachable")
        #expect(statuses["prometheus-replica-2"] == "timed_out")
        #expect(statuses["alertmanager"] == "invalid_response")
        // demo/configs contains a binary keystore that is left out on purpose, so this source is partial.
        #expect(statuses["config-files"] == "partial")

        let bundle = try #require(result["bundle"]?.stringValue)
        let verify = try TestSupport.wakaDiag(["verify", bundle, "--public-key", keys.public.path], home: work)
        #expect(verify.status == 0, "a partial bundle must still verify: \(verify.stdout)")
        let errors = try TestSupport.wakaDiag(["review", bundle, "--show", "collection/errors.json"], home: work)
        let document = try JSONValue.parse(errors.stdout)
        let recorded = Set((document["sources"]?.arrayValue ?? []).compactMap { $0["source"]?.stringValue })
        #expect(recorded == ["prometheus", "prometheus-replica-2", "alertmanager", "config-files"])
        try SchemaCheck.validateBundle(URL(fileURLWithPath: bundle))
    }

    /// Runs `collect` with `extra` options and expects it to fail before writing anything.
    func expectRejected(_ extra: [String], status: Int32, mentioning words: [String], work: URL) throws {
        let out = work.appendingPathComponent("out-\(UUID().uuidString)")
        let output = try TestSupport.wakaDiag(
            ["collect", "--region", "eu-west-1", "--out", out.path] + extra, home: work)
        #expect(output.status == status, "expected exit \(status) for \(extra), got \(output.status): \(output.stderr)")
        for word in words {
            #expect(output.stderr.contains(word), "message for \(extra) does not mention '\(word)': \(output.stderr)")
        }
        let written = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
        #expect(written.isEmpty, "collect left files behind after rejecting its input: \(written)")
    }

    @Test func badInputIsRejectedClearly() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let configs = TestSupport.repositoryRoot.appendingPathComponent("demo/configs").path
        let key = ["--secret-key", keys.secret.path]

        let missing = work.appendingPathComponent("no-such-config.yaml").path
        try expectRejected(["--config", missing] + key, status: 66, mentioning: [missing], work: work)

        let malformedRules = work.appendingPathComponent("malformed.yaml")
        try "rules:\n  - id: [unclosed\n".write(to: malformedRules, atomically: true, encoding: .utf8)
        try expectRejected(
            ["--config", configs, "--rules", malformedRules.path] + key, status: 65, mentioning: [malformedRules.path], work: work)

        let invalidRules = work.appendingPathComponent("invalid.yaml")
        try "version: 1\nid: broken\nrules:\n  - kind: email\n    pattern: 'a@b'\n".write(
            to: invalidRules, atomically: true, encoding: .utf8)
        try expectRejected(
            ["--config", configs, "--rules", invalidRules.path] + key, status: 65, mentioning: [invalidRules.path], work: work)

        let openKey = work.appendingPathComponent("keys/open.key")
        try FileManager.default.copyItem(at: keys.secret, to: openKey)
        chmod(openKey.path, 0o644)
        try expectRejected(
            ["--config", configs, "--secret-key", openKey.path], status: 77, mentioning: [openKey.path, "chmod 600"], work: work)

        try expectRejected(["--config", configs, "--since", "ten minutes"] + key, status: 64, mentioning: ["--since"], work: work)
        try expectRejected(["--config", configs, "--mode", "cloud"] + key, status: 64, mentioning: ["cloud"], work: work)
        try expectRejected(
            ["--prometheus", "ftp://example.invalid"] + key, status: 64, mentioning: ["--prometheus"], work: work)
    }

    @Test func dryRunContactsNothing() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let refused = "http://127.0.0.1:\(try Self.closedPort())"
        let out = work.appendingPathComponent("out")
        let output = try TestSupport.wakaDiag(
            ["collect", "--prometheus", refused, "--region", "eu-west-1", "--secret-key", keys.secret.path, "--out", out.path, "--dry-run"],
            home: work)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains(refused))
        #expect(output.stdout.contains("/api/v1/status/config"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
