import DiagCore
import DiagCrypto
import DiagSupport
import Foundation
import Testing

@testable import DiagTransfer

@Suite struct SharingPolicyTests {
    func load(_ yaml: String) throws -> SharingPolicy {
        let folder = try TemporaryFolder()
        let url = folder.path("profile.yaml")
        try Data(yaml.utf8).write(to: url)
        return try SharingPolicy.load(profileAt: url)
    }

    @Test func parsesSharingSection() throws {
        let policy = try load(
            """
            site: x
            sharing:
              enabled: true
              allowed_regions: [eu-west, "eu-central"]
              destinations:
                - name: support-eu
                  url: https://support.example.invalid/waka-diag/
                  region: eu-west
            """)
        #expect(policy.enabled)
        #expect(policy.allowedRegions == ["eu-west", "eu-central"])
        #expect(policy.destination(matching: "https://support.example.invalid/waka-diag")?.region == "eu-west")
        #expect(policy.destination(matching: "support-eu")?.url == "https://support.example.invalid/waka-diag/")
        #expect(try policy.destinationRegion(for: "support-eu", toRegion: nil) == "eu-west")
        #expect(throws: TransferError.self) { _ = try policy.destinationRegion(for: "support-eu", toRegion: "eu-central") }
    }

    @Test func missingSectionDisablesSharing() throws {
        #expect(try load("site: x\n") == SharingPolicy())
        #expect(try load("sharing:\n") == SharingPolicy())
    }

    @Test func rejectsInvalidSections() throws {
        #expect(throws: DiagError.self) { _ = try load("sharing:\n  enabled: yes please\n") }
        #expect(throws: DiagError.self) { _ = try load("sharing:\n  allowed_region: [eu]\n") }
        #expect(throws: DiagError.self) { _ = try load("sharing:\n  allowed_regions: eu\n") }
        #expect(throws: DiagError.self) { _ = try load("sharing:\n  allowed_regions: [../up]\n") }
        #expect(throws: DiagError.self) { _ = try load("sharing:\n  destinations:\n    - url: https://a.invalid/\n") }
        #expect(throws: DiagError.self) { _ = try load("sharing:\n  destinations:\n    - {url: https://a.invalid/, region: eu, token: x}\n") }
        #expect(throws: DiagError.self) { _ = try load("- a\n- b\n") }
    }

    @Test func checksModesAndRegions() throws {
        let policy = SharingPolicy(allowedRegions: ["eu-west"])
        try policy.check(mode: .saas, bundleRegion: "eu-west", destinationRegion: "eu-west", enabledByOption: false)
        try policy.check(mode: .partner, bundleRegion: "eu-west", destinationRegion: "eu-west", enabledByOption: false)
        try policy.check(mode: .selfHosted, bundleRegion: "eu-west", destinationRegion: "eu-west", enabledByOption: true)
        #expect(throws: TransferError.self) {
            try policy.check(mode: .selfHosted, bundleRegion: "eu-west", destinationRegion: "eu-west", enabledByOption: false)
        }
        #expect(throws: TransferError.self) {
            try SharingPolicy().check(mode: .saas, bundleRegion: "eu-west", destinationRegion: "eu-west", enabledByOption: true)
        }
        #expect(throws: TransferError.self) {
            try policy.check(mode: .saas, bundleRegion: "us-east", destinationRegion: "eu-west", enabledByOption: false)
        }
        #expect(throws: TransferError.self) {
            try policy.check(mode: .partner, bundleRegion: "eu-west", destinationRegion: "us-east", enabledByOption: false)
        }
    }
}

@Suite struct SealedBundleTests {
    @Test func opensAndVerifiesBundle() throws {
        let folder = try TemporaryFolder()
        let key = try MinisignSecretKey.generate()
        let bundle = try TestBundles.make(in: folder.url, signedBy: key, options: .init(mode: "partner", region: "eu-central"))

        let sealed = try SealedBundle.open(bundle, publicKey: key.publicKey)
        #expect(sealed.mode == .partner)
        #expect(sealed.region == "eu-central")
        #expect(sealed.site == "test-site")
        #expect(sealed.signatureVerified)
        #expect(sealed.size == Int64(try Data(contentsOf: bundle).count))
        #expect(sealed.sha256 == Sodium.sha256(try Data(contentsOf: bundle)).hexString)
        #expect(try SealedBundle.open(bundle, publicKey: nil).signatureVerified == false)
    }

    @Test func refusesBundlesThatFailLocally() throws {
        let folder = try TemporaryFolder()
        let key = try MinisignSecretKey.generate()
        let other = try MinisignSecretKey.generate()
        let tampered = try TestBundles.make(in: folder.url, signedBy: key, options: .init(name: "waka-diag-tampered-20260101T000000Z", tamperManifest: true))
        #expect(throws: TransferError.self) { _ = try SealedBundle.open(tampered, publicKey: key.publicKey) }
        #expect(throws: TransferError.self) { _ = try SealedBundle.open(tampered, publicKey: nil) }

        let good = try TestBundles.make(in: folder.url, signedBy: key)
        #expect(throws: TransferError.self) { _ = try SealedBundle.open(good, publicKey: other.publicKey) }

        try FileManager.default.removeItem(atPath: good.path + ".minisig")
        do {
            _ = try SealedBundle.open(good, publicKey: nil)
            Issue.record("a bundle without a signature was accepted")
        } catch let error as TransferError {
            #expect(error.description.contains("unsigned bundle is never sent"))
        }

        let notBundle = folder.path("notes.txt")
        try Data("x".utf8).write(to: notBundle)
        #expect(throws: TransferError.self) { _ = try SealedBundle.open(notBundle, publicKey: nil) }
    }

