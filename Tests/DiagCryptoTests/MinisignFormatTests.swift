import DiagSupport
import Foundation
import Testing

@testable import DiagCrypto

/// Parsing and writing of the three minisign text formats, without the stock tool.
@Suite struct MinisignFormatTests {
    @Test func keyIDTextIsLittleEndianUnpadded() throws {
        let key = try MinisignPublicKey(keyID: [0x65, 0x55, 0xDE, 0x66, 0xF1, 0x3E, 0x83, 0x08], key: .init(repeating: 1, count: 32))
        #expect(key.keyIDText == "8833EF166DE5565")
        let small = try MinisignPublicKey(keyID: [0x0A, 0, 0, 0, 0, 0, 0, 0], key: .init(repeating: 1, count: 32))
        #expect(small.keyIDText == "A")
    }

    @Test func publicKeyRoundTrips() throws {
        let key = try MinisignSecretKey.generate().publicKey
        #expect(key.base64.utf8.count == 56)
        #expect(key.base64.hasPrefix("RW"))
        #expect(try MinisignPublicKey(fileText: key.fileText) == key)
        #expect(try MinisignPublicKey(base64: key.base64) == key)
        #expect(try MinisignPublicKey(base64: " \(key.base64)\n") == key)
        #expect(try MinisignPublicKey(fileText: key.fileText.replacingOccurrences(of: "\n", with: "\r\n")) == key)
        #expect(try MinisignPublicKey(fileText: String(key.fileText.dropLast())) == key)
        #expect(try MinisignPublicKey(fileText: "any first line\n\(key.base64)\n\n") == key)
    }

    @Test func publicKeyRejectsMalformedText() throws {
        let key = try MinisignSecretKey.generate().publicKey
        let line = key.base64
        var wrongAlgorithm = key.binary
        wrongAlgorithm[1] = 0x44
        let cases: [String] = [
            "",
            String(line.dropLast(4)),
            line + "AAAA",
            line.replacingOccurrences(of: "R", with: "*"),
            Data(wrongAlgorithm).base64EncodedString(),
            Data(key.binary + [0]).base64EncodedString(),
        ]
        for text in cases {
            #expect(throws: MinisignError.self, "\(text)") { try MinisignPublicKey(base64: text) }
        }
        let fileCases = [
            "untrusted comment: only one line\n",
            "untrusted comment: x\n\(line)\nextra\n",
            String(repeating: "c", count: 1023) + "\n\(line)\n",
        ]
        for text in fileCases {
            #expect(throws: MinisignError.self) { try MinisignPublicKey(fileText: text) }
        }
        #expect(try MinisignPublicKey(fileText: String(repeating: "c", count: 1022) + "\n\(line)\n") == key)
    }

    @Test func secretKeyRoundTripsWithChecksum() throws {
        let key = try MinisignSecretKey.generate()
        let bytes = key.fileBytes()
        let reloaded = try MinisignSecretKey(fileBytes: bytes, source: "memory")
        #expect(reloaded.publicKey == key.publicKey)
        #expect(reloaded.keyID == key.keyID)

        let binary = try decodedSecretKey(bytes)
        #expect(binary.count == 158)
        #expect(Array(binary[0..<6]) == [0x45, 0x64, 0x00, 0x00, 0x42, 0x32])
        #expect(binary[6..<54].allSatisfy { $0 == 0 })
        #expect(Array(binary[54..<62]) == key.keyID)
        #expect(Array(binary[94..<126]) == key.publicKey.key)
        let checksum = MinisignSecretKey.checksum(keyID: key.keyID, secretKey: key.secretKey)
        #expect(Array(binary[126..<158]) == checksum)
        #expect(checksum.contains { $0 != 0 })
    }

    @Test func secretKeyAcceptsZeroChecksum() throws {
        let key = try MinisignSecretKey.generate()
        var binary = try decodedSecretKey(key.fileBytes())
        for index in 126..<158 { binary[index] = 0 }
        #expect(try MinisignSecretKey(fileBytes: encodedSecretKey(binary), source: "memory").publicKey == key.publicKey)
    }

    @Test func secretKeyRejectsDamage() throws {
        let key = try MinisignSecretKey.generate()
        let binary = try decodedSecretKey(key.fileBytes())

        var badChecksum = binary
        badChecksum[130] ^= 1
        var badSeed = binary
        badSeed[70] ^= 1
        var badSeedNoChecksum = badSeed
        for index in 126..<158 { badSeedNoChecksum[index] = 0 }
        var badPublicHalf = binary
        badPublicHalf[100] ^= 1
        for index in 126..<158 { badPublicHalf[index] = 0 }

        for damaged in [badChecksum, badSeed, badSeedNoChecksum, badPublicHalf] {
            #expect(throws: MinisignError.self) { try MinisignSecretKey(fileBytes: encodedSecretKey(damaged), source: "m") }
        }
    }

    @Test func secretKeyRejectsEncryptedKey() throws {
        var binary = try decodedSecretKey(try MinisignSecretKey.generate().fileBytes())
        binary[2] = 0x53
        binary[3] = 0x63
        let error = MinisignError.encryptedSecretKey(source: "/k/enc.key")
        #expect(throws: error) { try MinisignSecretKey(fileBytes: encodedSecretKey(binary), source: "/k/enc.key") }
        #expect(error.description.contains("waka-diag keygen"))
        #expect(error.description.contains("minisign -G -W"))
    }

