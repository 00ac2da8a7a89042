@testable import DiagCore
import DiagSupport
import Foundation
import Testing

/// `--allowlist-mode` on `collect` and `redact`, through the real binary: values outside the
/// reviewed key paths are replaced, and the manifest and report record the mode.
@Suite struct AllowlistModeCommandTests {
    /// An Alertmanager config with one field that no rule and no allowlist names.
    static let unlistedValue = "plainvalue42"
    static let extraConfig = """
        global:
          resolve_timeout: 5m
          new_vendor_thing: \(unlistedValue)
        route:
          receiver: ops-email

        """

    /// Collects demo/configs and a folder holding `alertmanager-extra.yml`, with `extra` options.
    static func collect(_ extra: [String], work: URL, signingKey: URL, out: String) throws -> (TestSupport.Output, OpenedBundle) {
        let site = work.appendingPathComponent("site")
        try FileManager.default.createDirectory(at: site, withIntermediateDirectories: true)
        try Data(extraConfig.utf8).write(to: site.appendingPathComponent("alertmanager-extra.yml"))
        let output = try TestSupport.wakaDiag(
            [
                "collect", "--config", TestSupport.repositoryRoot.appendingPathComponent("demo/configs").path,
                "--config", site.path, "--region", "eu-west-1", "--secret-key", signingKey.path,
                "--pseudonym-key", work.appendingPathComponent("pseudonym.key").path,
                "--pseudonym-map", work.appendingPathComponent("pseudonyms.json").path,
                "--now", "2026-12-04T20:00:00Z", "--out", work.appendingPathComponent(out).path, "--quiet",
            ] + extra, home: work)
        let bundle = URL(fileURLWithPath: output.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        return (output, try OpenedBundle.open(bundle))
    }

    @Test func collectFlagRecordsModeAndReplaces() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)

        let (output, bundle) = try Self.collect(["--allowlist-mode"], work: work, signingKey: keys.secret, out: "on")
        #expect(output.status == 2, "demo/configs holds a binary keystore, so the bundle is partial: \(output.stderr)")
        #expect(bundle.manifest["ruleset"]?["allowlist_mode"] == .bool(true))

        let report = try #require(bundle.json("redaction/report.json"))
        #expect(report["allowlist"]?["enabled"] == .bool(true))
        let governed = try #require(report["allowlist"]?["files"]?.objectValue)
        let extraPath = "config/files/site/alertmanager-extra.yml"
        #expect(governed[extraPath]?["allowlist"]?.stringValue == "alertmanager-config")
        #expect(governed[extraPath]?["replaced"]?.intValue == 1)
        let demoPath = try #require(governed.keys.first { $0.hasSuffix("/alertmanager-prod.yml") })
        #expect(governed[demoPath]?["allowlist"]?.stringValue == "alertmanager-config")
        #expect(report["rules"]?["not-allowlisted"]?["files"]?[extraPath]?.intValue == 1)

        let text = String(decoding: try #require(bundle.files[extraPath]), as: UTF8.self)
        #expect(text.contains("new_vendor_thing: <redacted:not-allowlisted>\n"))
        #expect(text.contains("resolve_timeout: 5m\n"))
        #expect(text.contains("receiver: ops-email\n"))
        let whole = String(decoding: try TestSupport.decompressedBytes(bundle.url), as: UTF8.self)
        #expect(!whole.contains(Self.unlistedValue))

        let verify = try TestSupport.wakaDiag(["verify", bundle.url.path, "--public-key", keys.public.path], home: work)
        #expect(verify.status == 0, "verify failed: \(verify.stdout)\(verify.stderr)")
        try SchemaCheck.validateBundle(bundle.url)
        try Self.expectReportSchemaRejects(bundle: bundle.url, report: report, work: work)
    }

