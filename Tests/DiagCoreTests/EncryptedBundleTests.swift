import DiagSupport
import Foundation
import Testing

/// `collect --encrypt-to` writes an age file that the stock `age` tool decrypts to the bundle.
@Suite struct EncryptedBundleTests {
    @Test func stockAgeDecryptsCollectedBundle() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let identity = work.appendingPathComponent("support.age")
        let keygen = try TestSupport.run("/usr/bin/age-keygen", ["-o", identity.path])
        #expect(keygen.status == 0, "age-keygen failed: \(keygen.stderr)")
        let recipient = try TestSupport.run("/usr/bin/age-keygen", ["-y", identity.path]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(recipient.hasPrefix("age1"))

        let output = try TestSupport.wakaDiag(
            [
                "collect", "--config", TestSupport.repositoryRoot.appendingPathComponent("demo/configs").path,
                "--region", "eu-west-1", "--secret-key", keys.secret.path, "--encrypt-to", recipient,
                "--out", work.appendingPathComponent("out").path, "--json",
            ], home: work)
        #expect(output.status == 2, "collect exited \(output.status): \(output.stderr)")
        let result = try JSONValue.parse(output.stdout)
        let bundle = try #require(result["bundle"]?.stringValue)
        let encrypted = try #require(result["encrypted"]?.stringValue)
        #expect(encrypted == bundle + ".age")

        let decrypted = work.appendingPathComponent("decrypted.tar.gz")
        let age = try TestSupport.run("/usr/bin/age", ["-d", "-i", identity.path, "-o", decrypted.path, encrypted])
        #expect(age.status == 0, "age -d failed: \(age.stderr)")
        #expect(try Data(contentsOf: decrypted) == Data(contentsOf: URL(fileURLWithPath: bundle)))

        let minisign = try TestSupport.run("/usr/bin/minisign", ["-Vm", encrypted, "-p", keys.public.path])
        #expect(minisign.status == 0, "minisign rejected the encrypted bundle's signature: \(minisign.stderr)")

        let rejected = try TestSupport.wakaDiag(
            ["collect", "--config", "/tmp", "--region", "eu-west-1", "--encrypt-to", "not-a-key", "--secret-key", keys.secret.path],
            home: work)
        #expect(rejected.status == 64)
        #expect(rejected.stderr.contains("not-a-key"))
    }
}
