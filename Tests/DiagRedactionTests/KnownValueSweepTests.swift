@testable import DiagRedaction
import Foundation
import Testing

/// The known-value sweep: every whole-token occurrence of a replaced value, in one pass.
struct KnownValueSweepTests {
    static func record(_ rule: String, _ replacement: String) -> RecordedReplacement {
        RecordedReplacement(rule: rule, kind: .tenantID, replacement: replacement)
    }

    @Test func replacesWholeTokensOnly() {
        let sweep = KnownValueSweep(recorded: [
            "acme-bank": Self.record("tenant-id", "tenant-11111111"),
            "acme": Self.record("tenant-id", "tenant-22222222"),
            "hunter2-secret": Self.record("secret-keys", "<redacted:secret-value:33333333>"),
            "abc": Self.record("tenant-id", "tenant-44444444"),
        ])
        let text = "acme-bank and acme, acmebank, xacme, retry with hunter2-secret; abc1 abc\n"
        let (swept, counts) = sweep.apply(to: Data(text.utf8))
        #expect(String(decoding: swept, as: UTF8.self)
            == "tenant-11111111 and tenant-22222222, acmebank, xacme, retry with <redacted:secret-value:33333333>; abc1 abc\n")
        #expect(counts == ["tenant-id": 2, "secret-keys": 1])
    }

    /// A swept value that also occurs inside a marker's text leaves the marker as it is.
    @Test func markersAreNeverRewritten() {
        let sweep = KnownValueSweep(recorded: [
            "card": Self.record("chat-channel", "id-9cf4d353"),
            "number": Self.record("user-id", "user-1a2b3c4d"),
        ])
        let text = "card <redacted:card-number:e5991dd5> paid by card; number <redacted:card-number:e5991dd5>\n"
        let (swept, counts) = sweep.apply(to: Data(text.utf8))
        #expect(String(decoding: swept, as: UTF8.self)
            == "id-9cf4d353 <redacted:card-number:e5991dd5> paid by id-9cf4d353; user-1a2b3c4d <redacted:card-number:e5991dd5>\n")
        #expect(counts == ["chat-channel": 2, "user-id": 1])
    }

    /// Names are swept in any letter case, secrets only as written.
    @Test func namesMatchInAnyCase() {
        let sweep = KnownValueSweep(recorded: [
            "kanoagro": Self.record("tenant-id", "tenant-9baf2213"),
            "Hunter2-Secret": RecordedReplacement(rule: "secret-keys", kind: .secretValue, replacement: "<redacted:secret-value:1>"),
        ])
        let text = "Kanoagro ERP, KANOAGRO and kanoagro; Hunter2-Secret but not hunter2-secret\n"
        let (swept, counts) = sweep.apply(to: Data(text.utf8))
        #expect(String(decoding: swept, as: UTF8.self)
            == "tenant-9baf2213 ERP, tenant-9baf2213 and tenant-9baf2213; <redacted:secret-value:1> but not hunter2-secret\n")
        #expect(counts == ["tenant-id": 3, "secret-keys": 1])
    }

    /// Another spelling of a name is not swept where it touches `_`, as in an environment variable.
    @Test func otherSpellingsStayInSnakeCase() {
        let sweep = KnownValueSweep(recorded: [
            "payout": RecordedReplacement(rule: "user-id", kind: .userID, replacement: "user-19d39048")
        ])
        let text = "PAYOUT_DB_URL=x; Payout service down; payout_latency_seconds; /srv/payout/bin\n"
        let (swept, counts) = sweep.apply(to: Data(text.utf8))
        #expect(String(decoding: swept, as: UTF8.self)
            == "PAYOUT_DB_URL=x; user-19d39048 service down; user-19d39048_latency_seconds; /srv/user-19d39048/bin\n")
        #expect(counts == ["user-id": 3])
    }

    /// A tenant's other spelling is replaced next to `_` too: `KANOAGRO_DB_URL` names the tenant.
    @Test func tenantSpellingsGoInSnakeCase() {
        let sweep = KnownValueSweep(recorded: ["kanoagro": Self.record("tenant-id", "tenant-9baf2213")])
        let (swept, _) = sweep.apply(to: Data("KANOAGRO_DB_URL=x Kanoagro_batch\n".utf8))
        #expect(String(decoding: swept, as: UTF8.self) == "tenant-9baf2213_DB_URL=x tenant-9baf2213_batch\n")
    }

    /// A short word found under a secret key is neither swept nor looked for by the leak check.
    @Test func shortSecretWordsAreNotSwept() {
        let recorded = [
            "image": RecordedReplacement(rule: "secret-keys", kind: .secretValue, replacement: "<redacted:secret-value:1>"),
            "hunter22": RecordedReplacement(rule: "secret-keys", kind: .secretValue, replacement: "<redacted:secret-value:2>"),
            "kanoagro": RecordedReplacement(rule: "tenant-id", kind: .tenantID, replacement: "tenant-9baf2213"),
        ]
        #expect(Set(KnownValueSweep.identifyingValues(recorded).keys) == ["hunter22", "kanoagro"])
        let (swept, _) = KnownValueSweep(recorded: recorded).apply(to: Data("image: ledger:1.4 # hunter22\n".utf8))
        #expect(String(decoding: swept, as: UTF8.self) == "image: ledger:1.4 # <redacted:secret-value:2>\n")
    }

    /// Of two recorded values that differ only in case, each keeps its own replacement where it is
    /// written exactly, and another spelling gets the first in byte order.
    @Test func exactSpellingWinsOverCaseVariant() {
        let sweep = KnownValueSweep(recorded: [
            "Acme-Ltd": RecordedReplacement(rule: "customer-id", kind: .customerID, replacement: "customer-11111111"),
            "acme-ltd": RecordedReplacement(rule: "customer-id", kind: .customerID, replacement: "customer-22222222"),
        ])
        let (swept, _) = sweep.apply(to: Data("acme-ltd Acme-Ltd ACME-LTD".utf8))
        #expect(String(decoding: swept, as: UTF8.self) == "customer-22222222 customer-11111111 customer-11111111")
    }

    @Test func overlapsGoToTheFirstAndLongest() {
        let sweep = KnownValueSweep(recorded: [
            "foo-bar": Self.record("a", "<A>"),
            "bar-baz": Self.record("b", "<B>"),
            "foo-bar-qux": Self.record("c", "<C>"),
        ])
        let (swept, counts) = sweep.apply(to: Data("foo-bar-baz foo-bar-qux bar-baz".utf8))
        #expect(String(decoding: swept, as: UTF8.self) == "<A>-baz <C> <B>")
        #expect(counts == ["a": 1, "b": 1, "c": 1])
    }

    @Test func textWithoutValuesIsUnchanged() {
        let sweep = KnownValueSweep(recorded: ["acme-bank": Self.record("tenant-id", "tenant-1")])
        let data = Data("nothing to see\n".utf8)
        let (swept, counts) = sweep.apply(to: data)
        #expect(swept == data)
        #expect(counts.isEmpty)
    }

    /// A file larger than one block is swept line by line across the block boundaries, and a
    /// last line without a newline is swept too.
    @Test func fileSweepCrossesBlocks() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("big.log")
        let line = "retry with hunter2-secret for acme-bank after 5s\n"
        let lines = KnownValueSweep.fileBlockBytes / line.utf8.count * 2 + 7
        try Data((String(repeating: line, count: lines) + "last acme-bank").utf8).write(to: url)

        let sweep = KnownValueSweep(recorded: [
            "acme-bank": Self.record("tenant-id", "tenant-11111111"),
            "hunter2-secret": Self.record("secret-keys", "<redacted:secret-value:33333333>"),
        ])
        let counts = try sweep.apply(toFileAt: url)
        #expect(counts == ["tenant-id": lines + 1, "secret-keys": lines])
        let swept = try String(contentsOf: url, encoding: .utf8)
        #expect(!swept.contains("acme-bank"))
        #expect(!swept.contains("hunter2-secret"))
        #expect(swept.hasSuffix("\nlast tenant-11111111"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["big.log"])
        let mode = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func fileWithoutValuesIsLeftInPlace() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("clean.log")
        try Data("nothing to see\n".utf8).write(to: url)
        let before = try FileManager.default.attributesOfItem(atPath: url.path)[.systemFileNumber] as? Int

        let sweep = KnownValueSweep(recorded: ["acme-bank": Self.record("tenant-id", "tenant-1")])
        #expect(try sweep.apply(toFileAt: url).isEmpty)
        #expect(try FileManager.default.attributesOfItem(atPath: url.path)[.systemFileNumber] as? Int == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["clean.log"])
    }

    /// A replacement that contains its original would grow on every sweep, so it is not swept.
    @Test func replacementContainingItsOriginalIsSkipped() {
        let sweep = KnownValueSweep(recorded: [
            "https://hooks.example.net": Self.record("webhook-url-keys", "https://hooks.example.net/<redacted:webhook-url:1>"),
            "acme-bank": Self.record("tenant-id", "tenant-1"),
        ])
        let (swept, counts) = sweep.apply(to: Data("https://hooks.example.net/<redacted:webhook-url:1> acme-bank".utf8))
        #expect(String(decoding: swept, as: UTF8.self) == "https://hooks.example.net/<redacted:webhook-url:1> tenant-1")
        #expect(counts == ["tenant-id": 1])
    }
}

