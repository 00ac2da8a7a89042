@testable import DiagRedaction
import DiagSupport
import Foundation
import Testing

/// Tenant, user and customer values that earlier runs recorded in the site's pseudonym map are
/// swept from later files, where they stand in resource names that no rule reads.
struct SiteIdentifierSweepTests {
    /// Returns a map as earlier runs leave it: tenants, users, a generic account, short values,
    /// key names taken for values and values of kinds that patterns find anyway, each under its
    /// own pseudonym.
    static func siteMap(_ pseudonymizer: Pseudonymizer) -> PseudonymMap {
        var map = PseudonymMap()
        for (original, kind) in [
            ("acme-bank", RuleKind.tenantID), ("zenith-retail", .tenantID), ("ada.obi", .userID), ("admin", .userID),
            ("ussd", .userID), ("payout", .userID), ("kanoagro", .tenantID),
            ("kwe", .customerID), ("cust-88213", .customerID), ("10.20.30.40", .ipv4), ("db7.acme.internal", .hostname),
            ("tenant_id", .tenantID), ("user_id", .userID), ("customer_id=", .customerID),
        ] {
            map.record(pseudonym: pseudonymizer.pseudonym(for: original, kind: kind), original: original, kind: kind)
        }
        return map
    }

    static func redactor(_ ruleset: Ruleset = TestSupport.defaultRuleset) -> (Redactor, PseudonymMap) {
        let redactor = TestSupport.makeRedactor(ruleset)
        let map = siteMap(redactor.pseudonymizer)
        redactor.sweepSiteIdentifiers(from: map)
        return (redactor, map)
    }

    static let indices = """
        health status index                              docs.count
        green  open   logs-acme-bank-2026.12.01            120331
        green  open   logs-zenith-retail-2026.12.01         98012
        yellow open   audit-admin-2026.12.01                  512
        green  open   kwe-archive                               3
        green  open   ussd_sessions-2026.12.01                 77

        """

    @Test func takesOnlyContextKindsOfUsefulLength() {
        let (redactor, _) = Self.redactor()
        #expect(Set(redactor.siteIdentifiers.keys) == ["acme-bank", "zenith-retail", "ada.obi", "cust-88213", "kanoagro"])
        #expect(redactor.siteIdentifiers["acme-bank"]?.rule == "tenant-id")
        #expect(redactor.siteIdentifiers["ada.obi"]?.rule == "user-id")
    }

    @Test func sweepsResourceNamesInWholeFile() throws {
        let (redactor, map) = Self.redactor()
        let output = String(decoding: try redactor.redactFile(name: "indices.txt", data: Data(Self.indices.utf8), sweepsKnownValues: true), as: UTF8.self)
        let acme = try #require(map.entries.first { $0.value.original == "acme-bank" }?.key)
        let zenith = try #require(map.entries.first { $0.value.original == "zenith-retail" }?.key)
        #expect(output.contains("logs-\(acme)-2026.12.01"))
        #expect(output.contains("logs-\(zenith)-2026.12.01"))
        #expect(!output.contains("acme-bank"))
        #expect(!output.contains("zenith-retail"))
        // A generic account name and a value too short to sweep safely stay.
        #expect(output.contains("audit-admin-2026.12.01"))
        #expect(output.contains("kwe-archive"))
        #expect(output.contains("ussd_sessions-2026.12.01"))
        #expect(output.contains("health status index"))
        #expect(redactor.report.jsonValue()["rules"]?["tenant-id"]?["files"]?["indices.txt"]?.intValue == 2)
    }

    /// A streamed file gets the same pseudonym from the sweep as from a key rule on another line.
    @Test func streamedBlocksMatchKeyPseudonyms() throws {
        let (redactor, map) = Self.redactor()
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("app.log")
        var text = ""
        for index in 0..<2_000 {
            text += "2026-12-01T10:00:\(String(format: "%02d", index % 60))Z INFO consumer topic=payments.acme-bank.events lag=\(index)\n"
        }
        text += "2026-12-01T10:01:00Z WARN request tenant_id=acme-bank user ada.obi retried\n"
        try Data(text.utf8).write(to: input)
        let output = folder.appendingPathComponent("out.log")
        try redactor.redactStream(from: input, to: output, file: "app.log", wholeTextBytes: 0)
        let written = try String(contentsOf: output, encoding: .utf8)
        let acme = try #require(map.entries.first { $0.value.original == "acme-bank" }?.key)
        let user = try #require(map.entries.first { $0.value.original == "ada.obi" }?.key)
        #expect(!written.contains("acme-bank"))
        #expect(!written.contains("ada.obi"))
        #expect(written.components(separatedBy: "topic=payments.\(acme).events").count == 2_001)
        #expect(written.contains("tenant_id=\(acme) user \(user) retried"))
        #expect(written.contains(" lag=1999\n"))
    }

