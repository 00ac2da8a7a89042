@testable import DiagCore
import DiagSupport
import Foundation
import Testing

/// The site's pseudonym map as `collect`, `redact` and `unmap` use it through the real binary:
/// earlier runs' pseudonyms are reserved before redacting, and an ambiguous token lists every
/// candidate.
@Suite struct SitePseudonymMapTests {
    static let tenant = "acme-bank-ng"
    static let config = "service:\n  tenant_id: \(tenant)\n  owner: ops.lead@acme-bank.ng\n"

    /// Returns the pseudonym that the map file at `url` records for `original`, or nil.
    static func pseudonym(of original: String, inMap url: URL) throws -> String? {
        let map = try JSONValue.parse(Data(contentsOf: url))
        guard case .object(let entries)? = map["entries"] else { return nil }
        return entries.first { $0.value["original"]?.stringValue == original }?.key
    }

    /// Writes a map file whose only entry gives `pseudonym` to `original`, of kind tenant-id.
    static func writeMap(_ url: URL, pseudonym: String, original: String, others: [String] = []) throws {
        var entry: [String: JSONValue] = ["kind": "tenant-id", "original": .string(original)]
        if !others.isEmpty { entry["other_originals"] = .array(others.map { .string($0) }) }
        let map: JSONValue = ["version": 1, "entries": .object([pseudonym: .object(entry)])]
        try map.serialized().write(to: url)
    }

    /// Collects `folder` as a config source with the site key and map given, into `out`.
    static func collect(_ folder: URL, key: URL, map: URL, out: URL, signingKey: URL, home: URL) throws -> OpenedBundle {
        let output = try TestSupport.wakaDiag(
            [
                "collect", "--config", folder.path, "--region", "eu-west-1", "--secret-key", signingKey.path,
                "--pseudonym-key", key.path, "--pseudonym-map", map.path, "--now", "2026-12-04T20:00:00Z",
                "--out", out.path, "--quiet",
            ], home: home)
        #expect(output.status == 0, "collect failed: \(output.stderr)")
        let bundle = URL(fileURLWithPath: output.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        return try OpenedBundle.open(bundle)
    }

    /// Makes signing keys and a `configs` folder holding `config` as app.yaml in `work`.
    static func prepareSite(in work: URL) throws -> (keys: (secret: URL, public: URL), configs: URL) {
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let configs = work.appendingPathComponent("configs")
        try FileManager.default.createDirectory(at: configs, withIntermediateDirectories: true)
        try Data(Self.config.utf8).write(to: configs.appendingPathComponent("app.yaml"))
        return (keys, configs)
    }

    @Test func redactReKeysCollisionWithMap() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let input = work.appendingPathComponent("app.yaml")
        try Data(Self.config.utf8).write(to: input)
        let key = work.appendingPathComponent("pseudonym.key")

        // A first run with an empty map learns the tenant's plain pseudonym.
        let firstMap = work.appendingPathComponent("first.json")
        let first = try TestSupport.wakaDiag(
            ["redact", input.path, "--out", work.appendingPathComponent("one").path, "--pseudonym-key", key.path,
             "--pseudonym-map", firstMap.path], home: work)
        #expect(first.status == 0, "redact failed: \(first.stderr)")
        let takenPseudonym = try #require(try Self.pseudonym(of: Self.tenant, inMap: firstMap))

        // An earlier run gave that pseudonym to another tenant, so this run must choose another.
        let siteMap = work.appendingPathComponent("site.json")
        try Self.writeMap(siteMap, pseudonym: takenPseudonym, original: "zenith-retail")
        let second = try TestSupport.wakaDiag(
            ["redact", input.path, "--out", work.appendingPathComponent("two").path, "--pseudonym-key", key.path,
             "--pseudonym-map", siteMap.path], home: work)
        #expect(second.status == 0, "redact failed: \(second.stderr)")
        let rekeyed = try #require(try Self.pseudonym(of: Self.tenant, inMap: siteMap))
        #expect(rekeyed != takenPseudonym)
        #expect(rekeyed.hasPrefix("tenant-"))
        let written = try String(contentsOf: work.appendingPathComponent("two/app.yaml"), encoding: .utf8)
        #expect(written.contains("tenant_id: \(rekeyed)\n"))
        #expect(!written.contains(takenPseudonym))

        // The earlier pair is intact and unambiguous.
        let earlier = try TestSupport.wakaDiag(["unmap", takenPseudonym, "--pseudonym-map", siteMap.path], home: work)
        #expect(earlier.status == 0)
        #expect(earlier.stdout == "zenith-retail\n")
        let current = try TestSupport.wakaDiag(["unmap", rekeyed, "--pseudonym-map", siteMap.path], home: work)
        #expect(current.stdout == "\(Self.tenant)\n")
    }

    @Test func collectKeepsPseudonymsAcrossRuns() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let (keys, configs) = try Self.prepareSite(in: work)
        let key = work.appendingPathComponent("pseudonym.key")
        let map = work.appendingPathComponent("pseudonyms.json")