/// Values that must not be swept: key names a rule reads, and text inside pseudonyms.
extension KnownValueSweepTests {
    /// A pseudonym is never rewritten, whatever value its prefix spells.
    @Test func pseudonymsAreNeverRewritten() {
        let sweep = KnownValueSweep(recorded: [
            "example": RecordedReplacement(rule: "person-keys", kind: .userID, replacement: "user-d3afcfef"),
        ])
        let text = "mail user-1a2b3c4d@example-8e2bf2.ng, host host-1a2b3c4d.example-aae6cd.org, an example here\n"
        let (swept, counts) = sweep.apply(to: Data(text.utf8))
        #expect(String(decoding: swept, as: UTF8.self)
            == "mail user-1a2b3c4d@example-8e2bf2.ng, host host-1a2b3c4d.example-aae6cd.org, an user-d3afcfef here\n")
        #expect(counts == ["person-keys": 1])
    }

    /// A form field's label (`"display_name": "Tenant"`) is replaced where the person key finds
    /// it. A key rule reads that word as a key name, so it is not swept into other files, where
    /// it would rewrite `tenant=` keys and `tenant-…` pseudonyms.
    @Test func keyNameValuesAreNotSwept() throws {
        let redactor = TestSupport.makeRedactor()
        let form = #"{"custom_fields": [{"display_name": "Tenant", "variable_name": "tenant_ref", "value": "kanoagro-ng"}]}"#
        _ = try redactor.redactFile(name: "webhook.json", data: Data(form.utf8), sweepsKnownValues: true)
        try #require(redactor.recordedReplacements["Tenant"] != nil, "the person key no longer replaces the label; pick another key-name value")

        let other = "vault read secret/tenant-4462b4b4/db\nGET /settle?tenant=acme 200\nTenant: see ticket\n"
        let (swept, _) = KnownValueSweep(redactor: redactor).apply(to: Data(other.utf8))
        #expect(String(decoding: swept, as: UTF8.self) == other)
        #expect(redactor.findLeaks(in: ["notes.txt": Data(other.utf8)]).isEmpty)
    }
}
