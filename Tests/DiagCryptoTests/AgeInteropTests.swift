import DiagSupport
import Foundation
import Testing

@testable import DiagCrypto

/// age v1 X25519 encryption, checked against the stock Debian `age 1.1.1` in both directions.
@Suite struct AgeInteropTests {
    static let sizes = [0, 1, 65_535, 65_536, 65_537, 131_072, 200_000]

    func payload(_ size: Int) -> [UInt8] {
        (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
    }

    /// Creates a key pair with stock `age-keygen` and returns the key file and its recipient.
    func stockKey(in folder: TemporaryFolder, _ name: String) throws -> (file: URL, recipient: String) {
        let generated = try runTool(ageKeygenPath, ["-o", folder.file(name).path])
        try #require(generated.status == 0, "\(generated.standardError)")
        let recipient = try runTool(ageKeygenPath, ["-y", folder.file(name).path])
        try #require(recipient.status == 0, "\(recipient.standardError)")
        return (folder.file(name), recipient.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func specificationKeyPairMatches() throws {
        let identity = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"
        #expect(
            try AgeKeys.recipient(forIdentity: identity)
                == "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj")
    }

    @Test func hkdfMatchesRFC5869Case1() throws {
        let output = try AgePrimitives.hkdf(
            inputKey: [UInt8](repeating: 0x0B, count: 22), salt: Array(0x00...0x0C), info: Array(0xF0...0xF9))
        #expect(output.hexString == "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf")
    }

    @Test func generatedIdentityMatchesStockKeygen() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let pair = AgeKeys.generateIdentity()
        #expect(pair.identity.hasPrefix("AGE-SECRET-KEY-1"))
        #expect(pair.identity.utf8.count == 74)
        #expect(pair.recipient.hasPrefix("age1"))
        #expect(pair.recipient.utf8.count == 62)
        #expect(try AgeKeys.recipient(forIdentity: pair.identity) == pair.recipient)

        let keyFile = try folder.write("ours.key", "# created by a test\n\(pair.identity)\n")
        let stock = try runTool(ageKeygenPath, ["-y", keyFile.path])
        #expect(stock.status == 0, "\(stock.standardError)")
        #expect(stock.standardOutput == "\(pair.recipient)\n")
    }

    @Test(arguments: sizes)
    func stockAgeDecryptsOurFile(size: Int) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let stock = try stockKey(in: folder, "stock.key")
        let other = AgeKeys.generateIdentity()
        let plain = try folder.write("plain.bin", payload(size))
        try AgeEncryption.encrypt(fileAt: plain, recipients: [other.recipient, stock.recipient], to: folder.file("b.age"))

        let decrypted = try runTool(agePath, ["-d", "-i", stock.file.path, folder.file("b.age").path])
        #expect(decrypted.status == 0, "\(decrypted.standardError)")
        #expect(decrypted.standardOutputData == Data(payload(size)))

        let header = try folder.read("b.age").prefix(70 + 98 * 2)
        #expect(String(decoding: header, as: UTF8.self).hasPrefix("age-encryption.org/v1\n-> X25519 "))
        let chunks = max(1, (size + 65_535) / 65_536)
        #expect(try folder.read("b.age").count == 70 + 98 * 2 + 16 + size + 16 * chunks)
    }

    @Test(arguments: sizes)
    func ourCodeDecryptsStockFile(size: Int) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let stock = try stockKey(in: folder, "stock.key")
        let ours = AgeKeys.generateIdentity()
        let plain = try folder.write("plain.bin", payload(size))
        let encrypted = try runTool(
            agePath, ["-r", stock.recipient, "-r", ours.recipient, "-o", folder.file("b.age").path, plain.path])
        try #require(encrypted.status == 0, "\(encrypted.standardError)")

        try AgeEncryption.decrypt(fileAt: folder.file("b.age"), identity: ours.identity, to: folder.file("out.bin"))
        #expect(try folder.read("out.bin") == payload(size))
        #expect(try fileMode(folder.file("out.bin")) == 0o600)

        let keyText = try folder.readText("stock.key")
        try AgeEncryption.decrypt(fileAt: folder.file("b.age"), identity: keyText, to: folder.file("out2.bin"))
        #expect(try folder.read("out2.bin") == payload(size))
    }

    @Test func unknownStanzasAreSkippedByBoth() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let stock = try stockKey(in: folder, "stock.key")
        let ours = AgeKeys.generateIdentity()
        let fileKey = Sodium.randomBytes(16)
        let stanzas = [
            AgeHeader.Stanza(type: "example.com/grease", arguments: ["a", "b"], body: []),
            try AgeEncryption.wrap(fileKey: fileKey, for: AgeKeys.recipientKey(stock.recipient)),
            AgeHeader.Stanza(type: "x-grease", arguments: [], body: Array(repeating: 0x41, count: 48)),
            try AgeEncryption.wrap(fileKey: fileKey, for: AgeKeys.recipientKey(ours.recipient)),
            AgeHeader.Stanza(type: "baz", arguments: ["c"], body: Array(repeating: 0x42, count: 100)),
        ]
        let header = AgeHeader.serialize(stanzas)
        let mac = try AgePrimitives.hmac(key: AgePrimitives.hkdf(inputKey: fileKey, salt: [], info: "header"), message: header)
        let nonce = Sodium.randomBytes(16)
        let payloadKey = try AgePrimitives.hkdf(inputKey: fileKey, salt: nonce, info: "payload")
        let sealed = try Array("grease\n".utf8).withUnsafeBytes {
            try AgePrimitives.seal($0, key: payloadKey, nonce: AgeEncryption.chunkNonce(index: 0, isFinal: true))
        }
        let file = header + Array(" \(Base64.encode(mac, padded: false))\n".utf8) + nonce + sealed
        _ = try folder.write("grease.age", file)
        #expect(String(decoding: header, as: UTF8.self).contains("-> x-grease\n\(String(repeating: "QUFB", count: 16))\n\n"))

        let stockResult = try runTool(agePath, ["-d", "-i", stock.file.path, folder.file("grease.age").path])
        #expect(stockResult.status == 0, "\(stockResult.standardError)")
        #expect(stockResult.standardOutput == "grease\n")
        try AgeEncryption.decrypt(fileAt: folder.file("grease.age"), identity: ours.identity, to: folder.file("out"))
        #expect(try folder.readText("out") == "grease\n")
    }

    @Test func rejectsBadRecipientsAndIdentities() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let plain = try folder.write("plain", "x")
        let good = AgeKeys.generateIdentity()
        var flipped = Array(good.recipient.utf8)
        flipped[10] = flipped[10] == 0x71 ? 0x70 : 0x71
        let badRecipients = [
            "", "age1", String(decoding: flipped, as: UTF8.self), good.recipient.uppercased(),
            good.recipient.replacingOccurrences(of: "age1", with: "agf1"), good.identity,
        ]
        for recipient in badRecipients {
            #expect(throws: AgeError.invalidRecipient(recipient)) {
                try AgeEncryption.encrypt(fileAt: plain, recipients: [recipient], to: folder.file("b.age"))
            }
        }
        #expect(throws: AgeError.noRecipients) {
            try AgeEncryption.encrypt(fileAt: plain, recipients: [], to: folder.file("b.age"))
        }
        for identity in ["", "# only a comment\n", good.identity.lowercased(), good.recipient, String(good.identity.dropLast())] {
            #expect(throws: AgeError.self) { try AgeKeys.recipient(forIdentity: identity) }
        }
        #expect(try folder.contents() == ["plain"])
    }
}
