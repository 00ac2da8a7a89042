import DiagSupport
import Foundation
import Testing

/// `review --exclude` and `review --redact-keyword` through the real binary, on bundles collected
/// from demo/configs: the new bundle verifies, the old one stays byte-identical, and protected
/// files and unsafe keywords are rejected before anything is written.
@Suite struct ReviewResealTests {
    /// A word of the demo configs' comments that survives the default ruleset.
    static let surviving = "lagos"

    /// Collects demo/configs with a fixed clock, keeping the pseudonym key and map in `work/keys`.
    /// `extra` adds options such as `--rules`.
    static func collect(
        work: URL, keys: (secret: URL, public: URL), site: String = "test-site", now: String = "2026-12-04T10:00:00Z",
        out: String = "out", extra: [String] = []
    ) throws -> URL {
        let output = try TestSupport.wakaDiag(
            [
                "collect", "--config", TestSupport.repositoryRoot.appendingPathComponent("demo/configs").path,
                "--region", "eu-west-1", "--site", site, "--mode", "partner", "--now", now,
                "--secret-key", keys.secret.path, "--pseudonym-key", work.appendingPathComponent("keys/pseudonym.key").path,
                "--pseudonym-map", work.appendingPathComponent("keys/pseudonyms.json").path,
                "--out", work.appendingPathComponent(out).path, "--json",
            ] + extra, home: work)
        // Exit 2: demo/configs contains a binary keystore that is left out on purpose.
        guard output.status == 2 else { throw DiagError.io("collect exited \(output.status): \(output.stderr)") }
        return URL(fileURLWithPath: try #require(try JSONValue.parse(output.stdout)["bundle"]?.stringValue))
    }

    /// Lists the bundle's file paths, as `review --list` prints them.
    static func paths(_ bundle: URL, home: URL) throws -> [String] {
        let output = try TestSupport.wakaDiag(["review", bundle.path, "--list"], home: home)
        guard output.status == 0 else { throw DiagError.io("review --list failed: \(output.stderr)") }
        return output.stdout.split(separator: "\n").compactMap { line in
            line.split(separator: " ", omittingEmptySubsequences: true).last.map(String.init)
        }
    }

    static func show(_ path: String, of bundle: URL, home: URL) throws -> String {
        let output = try TestSupport.wakaDiag(["review", bundle.path, "--show", path], home: home)
        guard output.status == 0 else { throw DiagError.io("review --show \(path) failed: \(output.stderr)") }
        return output.stdout
    }

    static func manifest(_ bundle: URL, home: URL) throws -> JSONValue {
        try JSONValue.parse(show("manifest.json", of: bundle, home: home))
    }

    /// Returns the part of `text` from `heading` up to the next heading of the same kind.
    static func section(_ text: String, from heading: String, next: String) -> String {
        guard let start = text.range(of: heading) else { return "" }
        let rest = text[start.upperBound...]
        return String(rest.range(of: next).map { rest[..<$0.lowerBound] } ?? rest)
    }

    /// Runs `review` with a reseal request and returns the new bundle's path from `--json`.
    static func reseal(_ bundle: URL, _ options: [String], keys: (secret: URL, public: URL), out: URL, home: URL) throws -> URL {
        let output = try TestSupport.wakaDiag(
            ["review", bundle.path] + options + ["--out", out.path, "--secret-key", keys.secret.path, "--json"], home: home)
        guard output.status == 0 else {
            throw DiagError.io("review \(options) exited \(output.status): \(output.stderr)")
        }
        return URL(fileURLWithPath: try #require(try JSONValue.parse(output.stdout)["bundle"]?.stringValue))
    }

    @Test func excludeWritesNewVerifiedBundle() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let bundle = try Self.collect(work: work, keys: keys)
        let oldBytes = try Data(contentsOf: bundle)
        let oldSignature = try Data(contentsOf: URL(fileURLWithPath: bundle.path + ".minisig"))
        let excluded = try #require(try Self.paths(bundle, home: work).first { $0.hasSuffix("app.env") })

        let reason = "holds the payment service's settings"
        let resealed = try Self.reseal(
            bundle, ["--exclude", excluded, "--reason", reason], keys: keys, out: work.appendingPathComponent("reviewed"), home: work)
        #expect(resealed.lastPathComponent == bundle.lastPathComponent.replacingOccurrences(of: ".tar.gz", with: "-r1.tar.gz"))
        let again = try Self.reseal(
            bundle, ["--exclude", excluded, "--reason", reason], keys: keys, out: work.appendingPathComponent("reviewed"), home: work)
        #expect(again.lastPathComponent == bundle.lastPathComponent.replacingOccurrences(of: ".tar.gz", with: "-r2.tar.gz"))
        let tenantRow = try #require(try Self.show("SUMMARY.md", of: bundle, home: work).split(separator: "\n").first { $0.hasPrefix("| Tenants |") })
        #expect(try Self.show("SUMMARY.md", of: resealed, home: work).contains(tenantRow))

        // The old bundle and its signature are untouched.
        #expect(try Data(contentsOf: bundle) == oldBytes)
        #expect(try Data(contentsOf: URL(fileURLWithPath: bundle.path + ".minisig")) == oldSignature)

        // Our verify and stock minisign accept the new bundle.
        let verify = try TestSupport.wakaDiag(["verify", resealed.path, "--public-key", keys.public.path], home: work)
        #expect(verify.status == 0, "verify failed: \(verify.stdout)")
        let minisign = try TestSupport.run("/usr/bin/minisign", ["-Vm", resealed.path, "-p", keys.public.path])
        #expect(minisign.status == 0, "minisign rejected the new bundle: \(minisign.stderr)")

        let newPaths = try Self.paths(resealed, home: work)
        #expect(!newPaths.contains(excluded))
        #expect(newPaths.contains("report.html"))
        #expect(newPaths.contains("SUMMARY.md"))

        let old = try Self.manifest(bundle, home: work)
        let new = try Self.manifest(resealed, home: work)
        #expect(new["bundle"]?.stringValue == (old["bundle"]?.stringValue ?? "") + "-r1")
        #expect(new["resealed_from"]?["bundle"] == old["bundle"])
        #expect(new["resealed_from"]?["sha256"]?.stringValue == Sodium.sha256(oldBytes).hexString)
        let record = (new["left_out"]?.arrayValue ?? []).first { $0["path"]?.stringValue == excluded }
        #expect(record?["source"] == "review")
        #expect(record?["reason"]?.stringValue == reason)
        let listed = (new["files"]?.arrayValue ?? []).compactMap { $0["path"]?.stringValue }
        #expect(!listed.contains(excluded))
        #expect(listed.count == (old["files"]?.arrayValue?.count ?? 0) - 1)

        // The rebuilt summary and report name the file only as left out, never among the files.
        let summary = try Self.show("SUMMARY.md", of: resealed, home: work)
        #expect(summary.hasPrefix("# Diagnostics bundle \(new["bundle"]?.stringValue ?? "?")\n"))
        #expect(!Self.section(summary, from: "## Files", next: "\n## ").contains(excluded))
        #expect(Self.section(summary, from: "## Left out", next: "\n## ").contains(excluded))
        let report = try Self.show("report.html", of: resealed, home: work)
        #expect(!Self.section(report, from: "<h2>Files", next: "<h2>").contains(excluded.replacingOccurrences(of: "/", with: "&#47;")))
        #expect(Self.section(report, from: "<h2>Left out", next: "<h2>").contains(excluded.replacingOccurrences(of: "/", with: "&#47;")))
        let errors = try JSONValue.parse(Self.show("collection/errors.json", of: resealed, home: work))
        let errorRecord = (errors["left_out"]?.arrayValue ?? []).first { $0["path"]?.stringValue == excluded }
        #expect(errorRecord?["source"] == "review")

        try SchemaCheck.validateBundle(resealed)

        // The same request gives the same bytes.
        let repeated = try Self.reseal(
            bundle, ["--exclude", excluded, "--reason", reason], keys: keys, out: work.appendingPathComponent("repeated"), home: work)
        #expect(try Data(contentsOf: repeated) == Data(contentsOf: resealed))

        // Resealing the resealed bundle counts up.
        let folder = try #require(newPaths.first { $0.hasPrefix("config/") }.map { String($0.split(separator: "/").prefix(2).joined(separator: "/")) })
        let second = try Self.reseal(resealed, ["--exclude", folder + "/"], keys: keys, out: work.appendingPathComponent("again"), home: work)
        #expect(second.lastPathComponent.hasSuffix("-r2.tar.gz"))
        #expect(try Self.paths(second, home: work).allSatisfy { !$0.hasPrefix(folder + "/") })
        try SchemaCheck.validateBundle(second)
    }

    /// A binary copied away from its data files cannot check schemas: verify reports the check as not run and exits
    /// 78, a configuration problem, instead of calling a good bundle failed.
    @Test func verifyWithoutSchemasIsIncompleteNotFailed() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let bundle = try Self.collect(work: work, keys: keys)
        let alone = work.appendingPathComponent("alone", isDirectory: true)
        try FileManager.default.createDirectory(at: alone, withIntermediateDirectories: true)
        let binary = alone.appendingPathComponent("waka-diag")
        try FileManager.default.copyItem(at: TestSupport.binary, to: binary)

        let output = try TestSupport.run(
            "/bin/sh", ["-c", "cd \"$0\" && exec \"$1\" verify \"$2\" --public-key \"$3\"", alone.path, binary.path, bundle.path, keys.public.path],
            environment: ["WAKA_DIAG_HOME": "", "HOME": work.path, "XDG_DATA_HOME": ""])

        #expect(output.status == 78, "\(output.stdout)\(output.stderr)")
        #expect(output.stdout.contains("SKIP schemas: not run"), "\(output.stdout)")
        #expect(output.stdout.contains("ok   signature"), "\(output.stdout)")
        #expect(output.stdout.contains("bundle NOT fully verified"), "\(output.stdout)")
        #expect(!output.stdout.contains("FAIL"), "\(output.stdout)")
    }

