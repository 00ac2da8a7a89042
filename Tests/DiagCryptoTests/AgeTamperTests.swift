import DiagSupport
import Foundation
import Testing

@testable import DiagCrypto

/// Damaged and non-canonical age files, each rejected with its own error and without leaving output.
@Suite struct AgeTamperTests {
    let identity = AgeKeys.generateIdentity()

    /// Encrypts `size` bytes to `identity` and returns the folder, the file bytes and the plaintext.
    func encrypted(size: Int) throws -> (folder: TemporaryFolder, bytes: [UInt8], plain: [UInt8]) {
        let folder = try TemporaryFolder()
        let plain = (0..<size).map { UInt8(truncatingIfNeeded: $0 * 13) }
        let input = try folder.write("plain", plain)
        try AgeEncryption.encrypt(fileAt: input, recipients: [identity.recipient], to: folder.file("b.age"))
        return (folder, try folder.read("b.age"), plain)
    }

    func decrypt(_ bytes: [UInt8], in folder: TemporaryFolder) throws {
        let file = try folder.write("damaged.age", bytes)
        defer { #expect(!FileManager.default.fileExists(atPath: folder.file("out").path)) }
        try AgeEncryption.decrypt(fileAt: file, identity: identity.identity, to: folder.file("out"))
    }

    @Test func untouchedFileDecrypts() throws {
        let (folder, bytes, plain) = try encrypted(size: 70_000)
        defer { folder.remove() }
        try AgeEncryption.decrypt(fileAt: folder.file("b.age"), identity: identity.identity, to: folder.file("ok"))
        #expect(try folder.read("ok") == plain)
        #expect(bytes.count == 168 + 16 + 70_000 + 32)
    }

    @Test func flippedPayloadByteFails() throws {
        let (folder, bytes, _) = try encrypted(size: 70_000)
        defer { folder.remove() }
        for (offset, chunk) in [(168 + 16 + 5, 0), (bytes.count - 3, 1)] {
            var damaged = bytes
            damaged[offset] ^= 0x01
            #expect(throws: AgeError.payloadAuthenticationFailed(path: folder.file("damaged.age").path, chunk: chunk)) {
                try decrypt(damaged, in: folder)
            }
        }
    }

    @Test func changedMACFails() throws {
        let (folder, bytes, _) = try encrypted(size: 10)
        defer { folder.remove() }
        var damaged = bytes
        let macStart = 168 - 44
        damaged[macStart] = damaged[macStart] == 0x41 ? 0x42 : 0x41
        #expect(throws: AgeError.badHeaderMAC(path: folder.file("damaged.age").path)) { try decrypt(damaged, in: folder) }
    }