    @Test func collectWithoutFlagKeepsModeOff() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)

        let (output, bundle) = try Self.collect([], work: work, signingKey: keys.secret, out: "off")
        #expect(output.status == 2, "collect failed: \(output.stderr)")
        #expect(bundle.manifest["ruleset"]?["allowlist_mode"] == .bool(false))
        let report = try #require(bundle.json("redaction/report.json"))
        #expect(report["allowlist"] == nil)
        let text = String(decoding: try #require(bundle.files["config/files/site/alertmanager-extra.yml"]), as: UTF8.self)
        #expect(text.contains("new_vendor_thing: \(Self.unlistedValue)\n"), "no rule names the field, so only the flag replaces it")
        try SchemaCheck.validateBundle(bundle.url)
    }

    @Test func reviewLayerTurnsModeOn() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let (_, bundle) = try Self.collect([], work: work, signingKey: keys.secret, out: "off")
        let layer = work.appendingPathComponent("allowlist-on.yaml")
        try "version: 1\nid: review-allowlist\ndescription: Allowlist mode for the reseal.\nallowlist-mode: true\n"
            .write(to: layer, atomically: true, encoding: .utf8)

        let output = try TestSupport.wakaDiag(
            [
                "review", bundle.url.path, "--extra-rules", layer.path,
                "--pseudonym-key", work.appendingPathComponent("pseudonym.key").path,
                "--pseudonym-map", work.appendingPathComponent("pseudonyms.json").path,
                "--out", work.appendingPathComponent("reviewed").path, "--secret-key", keys.secret.path, "--json",
            ], home: work)
        #expect(output.status == 0, "review failed: \(output.stderr)")
        let result = try JSONValue.parse(Data(output.stdout.utf8))
        let resealed = try OpenedBundle.open(URL(fileURLWithPath: try #require(result["bundle"]?.stringValue)))

        #expect(resealed.manifest["ruleset"]?["allowlist_mode"] == .bool(true))
        let text = String(decoding: try #require(resealed.files["config/files/site/alertmanager-extra.yml"]), as: UTF8.self)
        #expect(text.contains("new_vendor_thing: <redacted:not-allowlisted>\n"), "\(text)")
        try SchemaCheck.validateBundle(resealed.url)
    }

    @Test func explainCountsAllowlistReplacements() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let input = work.appendingPathComponent("alertmanager-extra.yml")
        try Data(Self.extraConfig.utf8).write(to: input)
        let layer = work.appendingPathComponent("allowlist-on.yaml")
        try "version: 1\nid: explain-allowlist\ndescription: Allowlist mode.\nallowlist-mode: true\n"
            .write(to: layer, atomically: true, encoding: .utf8)

        let output = try TestSupport.wakaDiag(["rules", "explain", input.path, "--extra-rules", layer.path], home: work)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("not-allowlisted"), "\(output.stdout)")
        #expect(output.stdout.contains(" 1 values outside the allowlist -> <redacted:not-allowlisted>"), "\(output.stdout)")

        // The flag previews `redact --allowlist-mode` without a layer; without either, the
        // unlisted field is kept.
        let flag = try TestSupport.wakaDiag(["rules", "explain", input.path, "--allowlist-mode"], home: work)
        #expect(flag.status == 0, "\(flag.stderr)")
        #expect(flag.stdout.contains(" 1 values outside the allowlist -> <redacted:not-allowlisted>"), "\(flag.stdout)")
        let plain = try TestSupport.wakaDiag(["rules", "explain", input.path], home: work)
        #expect(!plain.stdout.contains("outside the allowlist"), "\(plain.stdout)")

        let check = try TestSupport.wakaDiag(
            ["rules", "check", TestSupport.repositoryRoot.appendingPathComponent("Redaction/default.yaml").path, "--extra-rules", layer.path],
            home: work)
        #expect(check.stdout.contains("with layer \(layer.path): valid"), "\(check.stdout)")
    }

    @Test func redactFlagReplacesUnlistedField() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let input = work.appendingPathComponent("alertmanager-extra.yml")
        try Data(Self.extraConfig.utf8).write(to: input)
        func redact(_ extra: [String], out: String) throws -> (TestSupport.Output, String) {
            let output = try TestSupport.wakaDiag(
                ["redact", input.path, "--out", work.appendingPathComponent(out).path,
                 "--pseudonym-key", work.appendingPathComponent("pseudonym.key").path,
                 "--pseudonym-map", work.appendingPathComponent("pseudonyms.json").path] + extra, home: work)
            let written = try String(contentsOf: work.appendingPathComponent("\(out)/alertmanager-extra.yml"), encoding: .utf8)
            return (output, written)
        }

        let (on, onText) = try redact(["--allowlist-mode"], out: "on")
        #expect(on.status == 0, "redact failed: \(on.stderr)")
        #expect(onText == Self.extraConfig.replacingOccurrences(of: Self.unlistedValue, with: "<redacted:not-allowlisted>"))
        #expect(on.stderr.contains("not-allowlisted"))

        let (off, offText) = try redact([], out: "off")
        #expect(off.status == 0, "redact failed: \(off.stderr)")
        #expect(offText == Self.extraConfig)
    }

    /// Checks that the report schema rejects an allowlist section that is switched off, has an
    /// unknown member, or lacks a file's count, so the section in the schema is not a loose object.
    static func expectReportSchemaRejects(bundle: URL, report: JSONValue, work: URL) throws {
        let file: JSONValue = ["allowlist": "alertmanager-config", "replaced": 1]
        let broken: [(String, JSONValue)] = [
            ("disabled", ["enabled": false, "files": [:]]),
            ("unknown member", ["enabled": true, "files": [:], "paths": []]),
            ("missing count", ["enabled": true, "files": ["a.yml": ["allowlist": "alertmanager-config"]]]),
            ("negative count", ["enabled": true, "files": ["a.yml": ["allowlist": "x", "replaced": -1]]]),
            ("empty id", ["enabled": true, "files": ["a.yml": ["allowlist": "", "replaced": 0]]]),
            ("unknown file member", ["enabled": true, "files": ["a.yml": file.adding("rule", "x")]]),
        ]
        let script = TestSupport.repositoryRoot.appendingPathComponent("scripts/check-schemas").path
        for (name, section) in broken {
            let path = work.appendingPathComponent("report-\(name.replacingOccurrences(of: " ", with: "-")).json")
            try report.adding("allowlist", section).serialized().write(to: path)
            let output = try TestSupport.run(
                "/usr/bin/env", ["python3", script, bundle.path, "--document", "redaction-report.schema.json", path.path])
            #expect(output.status == 1, "the report schema accepted an allowlist section with \(name)")
        }
    }
}
