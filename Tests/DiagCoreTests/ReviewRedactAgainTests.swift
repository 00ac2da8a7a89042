import DiagSupport
import Foundation
import Testing

import DiagCore

/// `review --redact-keyword` runs the base ruleset again under the new words, through the real
/// binary on bundles collected from demo/configs. The site's pseudonym map keeps every pseudonym
/// already in the bundle as it is.
@Suite struct ReviewRedactAgainTests {
    /// Files that `collect` and `review` write themselves; the others are collected content.
    static let generated: Set<String> = [
        "manifest.json", "SUMMARY.md", "report.html", "redaction/report.json", "redaction/ruleset.yaml",
    ]

    static func keyOptions(_ work: URL, map: String = "keys/pseudonyms.json") -> [String] {
        [
            "--pseudonym-key", work.appendingPathComponent("keys/pseudonym.key").path,
            "--pseudonym-map", work.appendingPathComponent(map).path,
        ]
    }

    /// Returns the site's pseudonym map as pseudonym to (kind, original).
    static func map(_ work: URL) throws -> [String: (kind: String, original: String)] {
        let document = try JSONValue.parse(Data(contentsOf: work.appendingPathComponent("keys/pseudonyms.json")))
        var entries: [String: (kind: String, original: String)] = [:]
        for (pseudonym, entry) in document["entries"]?.objectValue ?? [:] {
            entries[pseudonym] = (entry["kind"]?.stringValue ?? "", entry["original"]?.stringValue ?? "")
        }
        return entries
    }

    /// Returns the collected content of a bundle as text by path.
    static func content(_ bundle: URL) throws -> [String: String] {
        let opened = try OpenedBundle.open(bundle)
        var texts: [String: String] = [:]
        for (path, data) in opened.files where !generated.contains(path) {
            texts[path] = String(decoding: data, as: UTF8.self)
        }
        return texts
    }

    static func occurrences(of needle: String, in texts: [String: String]) -> Int {
        texts.values.reduce(0) { $0 + $1.components(separatedBy: needle).count - 1 }
    }

    /// Returns the total replacements per rule of the bundle's redaction report.
    static func ruleTotals(_ bundle: URL) throws -> [String: Int64] {
        let report = try #require(try OpenedBundle.open(bundle).json("redaction/report.json"))
        return (report["rules"]?.objectValue ?? [:]).compactMapValues { $0["total"]?.intValue }
    }

    /// Runs the reseal with `--json` and returns its output document.
    static func resealJSON(_ bundle: URL, _ options: [String], work: URL, keys: (secret: URL, public: URL)) throws -> JSONValue {
        let output = try TestSupport.wakaDiag(
            ["review", bundle.path] + options
                + ["--out", work.appendingPathComponent("reviewed").path, "--secret-key", keys.secret.path, "--json"],
            home: work)
        guard output.status == 0 else { throw DiagError.io("review exited \(output.status): \(output.stderr)") }
        return try JSONValue.parse(output.stdout)
    }

    @Test func absentKeywordIsReported() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let bundle = try ReviewResealTests.collect(work: work, keys: keys)