    @Test func encryptedBundleNeedsPlainTarballBeside() throws {
        let folder = try TemporaryFolder()
        let key = try MinisignSecretKey.generate()
        let bundle = try TestBundles.make(in: folder.url, signedBy: key)
        let (_, recipient) = AgeKeys.generateIdentity()
        let encrypted = URL(fileURLWithPath: bundle.path + ".age")
        try AgeEncryption.encrypt(fileAt: bundle, recipients: [recipient], to: encrypted)
        let signature = try Minisign.sign(fileAt: encrypted, secretKey: key, trustedComment: "file:\(encrypted.lastPathComponent)")
        try Data(signature.utf8).write(to: URL(fileURLWithPath: encrypted.path + ".minisig"))

        let sealed = try SealedBundle.open(encrypted, publicKey: key.publicKey)
        #expect(sealed.isEncrypted)
        #expect(sealed.region == "eu-west")
        #expect(sealed.sha256 == Sodium.sha256(try Data(contentsOf: encrypted)).hexString)

        try FileManager.default.removeItem(at: bundle)
        #expect(throws: TransferError.self) { _ = try SealedBundle.open(encrypted, publicKey: key.publicKey) }
    }
}

@Suite struct AuditLogTests {
    @Test func appendsPrivateJSONLines() throws {
        let folder = try TemporaryFolder()
        let log = AuditLog(url: folder.path("data/waka-diag/audit.log"))
        let time = Date(timeIntervalSince1970: 1_767_225_600)
        try log.append(action: "collect", bundleSHA256: "aa", destination: nil, details: ["files": 3], time: time)
        try log.append(action: "upload", bundleSHA256: "bb", destination: "https://x.invalid/", time: time)

        #expect(FileSafety.mode(of: log.url) == 0o600)
        #expect(FileSafety.mode(of: log.url.deletingLastPathComponent()) == 0o700)
        let text = String(decoding: try Data(contentsOf: log.url), as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3)
        #expect(lines.last == "")
        let first = try JSONValue.parse(String(lines[0]))
        #expect(first["time"]?.stringValue == "2026-01-01T00:00:00Z")
        #expect(first["action"]?.stringValue == "collect")
        #expect(first["destination"] == .null)
        #expect(first["details"]?["files"]?.intValue == 3)
        #expect(try JSONValue.parse(String(lines[1]))["destination"]?.stringValue == "https://x.invalid/")
    }

    @Test func narrowsWideMode() throws {
        let folder = try TemporaryFolder()
        let url = folder.path("audit.log")
        try Data().write(to: url)
        chmod(url.path, 0o644)
        try AuditLog(url: url).append(action: "unmap", bundleSHA256: "cc", destination: nil)
        #expect(FileSafety.mode(of: url) == 0o600)
    }

    @Test func standardLocationFollowsXDG() {
        let log = AuditLog.standard(environment: ["XDG_DATA_HOME": "/tmp/xdg-test", "HOME": "/home/u"])
        #expect(log.url.path == "/tmp/xdg-test/waka-diag/audit.log")
        let home = AuditLog.standard(environment: ["HOME": "/home/u"])
        #expect(home.url.path == "/home/u/.local/share/waka-diag/audit.log")
    }
}

/// Keeps Schemas/sharing-policy.schema.json and `SharingPolicy.parse` in agreement.
@Suite struct SharingSchemaTests {
    static let schemaFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Schemas")

    func violations(_ yaml: String) throws -> [JSONSchemaValidator.Violation] {
        let sharing = try YAMLDocument.parse(yaml).jsonValue()
        return try JSONSchemaValidator(schemaFolder: Self.schemaFolder).validate(sharing, schemaFile: "sharing-policy.schema.json")
    }

    @Test(arguments: [
        "enabled: false\n",
        "enabled: true\nallowed_regions: [eu-west, eu-central]\n",
        "allowed_regions: [eu-west]\ndestinations:\n  - {name: eu, url: https://support.example.invalid/, region: eu-west}\n  - {url: http://127.0.0.1:8443, region: eu-west}\n",
    ])
    func validSectionsMatchSchemaAndParser(yaml: String) throws {
        #expect(try violations(yaml).isEmpty)
        _ = try SharingPolicy.parse(try YAMLDocument.parse(yaml).jsonValue(), source: "test")
    }

    @Test(arguments: [
        "enabled: yes please\n",
        "allowed_region: [eu-west]\n",
        "allowed_regions: [eu-west, eu-west]\n",
        "allowed_regions: [../up]\n",
        "destinations:\n  - {url: https://a.invalid/}\n",
        "destinations:\n  - {url: https://a.invalid/, region: eu, token: x}\n",
    ])
    func invalidSectionsFailSchemaAndParser(yaml: String) throws {
        #expect(try !violations(yaml).isEmpty)
        #expect(throws: DiagError.self) { _ = try SharingPolicy.parse(try YAMLDocument.parse(yaml).jsonValue(), source: "test") }
    }

    @Test func schemaRejectsPlainHTTPToRemoteHost() throws {
        #expect(try !violations("destinations:\n  - {url: http://example.invalid/, region: eu}\n").isEmpty)
        #expect(try !violations("destinations:\n  - {url: http://127.0.0.1.example.invalid/, region: eu}\n").isEmpty)
        #expect(try violations("destinations:\n  - {url: \"http://[::1]:8443/\", region: eu}\n").isEmpty)
    }
}
