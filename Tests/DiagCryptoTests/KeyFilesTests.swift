import DiagSupport
import Foundation
import Testing

@testable import DiagCrypto

@Suite struct KeyFilesTests {
    @Test func generateSetsModes() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let secret = folder.file("keys/nested/k.key")
        let publicKey = folder.file("pub/k.pub")
        try KeyFiles.generate(secretKeyPath: secret, publicKeyPath: publicKey, force: false)

        #expect(try fileMode(secret) == 0o600)
        #expect(try fileMode(publicKey) == 0o644)
        #expect(try fileMode(folder.file("keys")) == 0o700)
        #expect(try fileMode(folder.file("keys/nested")) == 0o700)
        #expect(try fileMode(folder.file("pub")) == 0o755)
        #expect(try folder.readText("keys/nested/k.key").hasPrefix("untrusted comment: "))
        #expect(try folder.readText("keys/nested/k.key").split(separator: "\n")[1].hasPrefix("RWQAAEIy"))
    }

    /// A public key passed where the secret key belongs is named as a public key, with the
    /// secret key beside it as the fix, and no advice to make it owner-only.
    @Test func publicKeyAsSecretKeyNamesThePair() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try KeyFiles.generate(secretKeyPath: folder.file("k.key"), publicKeyPath: folder.file("k.pub"), force: false)

        do {
            _ = try KeyFiles.loadSecretKey(at: folder.file("k.pub"))
            Issue.record("a public key loaded as a secret key")
        } catch let error as DiagError {
            #expect(error.exitStatus == .usage)
            #expect(error.message.contains("is a minisign public key"), "\(error.message)")
            #expect(error.message.contains(folder.file("k.key").path), "\(error.message)")
            #expect(!error.message.contains("chmod"), "\(error.message)")
        }
    }

    @Test func generateRejectsOverwriteWithoutForce() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let secret = folder.file("k.key")
        let publicKey = folder.file("k.pub")
        try KeyFiles.generate(secretKeyPath: secret, publicKeyPath: publicKey, force: false)
        let before = (try folder.read("k.key"), try folder.read("k.pub"))

        #expect(throws: MinisignError.keyFileExists(path: secret.path)) {
            try KeyFiles.generate(secretKeyPath: secret, publicKeyPath: publicKey, force: false)
        }
        #expect(MinisignError.keyFileExists(path: secret.path).description.contains("--force"))
        #expect(MinisignError.keyFileExists(path: secret.path).exitStatus == .cannotCreate)

        let otherSecret = folder.file("new.key")
        #expect(throws: MinisignError.keyFileExists(path: publicKey.path)) {
            try KeyFiles.generate(secretKeyPath: otherSecret, publicKeyPath: publicKey, force: false)
        }
        #expect(!FileManager.default.fileExists(atPath: otherSecret.path))
        #expect(try folder.read("k.key") == before.0)
        #expect(try folder.read("k.pub") == before.1)
    }

    @Test func generateWithForceReplacesBoth() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let secret = folder.file("k.key")
        let publicKey = folder.file("k.pub")
        let first = try KeyFiles.generate(secretKeyPath: secret, publicKeyPath: publicKey, force: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: publicKey.path)
        let second = try KeyFiles.generate(secretKeyPath: secret, publicKeyPath: publicKey, force: true)

        #expect(first != second)
        #expect(try KeyFiles.loadPublicKey(at: publicKey) == second)
        #expect(try KeyFiles.loadSecretKey(at: secret).publicKey == second)
        #expect(try fileMode(secret) == 0o600)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.url.path).sorted()
        #expect(leftovers == ["k.key", "k.pub"])
    }

    @Test func generateRejectsSamePathForBoth() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        #expect(throws: DiagError.self) {
            try KeyFiles.generate(secretKeyPath: folder.file("k"), publicKeyPath: folder.file("./k"), force: true)
        }
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660, 0o602, 0o620, 0o700 | 0o007])
    func loadSecretKeyRejectsSharedModes(mode: Int) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let secret = folder.file("k.key")
        try KeyFiles.generate(secretKeyPath: secret, publicKeyPath: folder.file("k.pub"), force: false)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: secret.path)

        let octal = String(mode, radix: 8)
        let expected = SecureFileError.insecureMode(label: "secret key", path: secret.path, mode: UInt32(0o100000 | mode))
        #expect(throws: expected) { try KeyFiles.loadSecretKey(at: secret) }
        #expect(expected.exitStatus == .permission)
        #expect(
            expected.description
                == "secret key \(secret.path) has mode 0\(octal); it must be readable by its owner only: run chmod 600 \(secret.path)"
        )
    }

    @Test(arguments: [0o600, 0o400, 0o700])
    func loadSecretKeyAcceptsOwnerOnlyModes(mode: Int) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let secret = folder.file("k.key")
        let publicKey = try KeyFiles.generate(secretKeyPath: secret, publicKeyPath: folder.file("k.pub"), force: false)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: secret.path)
        #expect(try KeyFiles.loadSecretKey(at: secret).publicKey == publicKey)
    }

    @Test func loadSecretKeyReportsMissingFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let missing = folder.file("absent.key")
        do {
            _ = try KeyFiles.loadSecretKey(at: missing)
            Issue.record("a missing key loaded")
        } catch {
            #expect(error.exitStatus == .noInput)
            #expect(error.operatorMessage.contains(missing.path))
        }
    }

    @Test func loadSecretKeyRejectsFolder() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(
            at: folder.file("dir.key"), withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        #expect(throws: SecureFileError.notRegularFile(path: folder.file("dir.key").path)) {
            try KeyFiles.loadSecretKey(at: folder.file("dir.key"))
        }
    }

    @Test func loadPublicKeyRejectsSecretKeyFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try KeyFiles.generate(secretKeyPath: folder.file("k.key"), publicKeyPath: folder.file("k.pub"), force: false)
        #expect(throws: MinisignError.self) { try KeyFiles.loadPublicKey(at: folder.file("k.key")) }
    }
}
