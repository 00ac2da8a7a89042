import DiagSupport
import Foundation
import Testing

@testable import DiagCrypto

/// Checks against the stock Debian `minisign 0.11` in both directions.
@Suite struct MinisignInteropTests {
    @Test func stockMinisignVerifiesOurSignature() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let publicKey = try KeyFiles.generate(
            secretKeyPath: folder.file("k.key"), publicKeyPath: folder.file("k.pub"), force: false)
        let secretKey = try KeyFiles.loadSecretKey(at: folder.file("k.key"))
        #expect(secretKey.publicKey == publicKey)

        let message = try folder.write("bundle.tar.gz", "hello minisign\n")
        let text = try Minisign.sign(
            fileAt: message, secretKey: secretKey, trustedComment: "file:bundle.tar.gz\tcreated by test")
        _ = try folder.write("bundle.tar.gz.minisig", text)

        let result = try runTool(minisignPath, ["-Vm", message.path, "-p", folder.file("k.pub").path])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("Trusted comment: file:bundle.tar.gz\tcreated by test"))

        let quiet = try runTool(minisignPath, ["-Vm", message.path, "-p", folder.file("k.pub").path, "-Q"])
        #expect(quiet.standardOutput == "file:bundle.tar.gz\tcreated by test\n")
    }

    @Test(arguments: [0, 1, 65_535, 65_536, 65_537, 200_000])
    func stockMinisignVerifiesLargeAndEmptyFiles(size: Int) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try KeyFiles.generate(secretKeyPath: folder.file("k.key"), publicKeyPath: folder.file("k.pub"), force: false)
        let secretKey = try KeyFiles.loadSecretKey(at: folder.file("k.key"))
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        let message = try folder.write("data.bin", bytes)

        let fromFile = try Minisign.sign(fileAt: message, secretKey: secretKey, trustedComment: "size \(size)")
        let fromData = try Minisign.sign(data: Data(bytes), secretKey: secretKey, trustedComment: "size \(size)")
        #expect(fromFile == fromData)
        _ = try folder.write("data.bin.minisig", fromFile)

        let result = try runTool(minisignPath, ["-Vm", message.path, "-p", folder.file("k.pub").path, "-Q"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == "size \(size)\n")
    }

    @Test func ourCodeVerifiesStockSignatures() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let generated = try runTool(minisignPath, ["-G", "-W", "-p", "s.pub", "-s", "s.key"], in: folder.url)
        try #require(generated.status == 0, "\(generated.standardError)")
        let message = try folder.write("msg.txt", "hello minisign\n")
        let signed = try runTool(
            minisignPath, ["-S", "-s", "s.key", "-m", "msg.txt", "-t", "stock trusted"], in: folder.url)
        try #require(signed.status == 0, "\(signed.standardError)")
        let legacy = try runTool(
            minisignPath, ["-S", "-l", "-s", "s.key", "-m", "msg.txt", "-x", "legacy.minisig", "-t", "old form"],
            in: folder.url)
        try #require(legacy.status == 0, "\(legacy.standardError)")

        let publicKey = try KeyFiles.loadPublicKey(at: folder.file("s.pub"))
        let comment = try Minisign.verify(
            fileAt: message, signatureText: folder.readText("msg.txt.minisig"), publicKey: publicKey)
        #expect(comment == "stock trusted")

        let legacyText = try folder.readText("legacy.minisig")
        #expect(try Minisign.verify(fileAt: message, signatureText: legacyText, publicKey: publicKey) == "old form")
        #expect(throws: MinisignError.legacySignatureRejected) {
            try Minisign.verify(fileAt: message, signatureText: legacyText, publicKey: publicKey, allowLegacy: false)
        }

        let crlf = try folder.readText("msg.txt.minisig").replacingOccurrences(of: "\n", with: "\r\n")
        #expect(try Minisign.verify(fileAt: message, signatureText: crlf, publicKey: publicKey) == "stock trusted")
    }

    @Test func signingWithStockKeyMatchesStockBytes() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let generated = try runTool(minisignPath, ["-G", "-W", "-p", "s.pub", "-s", "s.key"], in: folder.url)
        try #require(generated.status == 0, "\(generated.standardError)")
        let message = try folder.write("msg.txt", [0x00, 0xFF, 0xC3, 0x28, 0x0A, 0x0D])
        let signed = try runTool(
            minisignPath,
            ["-S", "-s", "s.key", "-m", "msg.txt", "-x", "stock.minisig", "-c", "fixed untrusted", "-t", "fixed trusted"],
            in: folder.url)
        try #require(signed.status == 0, "\(signed.standardError)")

        #expect(try fileMode(folder.file("s.key")) == 0o600)
        let secretKey = try KeyFiles.loadSecretKey(at: folder.file("s.key"))
        let ours = try Minisign.sign(
            fileAt: message, secretKey: secretKey, trustedComment: "fixed trusted", untrustedComment: "fixed untrusted")
        #expect(ours == (try folder.readText("stock.minisig")))
    }

    @Test func stockMinisignUsesOurSecretKey() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try KeyFiles.generate(secretKeyPath: folder.file("k.key"), publicKeyPath: folder.file("k.pub"), force: false)

        let rebuilt = try runTool(minisignPath, ["-R", "-s", "k.key", "-p", "rebuilt.pub"], in: folder.url)
        #expect(rebuilt.status == 0, "\(rebuilt.standardError)")
        #expect(try folder.read("rebuilt.pub") == (try folder.read("k.pub")))

        let message = try folder.write("msg.txt", "signed by stock minisign with our key\n")
        let signed = try runTool(minisignPath, ["-S", "-s", "k.key", "-m", "msg.txt", "-t", "ours"], in: folder.url)
        try #require(signed.status == 0, "\(signed.standardError)")
        let publicKey = try KeyFiles.loadPublicKey(at: folder.file("k.pub"))
        #expect(
            try Minisign.verify(fileAt: message, signatureText: folder.readText("msg.txt.minisig"), publicKey: publicKey)
                == "ours")
    }

    @Test func keyIDTextMatchesStockComment() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        for index in 0..<5 {
            let generated = try runTool(
                minisignPath, ["-G", "-W", "-p", "\(index).pub", "-s", "\(index).key"], in: folder.url)
            try #require(generated.status == 0, "\(generated.standardError)")
            let text = try folder.readText("\(index).pub")
            let publicKey = try MinisignPublicKey(fileText: text)
            #expect(text.hasPrefix("untrusted comment: minisign public key \(publicKey.keyIDText)\n"))
            #expect(publicKey.fileText == text)
        }
    }

    @Test func keyIDMismatchNamesBothIDsLikeStock() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try KeyFiles.generate(secretKeyPath: folder.file("a.key"), publicKeyPath: folder.file("a.pub"), force: false)
        let other = try KeyFiles.generate(
            secretKeyPath: folder.file("b.key"), publicKeyPath: folder.file("b.pub"), force: false)
        let signer = try KeyFiles.loadSecretKey(at: folder.file("a.key"))
        let message = try folder.write("msg.txt", "x")
        let text = try Minisign.sign(fileAt: message, secretKey: signer, trustedComment: "t")
        _ = try folder.write("msg.txt.minisig", text)

        let expected = MinisignError.keyIDMismatch(
            file: message.path, signatureKeyID: signer.publicKey.keyIDText, publicKeyID: other.keyIDText)
        #expect(throws: expected) { try Minisign.verify(fileAt: message, signatureText: text, publicKey: other) }

        let stock = try runTool(minisignPath, ["-Vm", message.path, "-p", folder.file("b.pub").path])
        #expect(stock.status == 1)
        #expect(stock.standardError.contains("is \(signer.publicKey.keyIDText)"))
        #expect(stock.standardError.contains("public key is \(other.keyIDText)"))
        #expect(expected.description.contains(signer.publicKey.keyIDText))
        #expect(expected.description.contains(other.keyIDText))
    }
}
