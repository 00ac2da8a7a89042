@testable import DiagRedaction
import DiagSupport
import Foundation
import Testing

/// A machine's short name beside its full host name: once a rule replaces the full name, the
/// short name is replaced in the same file, and in the names of copies, with the first label of
/// the full name's pseudonym.
struct ShortHostNameTests {
    static let chat = """
        10:02 connected to core-db01.vi.wakapay.ng:5432 as recon
        10:05 On it, restarting pgbouncer on core-db01. CORE-DB01 is back
        10:06 the api-v2 rollout in lagos-dc1 is paused; payments are fine
        10:07 core-db01x and xcore-db01 are other names

        """

    @Test func shortNameGetsFullNameLabel() throws {
        let redactor = TestSupport.makeRedactor()
        let copy = String(
            decoding: try redactor.redactFile(name: "chat.txt", data: Data(Self.chat.utf8), sweepsKnownValues: true), as: UTF8.self)
        let full = try #require(copy.firstMatch(of: #/connected to (host-[0-9a-f]{8})\.[a-z0-9.-]+\.ng:5432/#))
        let label = String(full.1)
        #expect(copy.contains("restarting pgbouncer on \(label). \(label) is back"), "\(copy)")
        #expect(!copy.lowercased().contains("core-db01."), "\(copy)")
        // Labels with one digit or none, and longer words that contain the name, stay.
        #expect(copy.contains("the api-v2 rollout in lagos-dc1 is paused; payments are fine"), "\(copy)")
        #expect(copy.contains("core-db01x and xcore-db01 are other names"), "\(copy)")
        // The bare label unmaps to the short name, and the full pseudonym to the full name.
        let map = redactor.pseudonymMap
        #expect(map.original(for: label) == "core-db01")
        #expect(map.unmap(text: copy).contains("connected to core-db01.vi.wakapay.ng:5432"))
        #expect(redactor.report.counts["hostname"]?["chat.txt"] == 3)
    }

    /// `rules explain` lists the short names that `redact` replaces, with the same pseudonym.
    @Test func explainListsShortNames() throws {
        let redactor = TestSupport.makeRedactor()
        let (output, matches) = try redactor.explainFile(name: "chat.txt", data: Data(Self.chat.utf8))
        let copy = String(decoding: output, as: UTF8.self)
        // Line 1 lists it too, because the full name there starts with it.
        let short = matches.filter { $0.original == "core-db01" && $0.line == 2 }
        #expect(short.count == 1, "\(matches)")
        #expect(short.first.map { copy.contains("restarting pgbouncer on \($0.replacement).") } == true, "\(copy)")
        let upper = matches.filter { $0.original == "CORE-DB01" }
        #expect(upper.map(\.line).contains(2), "\(matches)")
    }

    /// Without `sweepsKnownValues` (one line of a stream), nothing beyond the rules' own matches
    /// changes.
    @Test func unsweptTextKeepsShortNames() throws {
        let redactor = TestSupport.makeRedactor()
        let copy = String(decoding: try redactor.redactFile(name: "chat.txt", data: Data(Self.chat.utf8)), as: UTF8.self)
        #expect(copy.contains("restarting pgbouncer on core-db01."), "\(copy)")
    }

    @Test(arguments: [
        ("core-db01", true), ("sql-fin01", true), ("IKJ-FIN-LT042", true), ("ip-10-1-2-3", true), ("settle01", true),
        ("api-v2", false), ("lagos-dc1", false), ("payments", false), ("db7", false), ("20241118", false),
        ("-db01x", false), ("db_01xx", false), ("a1234567", false),
    ])
    func machineLabels(label: String, expected: Bool) {
        #expect(Redactor.isMachineLabel(Substring(label)) == expected)
    }

    /// A label the file already replaced on its own keeps that replacement, and the upper- and
    /// lower-case spellings of the label are swept too.
    @Test func derivedNamesYieldToRecordedOnes() {
        let recorded: [String: RecordedReplacement] = [
            "core-db01.vi.wakapay.ng": RecordedReplacement(rule: "hostname", kind: .hostname, replacement: "host-11111111.d297.example-2ac1be.ng"),
            "core-db01": RecordedReplacement(rule: "host-keys", kind: .hostname, replacement: "host-22222222"),
            "web-07.acme.ng": RecordedReplacement(rule: "url-host", kind: .hostname, replacement: "<redacted:hostname:abc>"),
            "tenant-db01.acme.ng": RecordedReplacement(rule: "tenant-id", kind: .tenantID, replacement: "tenant-33333333"),
        ]
        let short = Redactor.shortHostNames(of: recorded)
        #expect(short.keys.sorted() == ["CORE-DB01"])
        #expect(short["CORE-DB01"]?.replacement == "host-11111111")
        #expect(short["CORE-DB01"]?.rule == "hostname")
    }

    /// `sweepFileNames` replaces, in the names of copies, the hosts and tenants that the text of
    /// any file gave away, and counts them under each file.
    @Test func fileNamesLoseTextValues() throws {
        let redactor = TestSupport.makeRedactor()
        _ = try redactor.redactFile(
            name: "notes.txt", data: Data("Machine: IKJ-FIN-LT042\ntenant_id=kanoagro-ltd\nhost core-db01.vi.wakapay.ng\n".utf8),
            sweepsKnownValues: true)
        let names = redactor.sweepFileNames(
            ["PowerShell_transcript.IKJ-FIN-LT042.txt", "backup-kanoagro-ltd-core-db01.tar", "report-v1.2.txt", "ikj-fin-lt042x.txt"],
            files: ["a", "b", "c", "d"])
        #expect(names[0].hasPrefix("PowerShell_transcript.host-"), "\(names)")
        #expect(!names[0].contains("IKJ"), "\(names)")
        #expect(names[1].hasPrefix("backup-tenant-"), "\(names)")
        #expect(names[1].hasSuffix(".tar"), "\(names)")
        #expect(!names[1].contains("kanoagro"), "\(names)")
        #expect(!names[1].contains("core-db01"), "\(names)")
        #expect(names[2] == "report-v1.2.txt")
        #expect(names[3] == "ikj-fin-lt042x.txt")
        let counts = redactor.report.counts
        #expect(counts["hostname"]?["a"] == 1)
        #expect(counts.values.compactMap { $0["b"] }.reduce(0, +) == 2)
        #expect(counts.values.allSatisfy { $0["c"] == nil })
        #expect(counts.values.allSatisfy { $0["d"] == nil })
    }
}