    @Test func protectedAndUnknownPathsAreRejected() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let bundle = try Self.collect(work: work, keys: keys)
        let out = work.appendingPathComponent("reviewed")

        for (path, status) in [
            ("manifest.json", Int32(64)), ("redaction/report.json", 64), ("redaction", 64), ("collection/errors.json", 64),
            ("config/no-such-file.yml", 66),
        ] {
            let output = try TestSupport.wakaDiag(
                ["review", bundle.path, "--exclude", path, "--out", out.path, "--secret-key", keys.secret.path], home: work)
            #expect(output.status == status, "excluding \(path) exited \(output.status): \(output.stderr)")
            #expect(output.stderr.contains(path), "the message does not name \(path): \(output.stderr)")
        }
        let missingOut = try TestSupport.wakaDiag(["review", bundle.path, "--exclude", "SUMMARY.md"], home: work)
        #expect(missingOut.status == 64)
        #expect(missingOut.stderr.contains("--out"))
        let twoThings = try TestSupport.wakaDiag(["review", bundle.path, "--list", "--exclude", "SUMMARY.md"], home: work)
        #expect(twoThings.status == 64)
        #expect(!FileManager.default.fileExists(atPath: out.path), "a rejected review wrote into \(out.path)")
    }

    @Test func redactKeywordRemovesWord() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let bundle = try Self.collect(work: work, keys: keys)
        let oldBytes = try TestSupport.decompressedBytes(bundle)
        let oldText = String(decoding: oldBytes, as: UTF8.self).lowercased()
        try #require(oldText.contains(Self.surviving), "'\(Self.surviving)' no longer survives collection; pick another word for this test")

        let resealed = try Self.reseal(
            bundle,
            ["--redact-keyword", "Lagos", "--pseudonym-key", work.appendingPathComponent("keys/pseudonym.key").path,
             "--pseudonym-map", work.appendingPathComponent("keys/pseudonyms.json").path],
            keys: keys, out: work.appendingPathComponent("reviewed"), home: work)

        let newText = String(decoding: try TestSupport.decompressedBytes(resealed), as: UTF8.self)
        #expect(!newText.lowercased().contains(Self.surviving), "the keyword is still in the decompressed bundle")
        #expect(newText.contains("keyword-"), "no keyword pseudonym replaced the word")
        let verify = try TestSupport.wakaDiag(["verify", resealed.path, "--public-key", keys.public.path], home: work)
        #expect(verify.status == 0, "verify failed: \(verify.stdout)")
        #expect(try TestSupport.run("/usr/bin/minisign", ["-Vm", resealed.path, "-p", keys.public.path]).status == 0)

        let old = try Self.manifest(bundle, home: work)
        let new = try Self.manifest(resealed, home: work)
        #expect(new["ruleset"]?["operator_keywords"]?.intValue == (old["ruleset"]?["operator_keywords"]?.intValue ?? 0) + 1)
        let report = try JSONValue.parse(Self.show("redaction/report.json", of: resealed, home: work))
        let keywordCount = report["rules"]?["operator-keywords"]?["total"]?.intValue ?? 0
        #expect(keywordCount >= Int64(oldText.components(separatedBy: Self.surviving).count - 1))
        #expect(new["redaction"]?["replacements"]?.intValue == (old["redaction"]?["replacements"]?.intValue ?? 0) + keywordCount)
        let ruleset = try Self.show("redaction/ruleset.yaml", of: resealed, home: work)
        #expect(ruleset.contains("review-keywords: no rules; 1 keywords"))

        // The local map can turn the new pseudonym back into the word.
        let map = String(decoding: try Data(contentsOf: work.appendingPathComponent("keys/pseudonyms.json")), as: UTF8.self)
        #expect(map.contains("Lagos") || map.contains("lagos"))
        try SchemaCheck.validateBundle(resealed)
    }

    @Test func unsafeKeywordsAreRejected() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let bundle = try Self.collect(work: work, keys: keys)
        let out = work.appendingPathComponent("reviewed")
        let key = [
            "--pseudonym-key", work.appendingPathComponent("keys/pseudonym.key").path,
            "--pseudonym-map", work.appendingPathComponent("keys/pseudonyms.json").path,
        ]

        for (word, status, phrase) in [
            ("cafe", Int32(64), "hex digits"), ("ab", 64, "at least 3 characters"), ("test", 64, "site"),
            // Whole-word redaction leaves a word glued inside a longer one, so the final check stops the seal.
            ("promethe", 1, "inside a longer word"),
        ] {
            let output = try TestSupport.wakaDiag(
                ["review", bundle.path, "--redact-keyword", word] + key + ["--out", out.path, "--secret-key", keys.secret.path],
                home: work)
            #expect(output.status == status, "keyword '\(word)' exited \(output.status): \(output.stderr)")
            #expect(output.stderr.contains(phrase), "the message for '\(word)' lacks '\(phrase)': \(output.stderr)")
        }
        let written = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
        #expect(written.isEmpty, "a rejected review left files behind: \(written)")
    }
}