    @Test func changedStanzaTypeMatchesNoIdentity() throws {
        let (folder, bytes, _) = try encrypted(size: 10)
        defer { folder.remove() }
        let text = String(decoding: bytes.prefix(168), as: UTF8.self).replacingOccurrences(of: "X25519", with: "X25518")
        #expect(throws: AgeError.noMatchingIdentity(path: folder.file("damaged.age").path)) {
            try decrypt(Array(text.utf8) + bytes.dropFirst(168), in: folder)
        }
    }

    @Test func flippedShareMatchesNoIdentity() throws {
        let (folder, bytes, _) = try encrypted(size: 10)
        defer { folder.remove() }
        var damaged = bytes
        let shareStart = 22 + 10
        damaged[shareStart] = damaged[shareStart] == 0x41 ? 0x42 : 0x41
        #expect(throws: AgeError.noMatchingIdentity(path: folder.file("damaged.age").path)) {
            try decrypt(damaged, in: folder)
        }
    }

    @Test func wrongIdentityMatchesNothing() throws {
        let (folder, _, _) = try encrypted(size: 10)
        defer { folder.remove() }
        let other = AgeKeys.generateIdentity()
        #expect(throws: AgeError.noMatchingIdentity(path: folder.file("b.age").path)) {
            try AgeEncryption.decrypt(fileAt: folder.file("b.age"), identity: other.identity, to: folder.file("out"))
        }
        #expect(!FileManager.default.fileExists(atPath: folder.file("out").path))
    }

    @Test func truncationAndTrailingDataFail() throws {
        let (folder, bytes, _) = try encrypted(size: 65_536 * 2)
        defer { folder.remove() }
        let path = folder.file("damaged.age").path
        let afterFirstChunk = 168 + 16 + 65_552
        #expect(throws: AgeError.truncatedPayload(path: path)) { try decrypt(Array(bytes.prefix(afterFirstChunk)), in: folder) }
        #expect(throws: AgeError.truncatedPayload(path: path)) { try decrypt(Array(bytes.prefix(168 + 8)), in: folder) }
        #expect(throws: AgeError.trailingData(path: path)) { try decrypt(bytes + [0], in: folder) }
        #expect(throws: AgeError.self) { try decrypt(Array(bytes.dropLast()), in: folder) }
    }

    @Test func malformedHeadersFail() throws {
        let (folder, bytes, _) = try encrypted(size: 10)
        defer { folder.remove() }
        let header = String(decoding: bytes.prefix(168), as: UTF8.self)
        let payload = Array(bytes.dropFirst(168))
        let cases = [
            header.replacingOccurrences(of: "age-encryption.org/v1", with: "age-encryption.org/v2"),
            header.replacingOccurrences(of: "\n-> X25519 ", with: "\n-> X25519  "),
            header.replacingOccurrences(of: "\n--- ", with: "\n---  "),
            header.replacingOccurrences(of: "\n", with: "\r\n"),
            header.replacingOccurrences(of: "-> X25519", with: "+> X25519"),
            String(header.dropLast(2)) + "=\n",
        ]
        for text in cases {
            #expect(throws: AgeError.self) { try decrypt(Array(text.utf8) + payload, in: folder) }
        }
        #expect(throws: AgeError.armoredInput(path: folder.file("damaged.age").path)) {
            try decrypt(Array("-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n-----END AGE ENCRYPTED FILE-----\n".utf8), in: folder)
        }
    }

    /// Builds an age file for `identity` whose payload chunks carry the given plaintexts and final flags.
    func crafted(chunks: [(plain: [UInt8], isFinal: Bool)]) throws -> [UInt8] {
        let fileKey = Sodium.randomBytes(16)
        let header = AgeHeader.serialize([try AgeEncryption.wrap(fileKey: fileKey, for: AgeKeys.recipientKey(identity.recipient))])
        let mac = try AgePrimitives.hmac(key: AgePrimitives.hkdf(inputKey: fileKey, salt: [], info: "header"), message: header)
        let nonce = Sodium.randomBytes(16)
        let key = try AgePrimitives.hkdf(inputKey: fileKey, salt: nonce, info: "payload")
        var file = header + Array(" \(Base64.encode(mac, padded: false))\n".utf8) + nonce
        for (index, chunk) in chunks.enumerated() {
            let chunkNonce = AgeEncryption.chunkNonce(index: UInt64(index), isFinal: chunk.isFinal)
            file += try chunk.plain.withUnsafeBytes { try AgePrimitives.seal($0, key: key, nonce: chunkNonce) }
        }
        return file
    }

    @Test func chunkFlagRulesMatchAge() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("damaged.age").path
        let full = [UInt8](repeating: 9, count: 65_536)

        try decrypt(try crafted(chunks: [(full, true)]), in: folder, expecting: full)
        try decrypt(try crafted(chunks: [([], true)]), in: folder, expecting: [])
        try decrypt(try crafted(chunks: [(full, false), ([1], true)]), in: folder, expecting: full + [1])

        #expect(throws: AgeError.emptyLastChunk(path: path)) {
            try decrypt(try crafted(chunks: [(full, false), ([], true)]), in: folder)
        }
        #expect(throws: AgeError.trailingData(path: path)) {
            try decrypt(try crafted(chunks: [(full, true), ([1], true)]), in: folder)
        }
        #expect(throws: AgeError.payloadAuthenticationFailed(path: path, chunk: 0)) {
            try decrypt(try crafted(chunks: [([1, 2], false)]), in: folder)
        }
        #expect(throws: AgeError.truncatedPayload(path: path)) {
            try decrypt(try crafted(chunks: []), in: folder)
        }
    }

    func decrypt(_ bytes: [UInt8], in folder: TemporaryFolder, expecting plain: [UInt8]) throws {
        let file = try folder.write("good.age", bytes)
        try AgeEncryption.decrypt(fileAt: file, identity: identity.identity, to: folder.file("good.out"))
        #expect(try folder.read("good.out") == plain)
    }

    @Test func failedDecryptKeepsExistingOutput() throws {
        let (folder, bytes, _) = try encrypted(size: 100)
        defer { folder.remove() }
        var damaged = bytes
        damaged[bytes.count - 1] ^= 0x80
        let file = try folder.write("damaged.age", damaged)
        let output = try folder.write("out", "previous")
        #expect(throws: AgeError.self) { try AgeEncryption.decrypt(fileAt: file, identity: identity.identity, to: output) }
        #expect(try folder.readText("out") == "previous")
        #expect(try folder.contents() == ["b.age", "damaged.age", "out", "plain"])
    }
}