        let first = try Self.collect(configs, key: key, map: map, out: work.appendingPathComponent("one"), signingKey: keys.secret, home: work)
        let pseudonym = try #require(try Self.pseudonym(of: Self.tenant, inMap: map))
        let firstText = String(decoding: try #require(first.files["config/files/configs/app.yaml"]), as: UTF8.self)
        #expect(firstText.contains("tenant_id: \(pseudonym)\n"))

        // The same key and map give the same pseudonym, and the map still unmaps the first run's.
        let second = try Self.collect(configs, key: key, map: map, out: work.appendingPathComponent("two"), signingKey: keys.secret, home: work)
        let secondText = String(decoding: try #require(second.files["config/files/configs/app.yaml"]), as: UTF8.self)
        #expect(secondText == firstText)
        let unmapped = try TestSupport.wakaDiag(["unmap", pseudonym, "--pseudonym-map", map.path], home: work)
        #expect(unmapped.status == 0, "unmap failed: \(unmapped.stderr)")
        #expect(unmapped.stdout == "\(Self.tenant)\n")
        let loaded = try PseudonymMapFile.load(map)
        #expect(loaded.ambiguous.isEmpty)

        // A map in which another tenant has that pseudonym makes collect re-key at once.
        let crowded = work.appendingPathComponent("crowded.json")
        try Self.writeMap(crowded, pseudonym: pseudonym, original: "zenith-retail")
        let third = try Self.collect(configs, key: key, map: crowded, out: work.appendingPathComponent("three"), signingKey: keys.secret, home: work)
        let rekeyed = try #require(try Self.pseudonym(of: Self.tenant, inMap: crowded))
        #expect(rekeyed != pseudonym)
        let thirdText = String(decoding: try #require(third.files["config/files/configs/app.yaml"]), as: UTF8.self)
        #expect(thirdText.contains("tenant_id: \(rekeyed)\n"))
        #expect(try PseudonymMapFile.load(crowded).ambiguous.isEmpty)
        let other = try TestSupport.wakaDiag(["unmap", pseudonym, "--pseudonym-map", crowded.path], home: work)
        #expect(other.stdout == "zenith-retail\n")
    }

    /// A tenant that an earlier run replaced by its key is swept from later files, by `redact`
    /// and by `collect`, where it is only part of a resource name that no rule reads.
    @Test func laterRunsSweepTenantsOfEarlierRuns() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let (keys, configs) = try Self.prepareSite(in: work)
        let key = work.appendingPathComponent("pseudonym.key")
        let map = work.appendingPathComponent("pseudonyms.json")
        _ = try Self.collect(configs, key: key, map: map, out: work.appendingPathComponent("one"), signingKey: keys.secret, home: work)
        let pseudonym = try #require(try Self.pseudonym(of: Self.tenant, inMap: map))

        let indices = work.appendingPathComponent("indices.txt")
        try Data("green open logs-\(Self.tenant)-2026.12.01 120331\ngreen open logs-system-2026.12.01 8812\n".utf8).write(to: indices)
        let redacted = try TestSupport.wakaDiag(
            ["redact", indices.path, "--out", work.appendingPathComponent("copies").path, "--pseudonym-key", key.path,
             "--pseudonym-map", map.path], home: work)
        #expect(redacted.status == 0, "redact failed: \(redacted.stderr)")
        let copy = try String(contentsOf: work.appendingPathComponent("copies/indices.txt"), encoding: .utf8)
        #expect(copy == "green open logs-\(pseudonym)-2026.12.01 120331\ngreen open logs-system-2026.12.01 8812\n")

        let later = work.appendingPathComponent("later")
        try FileManager.default.createDirectory(at: later, withIntermediateDirectories: true)
        try Data("consumer:\n  group: settlement\n  topics:\n    - payments.\(Self.tenant).events\n".utf8)
            .write(to: later.appendingPathComponent("kafka.yaml"))
        let bundle = try Self.collect(later, key: key, map: map, out: work.appendingPathComponent("two"), signingKey: keys.secret, home: work)
        let kafka = String(decoding: try #require(bundle.files["config/files/later/kafka.yaml"]), as: UTF8.self)
        #expect(kafka.contains("- payments.\(pseudonym).events\n"))
        #expect(kafka.contains("group: settlement\n"))
        for (path, data) in bundle.files {
            #expect(!String(decoding: data, as: UTF8.self).contains(Self.tenant), "\(path) still names the tenant")
        }
    }

    /// Redacting a copy that is already redacted, as an operator may do by mistake during an
    /// incident, keeps its pseudonyms, so later runs and `unmap` still agree with the first run.
    @Test func copyRedactedAgainKeepsTheMapStable() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let key = work.appendingPathComponent("pseudonym.key")
        let map = work.appendingPathComponent("pseudonyms.json")
        let input = work.appendingPathComponent("orig.log")
        try Data("tenant_id=kanoagro status=500 user=ada.obi\n".utf8).write(to: input)
        func redact(_ file: URL, into folder: String) throws -> String {
            let out = work.appendingPathComponent(folder)
            let result = try TestSupport.wakaDiag(
                ["redact", file.path, "--out", out.path, "--pseudonym-key", key.path, "--pseudonym-map", map.path], home: work)
            #expect(result.status == 0, "redact failed: \(result.stderr)")
            return try String(contentsOf: out.appendingPathComponent("orig.log"), encoding: .utf8)
        }

        let first = try redact(input, into: "one")
        let again = try redact(work.appendingPathComponent("one/orig.log"), into: "two")
        #expect(again == first)
        #expect(try redact(input, into: "three") == first)
        let pseudonym = try #require(try Self.pseudonym(of: "kanoagro", inMap: map))
        #expect(first == "tenant_id=\(pseudonym) status=500 user=\(try #require(try Self.pseudonym(of: "ada.obi", inMap: map)))\n")
        let unmapped = try TestSupport.wakaDiag(["unmap", pseudonym, "--pseudonym-map", map.path], home: work)
        #expect(unmapped.stdout == "kanoagro\n")
        #expect(try Self.pseudonym(of: pseudonym, inMap: map) == nil)
    }

    @Test func collectWithFreshKeyLeavesMapAlone() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let (keys, configs) = try Self.prepareSite(in: work)
        // Not a map at all: a run with a fresh key must neither read nor write it.
        let map = work.appendingPathComponent("pseudonyms.json")
        try Data("not json".utf8).write(to: map)

        let output = try TestSupport.wakaDiag(
            [
                "collect", "--config", configs.path, "--region", "eu-west-1", "--secret-key", keys.secret.path,
                "--fresh-pseudonyms", "--pseudonym-map", map.path, "--now", "2026-12-04T20:00:00Z",
                "--out", work.appendingPathComponent("out").path, "--quiet",
            ], home: work)
        #expect(output.status == 0, "collect failed: \(output.stderr)")
        #expect(try String(contentsOf: map, encoding: .utf8) == "not json")
    }