    @Test func sweptJSONStaysValid() throws {
        let (redactor, map) = Self.redactor()
        let document = #"{"index": "logs-acme-bank-2026.12.01", "shards": [{"node": "es-1", "state": "STARTED"}]}"#
        let output = try redactor.redactFile(name: "shards.json", data: Data(document.utf8), sweepsKnownValues: true)
        let value = try JSONValue.parse(output)
        let acme = try #require(map.entries.first { $0.value.original == "acme-bank" }?.key)
        #expect(value["index"]?.stringValue == "logs-\(acme)-2026.12.01")
        #expect(value["shards"]?[0]?["state"]?.stringValue == "STARTED")
    }

    /// With every tenant rule switched off, tenants are not swept either; users still are.
    @Test func switchedOffKindsAreNotSwept() throws {
        var ruleset = TestSupport.defaultRuleset
        for index in ruleset.rules.indices where ruleset.rules[index].kind == .tenantID {
            ruleset.rules[index].enabled = false
            ruleset.rules[index].reason = "tenant names are public on this site"
        }
        let (redactor, _) = Self.redactor(ruleset)
        #expect(Set(redactor.siteIdentifiers.keys) == ["ada.obi", "cust-88213"])
        #expect(redactor.siteIdentifiers["kanoagro"] == nil)
        let output = String(decoding: try redactor.redactFile(name: "indices.txt", data: Data(Self.indices.utf8), sweepsKnownValues: true), as: UTF8.self)
        #expect(output.contains("logs-acme-bank-2026.12.01"))
    }

    /// A dry run lists what the site sweep replaces, with the rule of its kind.
    @Test func explainListsSiteIdentifiers() throws {
        let (redactor, _) = Self.redactor()
        let (output, matches) = try redactor.explainFile(name: "indices.txt", data: Data(Self.indices.utf8))
        #expect(!String(decoding: output, as: UTF8.self).contains("acme-bank"))
        let acme = try #require(matches.first { $0.original == "acme-bank" })
        #expect(acme.line == 2)
        #expect(acme.rule == "tenant-id")
        #expect(!matches.contains { $0.original == "ada.obi" })
        #expect(!matches.contains { $0.line == 0 })
        #expect(redactor.report.total == 0)
    }

    /// Redacting an already redacted copy keeps the site's pseudonyms, and a pseudonym that an
    /// earlier run recorded as an original (from a copy redacted again) is not swept.
    @Test func copyRedactedAgainKeepsPseudonyms() throws {
        let redactor = TestSupport.makeRedactor()
        var map = Self.siteMap(redactor.pseudonymizer)
        let acme = try #require(map.entries.first { $0.value.original == "acme-bank" }?.key)
        map.record(pseudonym: "tenant-0d0e99d7", original: acme, kind: .tenantID)
        redactor.useSiteMap(map)
        #expect(redactor.siteIdentifiers[acme] == nil)

        let copy = "tenant_id=\(acme) client=10.9.8.7 msg=\"ledger timeout\"\n"
        let output = String(decoding: try redactor.redactFile(name: "copy.log", data: Data(copy.utf8), sweepsKnownValues: true), as: UTF8.self)
        #expect(output.hasPrefix("tenant_id=\(acme) client=10."))
        #expect(!output.contains("10.9.8.7"))
        #expect(redactor.pseudonymMap.entries.values.allSatisfy { $0.original != acme })
    }

    /// The sweep of a whole bundle, as `collect` runs it, includes the site's identifiers.
    @Test func bundleSweepIncludesSiteIdentifiers() throws {
        let (redactor, map) = Self.redactor()
        let (swept, counts) = KnownValueSweep(redactor: redactor).apply(to: Data("namespace cust-88213-prod is Active\n".utf8))
        let customer = try #require(map.entries.first { $0.value.original == "cust-88213" }?.key)
        #expect(String(decoding: swept, as: UTF8.self) == "namespace \(customer)-prod is Active\n")
        #expect(counts == ["customer-id": 1])
    }

    /// An empty map, as with `--fresh-pseudonyms`, sweeps nothing and changes no output.
    @Test func emptyMapSweepsNothing() throws {
        let redactor = TestSupport.makeRedactor()
        #expect(redactor.sweepSiteIdentifiers(from: PseudonymMap()) == 0)
        let output = try redactor.redactFile(name: "indices.txt", data: Data(Self.indices.utf8), sweepsKnownValues: true)
        #expect(String(decoding: output, as: UTF8.self).contains("logs-acme-bank-2026.12.01"))
    }
}
