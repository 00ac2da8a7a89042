import DiagSupport
import Foundation
import Testing

@testable import DiagCrypto

/// Checks that every change to a signed file, its signature or its trusted comment is rejected.
@Suite struct MinisignTamperTests {
    let message: [UInt8] = Array("diagnostics bundle\n".utf8) + [0x00, 0xFF, 0x80]
    let key: MinisignSecretKey
    let signature: String

    init() throws {
        key = try MinisignSecretKey.generate()
        signature = try Minisign.sign(data: Data(message), secretKey: key, trustedComment: "timestamp:1\tfile:b")
    }

    @Test func untouchedSignatureVerifies() throws {
        let comment = try Minisign.verify(data: Data(message), signatureText: signature, publicKey: key.publicKey)
        #expect(comment == "timestamp:1\tfile:b")
    }

    @Test func everyFlippedFileByteFails() {
        for index in message.indices {
            var changed = message
            changed[index] ^= 0x01
            #expect(throws: MinisignError.signatureVerificationFailed(file: "the data")) {
                try Minisign.verify(data: Data(changed), signatureText: signature, publicKey: key.publicKey)
            }
        }
    }

    @Test func appendedAndTruncatedFileFails() {
        for changed in [message + [0x0A], Array(message.dropLast()), []] {
            #expect(throws: MinisignError.signatureVerificationFailed(file: "the data")) {
                try Minisign.verify(data: Data(changed), signatureText: signature, publicKey: key.publicKey)
            }
        }
    }

    @Test func everyFlippedSignatureByteFails() {
        for index in 0..<74 {
            let changed = flippingDecodedByte(index, onLine: 1, of: signature)
            #expect(throws: MinisignError.self) {
                try Minisign.verify(data: Data(message), signatureText: changed, publicKey: key.publicKey)
            }
        }
        for index in 0..<64 {
            let changed = flippingDecodedByte(index, onLine: 3, of: signature)
            #expect(throws: MinisignError.commentSignatureVerificationFailed(file: "the data")) {
                try Minisign.verify(data: Data(message), signatureText: changed, publicKey: key.publicKey)
            }
        }
    }

    @Test func flippedSignatureBytesGiveSpecificErrors() {
        let algorithm = flippingDecodedByte(1, onLine: 1, of: signature)
        #expect(throws: MinisignError.invalidSignature(reason: "unsupported signature algorithm")) {
            try Minisign.verify(data: Data(message), signatureText: algorithm, publicKey: key.publicKey)
        }
        let keyID = flippingDecodedByte(2, onLine: 1, of: signature)
        do {
            _ = try Minisign.verify(data: Data(message), signatureText: keyID, publicKey: key.publicKey)
            Issue.record("a changed key id verified")
        } catch MinisignError.keyIDMismatch(_, let signatureKeyID, let publicKeyID) {
            #expect(publicKeyID == key.publicKey.keyIDText)
            #expect(signatureKeyID != publicKeyID)
        } catch {
            Issue.record("expected a key id mismatch, got \(error)")
        }
        let body = flippingDecodedByte(40, onLine: 1, of: signature)
        #expect(throws: MinisignError.signatureVerificationFailed(file: "the data")) {
            try Minisign.verify(data: Data(message), signatureText: body, publicKey: key.publicKey)
        }
    }

    @Test func everyChangedTrustedCommentByteFails() {
        let line = "trusted comment: timestamp:1\tfile:b"
        let prefixLength = "trusted comment: ".utf8.count
        for index in prefixLength..<line.utf8.count {
            var bytes = Array(line.utf8)
            bytes[index] ^= 0x01
            let changed = replacingLine(2, of: signature, with: String(decoding: bytes, as: UTF8.self))
            #expect(throws: MinisignError.commentSignatureVerificationFailed(file: "the data")) {
                try Minisign.verify(data: Data(message), signatureText: changed, publicKey: key.publicKey)
            }
        }
        for changed in [line + " ", line.dropLast().description, "trusted comment: "] {
            let text = replacingLine(2, of: signature, with: changed)
            #expect(throws: MinisignError.commentSignatureVerificationFailed(file: "the data")) {
                try Minisign.verify(data: Data(message), signatureText: text, publicKey: key.publicKey)
            }
        }
    }

    @Test func untrustedCommentIsNotAuthenticated() throws {
        let changed = replacingLine(0, of: signature, with: "untrusted comment: edited later")
        let comment = try Minisign.verify(data: Data(message), signatureText: changed, publicKey: key.publicKey)
        #expect(comment == "timestamp:1\tfile:b")
    }

    @Test func otherKeyWithSameIDFails() throws {
        let other = try MinisignSecretKey.generate()
        let forged = try MinisignPublicKey(keyID: key.keyID, key: other.publicKey.key)
        #expect(throws: MinisignError.signatureVerificationFailed(file: "the data")) {
            try Minisign.verify(data: Data(message), signatureText: signature, publicKey: forged)
        }
    }

    @Test func stockMinisignRejectsTamperedComment() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = try folder.write("msg.bin", message)
        _ = try folder.write("k.pub", key.publicKey.fileText)
        _ = try folder.write("msg.bin.minisig", replacingLine(2, of: signature, with: "trusted comment: timestamp:2\tfile:b"))
        let result = try runTool(minisignPath, ["-Vm", file.path, "-p", folder.file("k.pub").path])
        #expect(result.status == 1)
        #expect(result.standardError.contains("Comment signature verification failed"))
    }
}
