import DiagRedaction
import DiagSupport
import Foundation
import Testing

/// Saving, merging and applying the local pseudonym map.
struct PseudonymMapTests {
    static func sample() -> PseudonymMap {
        var map = PseudonymMap()
        map.record(pseudonym: "tenant-3f9a1c20", original: "acme-corp", kind: .tenantID)
        map.record(pseudonym: "host-1a2b3c4d", original: "web-01", kind: .hostname)
        map.record(pseudonym: "host-1a2b3c4d.example-5e6f70.com", original: "web-01.acme.com", kind: .hostname)
        return map
    }

    @Test func unmapReplacesWholeTokensLongestFirst() {
        let map = Self.sample()
        let text = "tenant-3f9a1c20 on host-1a2b3c4d.example-5e6f70.com and host-1a2b3c4d:9100, not tenant-3f9a1c20ff"
        #expect(map.unmap(text: text) == "acme-corp on web-01.acme.com and web-01:9100, not tenant-3f9a1c20ff")
        #expect(map.unmap(text: "") == "")
        #expect(PseudonymMap().unmap(text: text) == text)
    }

    /// An email pseudonym in a URL's query, percent-encoded, turns back into the encoded original.
    @Test func unmapDecodesPercentEncodedEmail() {
        var map = PseudonymMap()
        map.record(pseudonym: "user-3eae1c58@example-ee23c1.com", original: "ada.obi@acme.ng", kind: .email)
        let text = "runbook_url: https://host-0aed09e6.example-ee23c1.com/runbooks?owner=user-3eae1c58%40example-ee23c1.com"
        #expect(map.unmap(text: text) == "runbook_url: https://host-0aed09e6.example-ee23c1.com/runbooks?owner=ada.obi%40acme.ng")
        #expect(map.unmap(text: "mail user-3eae1c58@example-ee23c1.com") == "mail ada.obi@acme.ng")
    }

    @Test func secondOriginalMakesEntryAmbiguous() {
        var map = Self.sample()
        map.record(pseudonym: "tenant-3f9a1c20", original: "other", kind: .tenantID)
        #expect(map.original(for: "tenant-3f9a1c20") == nil, "neither original is returned as the answer")
        #expect(map.originals(for: "tenant-3f9a1c20") == ["acme-corp", "other"])
        #expect(map.ambiguousPseudonyms == ["tenant-3f9a1c20"])
        #expect(map.unmap(text: "see tenant-3f9a1c20.") == "see [ambiguous tenant-3f9a1c20: acme-corp | other].")
    }

    @Test func otherSpellingOfSameValueIsNoConflict() {
        var map = Self.sample()
        map.record(pseudonym: "host-1a2b3c4d", original: "WEB-01", kind: .hostname)
        map.record(pseudonym: "user-0a0b0c0d@example-010203.com", original: "Jane@Acme.com", kind: .email)
        map.record(pseudonym: "user-0a0b0c0d@example-010203.com", original: "jane@acme.com", kind: .email)
        map.record(pseudonym: "2001:db8:1::9", original: "2001:db8::1", kind: .ipv6)
        map.record(pseudonym: "2001:db8:1::9", original: "2001:DB8:0::1", kind: .ipv6)
        #expect(map.ambiguousPseudonyms.isEmpty)
        #expect(map.original(for: "host-1a2b3c4d") == "web-01")
    }

    @Test func saveWritesPrivateJSONAndMerges() throws {
        let root = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let url = root.appendingPathComponent("pseudonyms.json")

        try Self.sample().save(to: url)
        var info = stat()
        stat(url.path, &info)
        #expect(info.st_mode & 0o777 == 0o600)
        let json = try JSONValue.parse(Data(contentsOf: url))
        #expect(json["version"] == 1)
        #expect(json["entries"]?["tenant-3f9a1c20"]?["original"] == "acme-corp")
        #expect(json["entries"]?["tenant-3f9a1c20"]?["kind"] == "tenant-id")

        var second = PseudonymMap()
        second.record(pseudonym: "user-00aa11bb", original: "jane", kind: .userID)
        second.record(pseudonym: "tenant-3f9a1c20", original: "conflict", kind: .tenantID)
        try second.save(to: url)
        let loaded = try PseudonymMap.load(from: url)
        #expect(loaded.count == 4)
        #expect(loaded.original(for: "user-00aa11bb") == "jane")
        #expect(loaded.original(for: "tenant-3f9a1c20") == nil, "a conflict is kept, not dropped")
        #expect(loaded.originals(for: "tenant-3f9a1c20") == ["acme-corp", "conflict"], "the saved entry comes first")
        let merged = try JSONValue.parse(Data(contentsOf: url))
        #expect(merged["entries"]?["tenant-3f9a1c20"]?["other_originals"] == ["conflict"])
    }