    @Test func secretKeyRejectsUnknownAlgorithms() throws {
        let binary = try decodedSecretKey(try MinisignSecretKey.generate().fileBytes())
        for (index, reason) in [(1, "unsupported signature algorithm"), (2, "unsupported key derivation function"),
                                (4, "unsupported checksum function")] {
            var changed = binary
            changed[index] ^= 0x01
            #expect(throws: MinisignError.invalidSecretKey(source: "m", reason: reason)) {
                try MinisignSecretKey(fileBytes: encodedSecretKey(changed), source: "m")
            }
        }
    }

    @Test func signatureCommentLimitsMatchMinisign() throws {
        let key = try MinisignSecretKey.generate()
        let data = Data("x".utf8)
        let longest = String(repeating: "t", count: 8173)
        let text = try Minisign.sign(data: data, secretKey: key, trustedComment: longest)
        #expect(try Minisign.verify(data: data, signatureText: text, publicKey: key.publicKey) == longest)
        #expect(throws: MinisignError.self) {
            try Minisign.sign(data: data, secretKey: key, trustedComment: longest + "t")
        }
        let untrusted = String(repeating: "u", count: 1003)
        let withUntrusted = try Minisign.sign(data: data, secretKey: key, trustedComment: "", untrustedComment: untrusted)
        #expect(try Minisign.verify(data: data, signatureText: withUntrusted, publicKey: key.publicKey) == "")
        #expect(throws: MinisignError.self) {
            try Minisign.sign(data: data, secretKey: key, trustedComment: "", untrustedComment: untrusted + "u")
        }
        let tooLong = replacingLine(0, of: withUntrusted, with: "untrusted comment: " + untrusted + "u")
        #expect(throws: MinisignError.self) {
            try Minisign.verify(data: data, signatureText: tooLong, publicKey: key.publicKey)
        }
    }

    @Test(arguments: ["a\nb", "a\rb", "a\u{0}b"])
    func signRejectsMultilineComments(comment: String) throws {
        let key = try MinisignSecretKey.generate()
        #expect(throws: MinisignError.self) { try Minisign.sign(data: Data(), secretKey: key, trustedComment: comment) }
        #expect(throws: MinisignError.self) {
            try Minisign.sign(data: Data(), secretKey: key, trustedComment: "ok", untrustedComment: comment)
        }
    }

    @Test func signatureRejectsMalformedText() throws {
        let key = try MinisignSecretKey.generate()
        let data = Data("payload".utf8)
        let text = try Minisign.sign(data: data, secretKey: key, trustedComment: "c")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let cases: [String] = [
            "",
            lines[0...2].joined(separator: "\n"),
            lines[0...2].joined(separator: "\n") + "\n",
            replacingLine(0, of: text, with: "comment: x"),
            replacingLine(2, of: text, with: "trusted_comment: c"),
            replacingLine(1, of: text, with: lines[1] + "="),
            replacingLine(3, of: text, with: String(lines[3].dropLast(2))),
            replacingLine(2, of: text, with: "trusted comment: c\u{0}x"),
        ]
        for malformed in cases {
            #expect(throws: MinisignError.self) {
                try Minisign.verify(data: data, signatureText: malformed, publicKey: key.publicKey)
            }
        }
        let noFinalNewline = String(text.dropLast())
        #expect(try Minisign.verify(data: data, signatureText: noFinalNewline, publicKey: key.publicKey) == "c")
    }

    @Test func signatureTextRoundTrips() throws {
        let key = try MinisignSecretKey.generate()
        let text = try Minisign.sign(data: Data([1, 2, 3]), secretKey: key, trustedComment: "é ✓")
        let parsed = try MinisignSignature(text: text)
        #expect(parsed.isPrehashed)
        #expect(parsed.keyID == key.keyID)
        #expect(parsed.trustedComment == "é ✓")
        #expect(parsed.untrustedComment == Minisign.defaultUntrustedComment)
        #expect(parsed.text == text)
        #expect(text.split(separator: "\n")[1].hasPrefix("RU"))
    }

    @Test func signMissingFileReportsNoInput() throws {
        let key = try MinisignSecretKey.generate()
        do {
            _ = try Minisign.sign(fileAt: URL(fileURLWithPath: "/nonexistent/diag.tar.gz"), secretKey: key, trustedComment: "c")
            Issue.record("signing a missing file succeeded")
        } catch {
            #expect(error.exitStatus == .noInput)
            #expect(error.operatorMessage.contains("/nonexistent/diag.tar.gz"))
        }
    }

    private func decodedSecretKey(_ fileBytes: [UInt8]) throws -> [UInt8] {
        let line = String(decoding: fileBytes, as: UTF8.self).split(separator: "\n")[1]
        return [UInt8](try #require(Data(base64Encoded: String(line))))
    }

    private func encodedSecretKey(_ binary: [UInt8]) -> [UInt8] {
        Array("untrusted comment: test\n\(Data(binary).base64EncodedString())\n".utf8)
    }
}