    @Test func collectStopsOnBrokenMap() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let map = work.appendingPathComponent("pseudonyms.json")
        try Data("{\"version\": 1, \"entries\": [".utf8).write(to: map)
        let out = work.appendingPathComponent("out")

        let output = try TestSupport.wakaDiag(
            [
                "collect", "--config", TestSupport.repositoryRoot.appendingPathComponent("demo/configs").path,
                "--region", "eu-west-1", "--secret-key", keys.secret.path,
                "--pseudonym-key", work.appendingPathComponent("pseudonym.key").path, "--pseudonym-map", map.path,
                "--out", out.path,
            ], home: work)
        #expect(output.status == ExitStatus.dataError.rawValue)
        #expect(output.stderr.contains(map.path))
        #expect(!FileManager.default.fileExists(atPath: out.path), "nothing is written when the map cannot be read")
    }

    @Test func unmapListsAmbiguousCandidates() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let map = work.appendingPathComponent("pseudonyms.json")
        try Self.writeMap(map, pseudonym: "tenant-3f9a1c20", original: "acme", others: ["zenith"])

        let output = try TestSupport.wakaDiag(["unmap", "tenant-3f9a1c20", "--pseudonym-map", map.path], home: work)
        #expect(output.status == ExitStatus.checkFailed.rawValue)
        #expect(output.stdout == "acme\nzenith\n")
        #expect(output.stderr.contains("'tenant-3f9a1c20' is ambiguous"))
        #expect(output.stderr.contains("2 values"))
        #expect(!output.stderr.contains("not in the pseudonym map"))

        let unknown = try TestSupport.wakaDiag(["unmap", "tenant-00000000", "--pseudonym-map", map.path], home: work)
        #expect(unknown.status == ExitStatus.checkFailed.rawValue)
        #expect(unknown.stdout.isEmpty)
        #expect(unknown.stderr.contains("not in the pseudonym map"))

        let text = work.appendingPathComponent("reply.txt")
        try Data("tenant-3f9a1c20 is slow".utf8).write(to: text)
        let file = try TestSupport.wakaDiag(["unmap", "--file", text.path, "--pseudonym-map", map.path], home: work)
        #expect(file.status == 0)
        #expect(file.stdout == "[ambiguous tenant-3f9a1c20: acme | zenith] is slow")
    }
}

/// Reads a pseudonym map file as JSON, independently of `PseudonymMap`.
enum PseudonymMapFile {
    struct Contents {
        var ambiguous: [String]
    }

    static func load(_ url: URL) throws -> Contents {
        let root = try JSONValue.parse(Data(contentsOf: url))
        guard case .object(let entries)? = root["entries"] else { return Contents(ambiguous: []) }
        return Contents(ambiguous: entries.filter { $0.value["other_originals"] != nil }.keys.sorted())
    }
}