    /// A save that adds nothing leaves the file as it is. A file that changed after this process
    /// read it, as when another run saved its map in the meantime, is read again before the
    /// merge, so that run's entries stay.
    @Test func saveRereadsAMapFileChangedSinceItWasRead() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("pseudonyms.json")
        try Self.sample().save(to: url)
        let loaded = try PseudonymMap.load(from: url)
        var before = stat()
        stat(url.path, &before)

        try loaded.save(to: url)
        var after = stat()
        stat(url.path, &after)
        #expect(after.st_ino == before.st_ino, "a rename over the file would give it a new inode")
        #expect(after.st_mtim.tv_sec == before.st_mtim.tv_sec)
        #expect(after.st_mtim.tv_nsec == before.st_mtim.tv_nsec)

        var other = Self.sample()
        other.record(pseudonym: "user-00aa11bb", original: "jane", kind: .userID)
        try other.jsonValue().serialized(pretty: false).write(to: url)

        var mine = PseudonymMap()
        mine.record(pseudonym: "customer-0badc0de", original: "ledger-7", kind: .customerID)
        try mine.save(to: url)
        let merged = try PseudonymMap.load(from: url)
        #expect(merged.original(for: "user-00aa11bb") == "jane", "the other run's entry is kept")
        #expect(merged.original(for: "customer-0badc0de") == "ledger-7")
        #expect(merged.count == 5)
    }

    /// A map larger than one write piece is written in pieces and reads back whole.
    @Test func largeMapRoundTrips() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var map = PseudonymMap()
        for index in 0..<4_000 {
            map.record(pseudonym: String(format: "user-%08x", index), original: "person.\(index)@acme.example", kind: .userID)
        }
        let url = folder.appendingPathComponent("pseudonyms.json")
        try map.save(to: url)

        #expect(try Data(contentsOf: url).count > 1 << 17)
        let loaded = try PseudonymMap.load(from: url)
        #expect(loaded.count == 4_000)
        #expect(loaded.entries["user-00000f9f"]?.original == "person.3999@acme.example")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["pseudonyms.json"])
    }

    /// A writer that fails part way leaves neither the target nor its temporary file.
    @Test func failedPieceWriterLeavesNothing() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("out.json")
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try FileSafety.writeAtomically(to: url) { write in
                write(Data("{".utf8))
                throw Stop()
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test func loadRejectsForeignFiles() throws {
        let root = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let url = root.appendingPathComponent("pseudonyms.json")
        try Data("{\"version\": 7}".utf8).write(to: url)
        #expect(throws: DiagError.self) { try PseudonymMap.load(from: url) }
        try Data("not json".utf8).write(to: url)
        #expect(throws: DiagError.self) { try PseudonymMap.load(from: url) }
    }

    @Test func redactorRecordsNoSecrets() {
        let redactor = TestSupport.makeRedactor()
        _ = redactor.redactText("password=hunter2-long tenant_id=acme-corp", file: "x")
        let originals = redactor.pseudonymMap.entries.values.map(\.original)
        #expect(originals == ["acme-corp"])
        #expect(redactor.replacedValues == ["hunter2-long", "acme-corp"])
    }
}

/// The compact writer of large maps must give the same JSON value as `jsonValue()`.
struct PseudonymMapWriterTests {
    @Test func compactWriterMatchesJSONValue() throws {
        var map = PseudonymMap()
        map.record(pseudonym: "tenant-1a2b3c4d", original: "acme \"quoted\"\n", kind: .tenantID)
        map.record(pseudonym: "10.9.8.7", original: "10.1.2.3", kind: .ipv4)
        map.record(pseudonym: "user-00ff00ff@example-abcdef.com", original: "jané@acme.ng", kind: .email)
        let url = try TestSupport.temporaryFolder().appendingPathComponent("map.json")

        try map.save(to: url)
        let written = try JSONValue.parse(try Data(contentsOf: url))

        #expect(written == map.jsonValue())
        #expect(try PseudonymMap.load(from: url) == map)
    }
}
