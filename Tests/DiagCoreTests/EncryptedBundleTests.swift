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

        // verify checks the encrypted file's signature and prints how to check its contents.
        // review cannot read it and prints how to decrypt it.
        let verify = try TestSupport.wakaDiag(["verify", encrypted, "--public-key", keys.public.path], home: work)
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        #expect(verify.stdout.contains("signature"), "\(verify.stdout)")
        #expect(verify.stdout.contains("age-encrypted"), "\(verify.stdout)")
        #expect(verify.stdout.contains("age -d -i IDENTITY_FILE -o \(bundle) \(encrypted)"), "\(verify.stdout)")
        #expect(!verify.stdout.contains("Unrecognized archive format"))
        let review = try TestSupport.wakaDiag(["review", encrypted], home: work)
        #expect(review.status == 65)
        #expect(review.stderr.contains("is age-encrypted; decrypt it first"), "\(review.stderr)")

        let rejected = try TestSupport.wakaDiag(
            ["collect", "--config", "/tmp", "--region", "eu-west-1", "--encrypt-to", "not-a-key", "--secret-key", keys.secret.path],
            home: work)
        #expect(rejected.status == 64)
        #expect(rejected.stderr.contains("not-a-key"))
    }
}