        let output = try TestSupport.wakaDiag(
            ["review", bundle.path, "--redact-keyword", "Xyzzyville"] + Self.keyOptions(work)
                + ["--out", work.appendingPathComponent("reviewed").path, "--secret-key", keys.secret.path],
            home: work)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stderr.contains("0 replacements by the review's rules"), "\(output.stderr)")
        #expect(output.stderr.contains("occur nowhere in \(bundle.lastPathComponent)"), "\(output.stderr)")
    }

    @Test func keywordResealKeepsPseudonyms() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let bundle = try ReviewResealTests.collect(work: work, keys: keys)
        let mapBefore = try Self.map(work)
        let old = try Self.content(bundle)

        let outcome = try Self.resealJSON(bundle, ["--redact-keyword", "Lagos"] + Self.keyOptions(work), work: work, keys: keys)
        let resealed = URL(fileURLWithPath: try #require(outcome["bundle"]?.stringValue))
        let new = try Self.content(resealed)

        // The base ruleset ran again, from the same file that collected the bundle.
        let reapplied = try #require(outcome["ruleset_reapplied"]?.objectValue)
        #expect(reapplied["matches_collection"] == .bool(true))
        #expect(reapplied["remembered_pseudonyms"]?.intValue == Int64(mapBefore.count))

        // Every pseudonym of the collection is still there, as often as before.
        let inBundle = mapBefore.keys.filter { Self.occurrences(of: $0, in: old) > 0 }
        #expect(inBundle.count >= 10, "too few pseudonyms in the demo bundle to compare: \(inBundle.count)")
        for pseudonym in inBundle {
            #expect(Self.occurrences(of: pseudonym, in: new) == Self.occurrences(of: pseudonym, in: old), "\(pseudonym) changed")
        }

        // The word is the only change: old files without it equal new files without its pseudonym.
        let allNew = new.values.joined(separator: "\n")
        let keywordPseudonym = try #require(allNew.firstMatch(of: #/keyword-[0-9a-f]{8}/#).map { String($0.output) })
        #expect(Set(new.keys) == Set(old.keys))
        for (path, oldText) in old {
            let newText = try #require(new[path])
            #expect(!newText.lowercased().contains("lagos"), "\(path) still contains the keyword")
            #expect(
                newText.replacingOccurrences(of: keywordPseudonym, with: "").lowercased()
                    == oldText.lowercased().replacingOccurrences(of: "lagos", with: ""),
                "\(path) changed beyond the keyword")
        }

        // Only the keyword rule counts new replacements.
        var expected = try Self.ruleTotals(bundle)
        expected["operator-keywords", default: 0] += Int64(Self.occurrences(of: keywordPseudonym, in: new))
        let resealedTotals = try Self.ruleTotals(resealed)
        for rule in Set(expected.keys).union(resealedTotals.keys) {
            #expect(resealedTotals[rule] == expected[rule], "\(rule): \(resealedTotals[rule] ?? 0) after the reseal, \(expected[rule] ?? 0) expected")
        }

        // The map keeps every entry and gains the keyword's.
        let mapAfter = try Self.map(work)
        #expect(mapBefore.keys.allSatisfy { mapAfter[$0] != nil })
        #expect(mapAfter[keywordPseudonym]?.original.lowercased() == "lagos")

        // The manifest counts the keyword and nothing in the bundle names it.
        let manifest = try #require(try OpenedBundle.open(resealed).json("manifest.json"))
        let oldManifest = try #require(try OpenedBundle.open(bundle).json("manifest.json"))
        #expect(manifest["ruleset"]?["operator_keywords"]?.intValue == (oldManifest["ruleset"]?["operator_keywords"]?.intValue ?? 0) + 1)
        #expect(manifest["ruleset"]?["sha256"] == oldManifest["ruleset"]?["sha256"])
        let whole = String(decoding: try TestSupport.decompressedBytes(resealed), as: UTF8.self).lowercased()
        #expect(!whole.contains("lagos"))

        let verify = try TestSupport.wakaDiag(["verify", resealed.path, "--public-key", keys.public.path], home: work)
        #expect(verify.status == 0, "verify failed: \(verify.stdout)")
        #expect(try TestSupport.run("/usr/bin/minisign", ["-Vm", resealed.path, "-p", keys.public.path]).status == 0)
        try SchemaCheck.validateBundle(resealed)
    }

    /// A bundle collected without the `phone-e164` rule keeps a phone number that the default
    /// ruleset catches. The reseal replaces it and leaves the collection's pseudonyms alone,
    /// including phone pseudonyms, which have the shape of real numbers.
    @Test func baseRulesetReplacesMissedValue() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let shipped = try String(contentsOf: TestSupport.repositoryRoot.appendingPathComponent("Redaction/default.yaml"), encoding: .utf8)
        let start = try #require(shipped.range(of: "  - id: phone-e164\n"))
        let end = try #require(shipped.range(of: "  - id: ", range: start.upperBound..<shipped.endIndex))
        let reduced = work.appendingPathComponent("reduced.yaml")
        try Data((shipped[..<start.lowerBound] + shipped[end.lowerBound...]).utf8).write(to: reduced)

        let bundle = try ReviewResealTests.collect(work: work, keys: keys, extra: ["--rules", reduced.path])
        let old = try Self.content(bundle)
        let mapBefore = try Self.map(work)
        let numbers = Set(old.values.flatMap { $0.matches(of: #/\+[0-9]{11,14}/#).map { String($0.output) } })
        let missed = numbers.filter { mapBefore[$0] == nil }
        try #require(!missed.isEmpty, "the reduced ruleset left no phone number in the demo bundle; pick another rule to drop")

        let outcome = try Self.resealJSON(bundle, ["--redact-keyword", "Lagos"] + Self.keyOptions(work), work: work, keys: keys)
        let resealed = URL(fileURLWithPath: try #require(outcome["bundle"]?.stringValue))
        let new = try Self.content(resealed)

        #expect(outcome["ruleset_reapplied"]?["matches_collection"] == .bool(false))
        let mapAfter = try Self.map(work)
        for number in missed {
            #expect(Self.occurrences(of: number, in: new) == 0, "\(number) is still in the resealed bundle")
            let pseudonym = try #require(mapAfter.first { $0.value.original == number }?.key, "no pseudonym of \(number) in the map")
            #expect(Self.occurrences(of: pseudonym, in: new) > 0)
        }
        let kept = mapBefore.keys.filter { Self.occurrences(of: $0, in: old) > 0 }
        #expect(kept.contains { mapBefore[$0]?.kind == "phone" }, "no phone pseudonym to check in the demo bundle")
        for pseudonym in kept {
            #expect(Self.occurrences(of: pseudonym, in: new) == Self.occurrences(of: pseudonym, in: old), "\(pseudonym) changed")
        }
        #expect((try Self.ruleTotals(resealed))["phone-e164"] ?? 0 > 0)
        let verify = try TestSupport.wakaDiag(["verify", resealed.path, "--public-key", keys.public.path], home: work)
        #expect(verify.status == 0, "verify failed: \(verify.stdout)")
    }

    /// The site learns a tenant after a bundle was collected, here from `redact` of another file
    /// with the same key and map. Running the base ruleset again sweeps it from that bundle, with
    /// the pseudonym the map gives it.
    @Test func tenantLearnedLaterIsSweptFromOlderBundle() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let bundle = try ReviewResealTests.collect(work: work, keys: keys)
        // A service name in demo/configs/http-client.json, which no rule replaces at collection.
        let value = "sms-gateway"
        try #require(Self.occurrences(of: value, in: try Self.content(bundle)) > 0, "\(value) is not in the demo bundle")

        let note = work.appendingPathComponent("note.log")
        try Data("tenant_id=\(value) status=503\n".utf8).write(to: note)
        let redacted = try TestSupport.wakaDiag(
            ["redact", note.path, "--out", work.appendingPathComponent("noted").path] + Self.keyOptions(work), home: work)
        try #require(redacted.status == 0, "\(redacted.stderr)")
        let pseudonym = try #require(
            try Self.map(work).first { $0.value.original == value && $0.value.kind == "tenant-id" }?.key,
            "redact did not add \(value) to the map as a tenant")

        let outcome = try Self.resealJSON(bundle, ["--redact-keyword", "Lagos"] + Self.keyOptions(work), work: work, keys: keys)
        let resealed = URL(fileURLWithPath: try #require(outcome["bundle"]?.stringValue))
        let new = try Self.content(resealed)
        #expect(Self.occurrences(of: value, in: new) == 0, "\(value) is still in the resealed bundle")
        #expect(Self.occurrences(of: pseudonym, in: new) > 0)
        #expect(try OpenedBundle.open(resealed).files["redaction/report.json"].map { String(decoding: $0, as: UTF8.self).contains(value) } == false)
        let verify = try TestSupport.wakaDiag(["verify", resealed.path, "--public-key", keys.public.path], home: work)
        #expect(verify.status == 0, "verify failed: \(verify.stdout)")
    }

    @Test func missingMapStopsReseal() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let bundle = try ReviewResealTests.collect(work: work, keys: keys)
        let out = work.appendingPathComponent("reviewed")

        let output = try TestSupport.wakaDiag(
            ["review", bundle.path, "--redact-keyword", "Lagos"] + Self.keyOptions(work, map: "keys/elsewhere.json")
                + ["--out", out.path, "--secret-key", keys.secret.path],
            home: work)

        #expect(output.status == 66)
        #expect(output.stderr.contains("pass --pseudonym-map with the map saved when"), "\(output.stderr)")
        #expect(output.stderr.contains(work.appendingPathComponent("keys/elsewhere.json").path))
        let written = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
        #expect(written.isEmpty, "a rejected review left files behind: \(written)")
    }

    /// A map from another pseudonym key, such as the site's default map next to a demo bundle,
    /// contains none of the bundle's pseudonyms. Resealing with it would give each of them a second
    /// pseudonym, so the reseal stops.
    @Test func mapOfAnotherKeyStopsReseal() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let bundle = try ReviewResealTests.collect(work: work, keys: keys)
        let other = work.appendingPathComponent("other", isDirectory: true)
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        let note = other.appendingPathComponent("note.log")
        try Data("tenant_id=globex-ng user_id=u-778812 host=db-07.globex.internal\n".utf8).write(to: note)
        let redacted = try TestSupport.wakaDiag(
            ["redact", note.path, "--out", other.appendingPathComponent("out").path,
             "--pseudonym-key", other.appendingPathComponent("pseudonym.key").path,
             "--pseudonym-map", other.appendingPathComponent("pseudonyms.json").path],
            home: work)
        #expect(redacted.status == 0, "\(redacted.stderr)")
        let out = work.appendingPathComponent("reviewed")

        let output = try TestSupport.wakaDiag(
            ["review", bundle.path, "--redact-keyword", "Lagos",
             "--pseudonym-key", other.appendingPathComponent("pseudonym.key").path,
             "--pseudonym-map", other.appendingPathComponent("pseudonyms.json").path,
             "--out", out.path, "--secret-key", keys.secret.path],
            home: work)

        #expect(output.status == 65, "\(output.stderr)")
        #expect(output.stderr.contains("contains none of the pseudonyms"), "\(output.stderr)")
        #expect(output.stderr.contains("--pseudonym-key and --pseudonym-map"), "\(output.stderr)")
        let written = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
        #expect(written.isEmpty, "a rejected review left files behind: \(written)")
    }

    /// A bundle with fresh pseudonyms has no map, so only the words are applied.
    @Test func freshPseudonymBundleGetsWordsOnly() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let bundle = try ReviewResealTests.collect(work: work, keys: keys, extra: ["--fresh-pseudonyms"])
        let old = try Self.content(bundle)

        let outcome = try Self.resealJSON(
            bundle, ["--redact-keyword", "Lagos"] + Self.keyOptions(work, map: "keys/none.json"), work: work, keys: keys)
        let resealed = URL(fileURLWithPath: try #require(outcome["bundle"]?.stringValue))
        let new = try Self.content(resealed)

        #expect(outcome["ruleset_reapplied"] == .null)
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("keys/none.json").path))
        for (path, oldText) in old {
            let newText = try #require(new[path])
            #expect(!newText.lowercased().contains("lagos"), "\(path) still contains the keyword")
            #expect(
                newText.replacing(#/keyword-[0-9a-f]{8}/#, with: "").lowercased()
                    == oldText.lowercased().replacingOccurrences(of: "lagos", with: ""),
                "\(path) changed beyond the keyword")
        }
    }
}
