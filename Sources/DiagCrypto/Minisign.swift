import DiagSupport
import Foundation

/// Signs and verifies files in minisign 0.11's signature format, so that stock
/// `minisign -Vm FILE -p KEY.pub` verifies what waka-diag signs and the other way round.
///
/// Signatures are always written prehashed (`"ED"`): Ed25519 over the 64-byte BLAKE2b-512 digest of the
/// file, not RFC 8032 Ed25519ph. A second, global signature covers the first one and the trusted comment.
public enum Minisign {
    /// The untrusted comment `minisign -S` writes when none is given.
    public static let defaultUntrustedComment = "signature from minisign secret key"
    /// The size of each read while hashing a file, as minisign 0.11 reads it.
    static let readChunkBytes = 64 * 1024
    /// The largest file a legacy (non-prehashed) signature is checked for, because it needs the whole file in memory.
    public static let maximumLegacyFileBytes = 1 << 30

    /// Signs the file at `url` and returns the four-line `.minisig` text.
    ///
    /// The file is hashed in 64 KiB reads. Both signatures are verified with the key's public half before
    /// the text is returned. Comments must be single lines that minisign 0.11 can read back: at most 8173
    /// bytes for the trusted comment and 1003 for the untrusted one.
    public static func sign(
        fileAt url: URL, secretKey: MinisignSecretKey, trustedComment: String,
        untrustedComment: String = defaultUntrustedComment
    ) throws -> String {
        try validateComments(trusted: trustedComment, untrusted: untrustedComment)
        let digest = try prehash(fileAt: url)
        return try makeSignature(
            digest: digest, secretKey: secretKey, trustedComment: trustedComment, untrustedComment: untrustedComment)
    }

    /// Signs `data` and returns the four-line `.minisig` text, like `sign(fileAt:secretKey:trustedComment:untrustedComment:)`.
    public static func sign(
        data: Data, secretKey: MinisignSecretKey, trustedComment: String,
        untrustedComment: String = defaultUntrustedComment
    ) throws -> String {
        try validateComments(trusted: trustedComment, untrusted: untrustedComment)
        return try makeSignature(
            digest: prehash(data: data), secretKey: secretKey, trustedComment: trustedComment,
            untrustedComment: untrustedComment)
    }

    /// Verifies the file at `url` against `signatureText` and returns the trusted comment.
    ///
    /// Follows minisign 0.11's order: parse the signature, reject a legacy one when `allowLegacy` is
    /// false (`minisign -V -H`), hash or load the file, compare key ids, check the file signature,
    /// then check the global signature. The trusted comment is returned only after all checks pass.
    public static func verify(
        fileAt url: URL, signatureText: String, publicKey: MinisignPublicKey, allowLegacy: Bool = true
    ) throws -> String {
        let parsed = try MinisignSignature(text: signatureText)
        if !parsed.isPrehashed && !allowLegacy { throw MinisignError.legacySignatureRejected }

        let message = parsed.isPrehashed
            ? try prehash(fileAt: url)
            : try SecureFiles.readFile(at: url, maximumBytes: maximumLegacyFileBytes)
        return try check(parsed, message: message, publicKey: publicKey, file: url.path)
    }

    /// Verifies `data` against `signatureText` and returns the trusted comment. Errors name the data `name`.
    public static func verify(
        data: Data, signatureText: String, publicKey: MinisignPublicKey, allowLegacy: Bool = true,
        name: String = "the data"
    ) throws -> String {
        let parsed = try MinisignSignature(text: signatureText)
        if !parsed.isPrehashed && !allowLegacy { throw MinisignError.legacySignatureRejected }

        let message = parsed.isPrehashed ? prehash(data: data) : [UInt8](data)
        return try check(parsed, message: message, publicKey: publicKey, file: name)
    }

    private static func check(
        _ parsed: MinisignSignature, message: [UInt8], publicKey: MinisignPublicKey, file: String
    ) throws -> String {
        guard parsed.keyID == publicKey.keyID else {
            throw MinisignError.keyIDMismatch(
                file: file, signatureKeyID: parsed.keyIDText, publicKeyID: publicKey.keyIDText)
        }
        guard Ed25519.verify(signature: parsed.signature, message: message, publicKey: publicKey.key) else {
            throw MinisignError.signatureVerificationFailed(file: file)
        }
        let globalMessage = parsed.signature + parsed.trustedCommentBytes
        guard Ed25519.verify(signature: parsed.globalSignature, message: globalMessage, publicKey: publicKey.key)
        else {
            throw MinisignError.commentSignatureVerificationFailed(file: file)
        }
        return parsed.trustedComment
    }

    private static func makeSignature(
        digest: [UInt8], secretKey: MinisignSecretKey, trustedComment: String, untrustedComment: String
    ) throws -> String {
        let signature = try Ed25519.sign(digest, secretKey: secretKey.secretKey)
        let commentBytes = Array(trustedComment.utf8)
        let globalSignature = try Ed25519.sign(signature + commentBytes, secretKey: secretKey.secretKey)

        let publicKey = secretKey.publicKey.key
        guard Ed25519.verify(signature: signature, message: digest, publicKey: publicKey),
            Ed25519.verify(signature: globalSignature, message: signature + commentBytes, publicKey: publicKey)
        else {
            throw MinisignError.signatureSelfCheckFailed
        }

        let result = MinisignSignature(
            isPrehashed: true, keyID: secretKey.keyID, signature: signature, untrustedComment: untrustedComment,
            trustedCommentBytes: commentBytes, globalSignature: globalSignature)
        return result.text
    }

    private static func validateComments(trusted: String, untrusted: String) throws {
        try MinisignText.validateComment(
            trusted, kind: "trusted", maximumBytes: MinisignSignature.maximumTrustedCommentBytes)
        try MinisignText.validateComment(
            untrusted, kind: "untrusted", maximumBytes: MinisignSignature.maximumUntrustedCommentBytes)
    }

    /// Computes BLAKE2b-512 of `data`.
    static func prehash(data: Data) -> [UInt8] {
        let hasher = BLAKE2b(outputLength: BLAKE2b.digest512Length)
        data.withUnsafeBytes { hasher.update($0) }
        return hasher.finalize()
    }

    /// Computes BLAKE2b-512 of the file at `url`, reading it in 64 KiB chunks.
    static func prehash(fileAt url: URL) throws -> [UInt8] {
        let hasher = BLAKE2b(outputLength: BLAKE2b.digest512Length)
        try FileChunks.forEach(in: url, chunkBytes: readChunkBytes) { hasher.update($0) }
        return hasher.finalize()
    }
}
