import DiagSupport
import Foundation
import Testing

/// `review --encrypt-to` with the stock `age` tool, and the audit log lines that `collect`,
/// `review` and `unmap` append, through the real binary.
@Suite struct ReviewEncryptAuditTests {
    static func sha256(of path: String) throws -> String {
        Sodium.sha256(try Data(contentsOf: URL(fileURLWithPath: path))).hexString
    }

    /// Returns the audit log's records, oldest first.
    static func auditRecords(home: URL) throws -> [JSONValue] {
        let log = home.appendingPathComponent(".local/share/waka-diag/audit.log")
        let text = try String(contentsOf: log, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONValue.parse(Data($0.utf8)) }
    }

    @Test func resealEncryptsAndEveryStepIsAudited() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let identity = work.appendingPathComponent("support.age")
        #expect(try TestSupport.run("/usr/bin/age-keygen", ["-o", identity.path]).status == 0)
        let recipient = try TestSupport.run("/usr/bin/age-keygen", ["-y", identity.path]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)

        let collected = try TestSupport.wakaDiag(
            [
                "collect", "--config", TestSupport.repositoryRoot.appendingPathComponent("demo/configs").path,
                "--region", "eu-west-1", "--secret-key", keys.secret.path,
                "--out", work.appendingPathComponent("out").path, "--json",
            ], home: work)
        let bundle = try #require(try JSONValue.parse(Data(collected.stdout.utf8))["bundle"]?.stringValue, "\(collected.stderr)")

        let reviewed = try TestSupport.wakaDiag(
            [
                "review", bundle, "--exclude", "SUMMARY.md", "--reason", "not needed by support",
                "--encrypt-to", recipient, "--out", work.appendingPathComponent("reviewed").path,
                "--secret-key", keys.secret.path, "--json",
            ], home: work)
        #expect(reviewed.status == 0, "review failed: \(reviewed.stderr)")
        let result = try JSONValue.parse(Data(reviewed.stdout.utf8))
        let resealed = try #require(result["bundle"]?.stringValue)
        let encrypted = try #require(result["encrypted"]?.stringValue)
        #expect(encrypted == resealed + ".age")

        let decrypted = work.appendingPathComponent("decrypted.tar.gz")
        let age = try TestSupport.run("/usr/bin/age", ["-d", "-i", identity.path, "-o", decrypted.path, encrypted])
        #expect(age.status == 0, "age -d failed: \(age.stderr)")
        #expect(try Data(contentsOf: decrypted) == Data(contentsOf: URL(fileURLWithPath: resealed)))
        let minisign = try TestSupport.run("/usr/bin/minisign", ["-Vm", encrypted, "-p", keys.public.path])
        #expect(minisign.status == 0, "minisign rejected the encrypted bundle: \(minisign.stderr)")

        let unmapped = try TestSupport.wakaDiag(["unmap", "tenant-00000000"], home: work)
        #expect(unmapped.status != 0, "the token is in no map")

        let records = try Self.auditRecords(home: work)
        let actions = records.compactMap { $0["action"]?.stringValue }
        #expect(actions.suffix(3) == ["create", "reseal", "unmap"])
        let create = try #require(records.last { $0["action"] == "create" })
        #expect(create["bundle_sha256"]?.stringValue == (try Self.sha256(of: bundle)))
        #expect(create["destination"] == .null)
        let reseal = try #require(records.last { $0["action"] == "reseal" })
        #expect(reseal["bundle_sha256"]?.stringValue == (try Self.sha256(of: resealed)))
        #expect(reseal["details"]?["excluded"] == 1)
        let unmap = try #require(records.last { $0["action"] == "unmap" })
        #expect(unmap["bundle_sha256"]?.stringValue == Sodium.sha256(Data("tenant-00000000".utf8)).hexString)
        for record in records {
            #expect(record["user"]?.stringValue?.isEmpty == false)
            #expect(record["time"]?.stringValue.flatMap(Timestamp.parse) != nil)
        }
    }
}
