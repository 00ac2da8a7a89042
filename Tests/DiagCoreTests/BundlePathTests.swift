@testable import DiagCore
import DiagSupport
import Foundation
import Testing

/// Collected config files in a bundle: their paths lose the identifiers that only their text
/// gives away, and a JSON file keeps its layout.
@Suite struct BundlePathTests {
    /// Writes `files` (name and text) into a config folder in `work`, collects it into
    /// `work/bundles` with a new signing key, and returns the command's output, the bundle and
    /// the public key.
    static func collect(_ files: [String: String], work: URL) throws -> (output: TestSupport.Output, bundle: URL, publicKey: URL) {
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let site = work.appendingPathComponent("site")
        try FileManager.default.createDirectory(at: site, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: site.appendingPathComponent(name)) }
        let output = try TestSupport.wakaDiag(
            [
                "collect", "--config", site.path, "--region", "eu-west-1", "--secret-key", keys.secret.path,
                "--pseudonym-key", work.appendingPathComponent("pseudonym.key").path,
                "--pseudonym-map", work.appendingPathComponent("pseudonyms.json").path,
                "--now", "2026-12-04T20:00:00Z", "--out", work.appendingPathComponent("bundles").path, "--quiet",
            ], home: work)
        return (output, URL(fileURLWithPath: output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), keys.public)
    }

    /// A configuration file named after the machine that its own `hostname:` key names: its path
    /// is redacted before the text is read, so the machine is only known afterwards. The bundle
    /// path, the report and the manifest carry the machine's pseudonym, never its name.
    @Test func configNamedAfterMachineIsRenamed() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let config = """
            # Winlogbeat on the finance laptop
            name: winlogbeat
            fields:
              hostname: ABJ-OPS-WS017
            output.logstash:
              hosts: ["logs.example.com:5044"]

            """
        let (output, bundleURL, publicKey) = try Self.collect(
            ["winlogbeat-ABJ-OPS-WS017.yml": config, "prometheus-host-aaaaaaaa.yml": "scrape_interval: 15s\n"], work: work)
        #expect(output.status == 0, "\(output.stderr)")
        let bundle = try OpenedBundle.open(bundleURL)

        let configPaths = bundle.files.keys.filter { $0.hasPrefix("config/files/site/") }.sorted()
        #expect(configPaths.count == 2, "\(configPaths)")
        let renamed = try #require(configPaths.first { $0.contains("winlogbeat-") })
        let text = String(decoding: try #require(bundle.files[renamed]), as: UTF8.self)
        let pseudonym = try #require(text.firstMatch(of: #/hostname: (host-[0-9a-f]{8})\n/#)).1
        #expect(renamed == "config/files/site/winlogbeat-\(pseudonym).yml")
        #expect(configPaths.contains("config/files/site/prometheus-host-aaaaaaaa.yml"))

        let whole = String(decoding: try TestSupport.decompressedBytes(bundleURL), as: UTF8.self)
        #expect(!whole.lowercased().contains("abj-ops-ws017"))
        let report = try #require(bundle.json("redaction/report.json"))
        #expect(report["rules"]?["hostname"]?["files"]?["paths"]?.intValue == 1, "\(report)")

        let verify = try TestSupport.wakaDiag(["verify", bundleURL.path, "--public-key", publicKey.path], home: work)
        #expect(verify.status == 0, "verify failed: \(verify.stdout)\(verify.stderr)")
        try SchemaCheck.validateBundle(bundleURL)
    }

    /// A JSON config file keeps its member order and indentation in the bundle, with the
    /// replaced values written in place, so support reads it as the operator's team wrote it.
    @Test func jsonConfigKeepsItsLayout() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let config = """
            {
                "service": "payout-worker",
                "database": {"host": "core-db01.vi.acme-bank.ng", "port": 5432},
                "alerts": ["ops@acme-bank.ng"],
                "retries": 3
            }

            """
        let (output, bundleURL, publicKey) = try Self.collect(["payout.json": config], work: work)
        #expect(output.status == 0, "\(output.stderr)")
        let bundle = try OpenedBundle.open(bundleURL)
        let copy = String(decoding: try #require(bundle.files["config/files/site/payout.json"]), as: UTF8.self)
        let lines = copy.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 7, "\(copy)")
        #expect(lines[1] == #"    "service": "payout-worker","#)
        #expect(lines[2].hasPrefix(#"    "database": {"host": "host-"#), "\(copy)")
        #expect(lines[2].hasSuffix(#"", "port": 5432},"#), "\(copy)")
        #expect(lines[3].hasPrefix(#"    "alerts": ["user-"#), "\(copy)")
        #expect(lines[4] == #"    "retries": 3"#)
        #expect(!copy.contains("acme-bank"))

        let verify = try TestSupport.wakaDiag(["verify", bundleURL.path, "--public-key", publicKey.path], home: work)
        #expect(verify.status == 0, "verify failed: \(verify.stdout)\(verify.stderr)")
    }
}
