import DiagSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Encrypts and decrypts files in the age v1 format with X25519 recipients, readable by stock
/// `age -d -i KEY` and reading what `age -r` writes. ASCII armor, passphrases, SSH keys and plugins
/// are not supported.
///
/// A 16-byte file key is wrapped for each recipient with X25519, HKDF-SHA-256 and ChaCha20-Poly1305.
/// HMAC-SHA-256 authenticates the header. The payload is sealed in 64 KiB ChaCha20-Poly1305 chunks
/// whose nonce is a big-endian chunk counter and a final-chunk flag (the STREAM construction).
public enum AgeEncryption {
    static let chunkBytes = 64 * 1024
    static let fileKeyBytes = 16
    static let payloadNonceBytes = 16
    static let x25519StanzaType = "X25519"
    static let x25519Info = "age-encryption.org/v1/X25519"

    /// Encrypts the file at `url` to every recipient (`age1…`) and writes the result to `destination`.
    ///
    /// The output goes to a temporary file in the destination folder that replaces `destination` only
    /// when complete. Every recipient is checked before anything is written.
    public static func encrypt(fileAt url: URL, recipients: [String], to destination: URL) throws {
        guard !recipients.isEmpty else { throw AgeError.noRecipients }
        let recipientKeys = try recipients.map { try AgeKeys.recipientKey($0) }
        let input = try ByteReader(url: url)

        var fileKey = Sodium.randomBytes(fileKeyBytes)
        defer { Sodium.wipe(&fileKey) }
        var stanzas: [AgeHeader.Stanza] = []
        for recipient in recipientKeys {
            stanzas.append(try wrap(fileKey: fileKey, for: recipient))
        }
        let header = AgeHeader.serialize(stanzas)
        var macKey = try AgePrimitives.hkdf(inputKey: fileKey, salt: [], info: "header")
        defer { Sodium.wipe(&macKey) }
        let mac = try AgePrimitives.hmac(key: macKey, message: header)

        try writeAtomically(to: destination, mode: 0o644) { output in
            try output.write(header + Array(" \(Base64.encode(mac, padded: false))\n".utf8))
            let nonce = Sodium.randomBytes(payloadNonceBytes)
            try output.write(nonce)
            var payloadKey = try AgePrimitives.hkdf(inputKey: fileKey, salt: nonce, info: "payload")
            defer { Sodium.wipe(&payloadKey) }

            var index: UInt64 = 0
            while true {
                var chunk = try input.read(upTo: chunkBytes)
                defer { Sodium.wipe(&chunk) }
                let isFinal = try input.isAtEnd()
                let sealed = try chunk.withUnsafeBytes {
                    try AgePrimitives.seal($0, key: payloadKey, nonce: chunkNonce(index: index, isFinal: isFinal))
                }
                try output.write(sealed)
                if isFinal { return }
                index += 1
            }
        }
    }

    /// Decrypts the age file at `url` with `identity` and writes the plaintext to `destination` (mode 0600).
    ///
    /// `identity` is one `AGE-SECRET-KEY-1…` string or the text of an identity file. The plaintext is
    /// written to a temporary file that replaces `destination` only after the last chunk has been
    /// authenticated, so no unauthenticated or partial plaintext ever carries the destination name.
    public static func decrypt(fileAt url: URL, identity: String, to destination: URL) throws {
        var identities = try AgeKeys.identities(from: identity)
        defer { for index in identities.indices { Sodium.wipe(&identities[index]) } }
        let input = try ByteReader(url: url)
        let header = try AgeHeader.read(from: input)

        var fileKey = try unwrapFileKey(header: header, identities: identities, path: url.path)
        defer { Sodium.wipe(&fileKey) }
        var macKey = try AgePrimitives.hkdf(inputKey: fileKey, salt: [], info: "header")
        defer { Sodium.wipe(&macKey) }
        let expectedMAC = try AgePrimitives.hmac(key: macKey, message: header.authenticatedBytes)
        guard Sodium.constantTimeEqual(expectedMAC, header.mac) else { throw AgeError.badHeaderMAC(path: url.path) }

        let nonce = try input.read(upTo: payloadNonceBytes)
        guard nonce.count == payloadNonceBytes else { throw AgeError.truncatedPayload(path: url.path) }
        var payloadKey = try AgePrimitives.hkdf(inputKey: fileKey, salt: nonce, info: "payload")
        defer { Sodium.wipe(&payloadKey) }

        try writeAtomically(to: destination, mode: 0o600) { output in
            try decryptPayload(from: input, key: payloadKey, path: url.path, to: output)
        }
    }

    /// Creates an X25519 stanza that wraps `fileKey` for the recipient public key `recipient`.
    static func wrap(fileKey: [UInt8], for recipient: [UInt8]) throws -> AgeHeader.Stanza {
        var ephemeral = Sodium.randomBytes(AgePrimitives.keyLength)
        defer { Sodium.wipe(&ephemeral) }
        let share = try AgePrimitives.publicKey(of: ephemeral)
        guard var shared = AgePrimitives.sharedSecret(scalar: ephemeral, point: recipient) else {
            throw AgeError.lowOrderPoint
        }
        defer { Sodium.wipe(&shared) }
        var wrapKey = try AgePrimitives.hkdf(inputKey: shared, salt: share + recipient, info: x25519Info)
        defer { Sodium.wipe(&wrapKey) }
        let body = try fileKey.withUnsafeBytes {
            try AgePrimitives.seal($0, key: wrapKey, nonce: [UInt8](repeating: 0, count: AgePrimitives.nonceLength))
        }
        return AgeHeader.Stanza(type: x25519StanzaType, arguments: [Base64.encode(share, padded: false)], body: body)
    }

    /// Opens the first X25519 stanza that one of `identities` can open, skipping other stanza types.
    ///
    /// A malformed X25519 stanza or a low-order share is an error, as in age v1.1.1. A stanza that does
    /// not authenticate only means it was made for someone else.
    static func unwrapFileKey(header: AgeHeader, identities: [[UInt8]], path: String) throws -> [UInt8] {
        for stanza in header.stanzas where stanza.type == x25519StanzaType {
            guard stanza.arguments.count == 1,
                let share = Base64.decode(Array(stanza.arguments[0].utf8), expectedLength: 32, padded: false),
                stanza.body.count == fileKeyBytes + AgePrimitives.tagLength
            else {
                throw AgeError.invalidHeader(path: path, reason: "an X25519 stanza has the wrong argument or body size")
            }
            for identity in identities {
                guard var shared = AgePrimitives.sharedSecret(scalar: identity, point: share) else {
                    throw AgeError.lowOrderPoint
                }
                defer { Sodium.wipe(&shared) }
                let recipient = try AgePrimitives.publicKey(of: identity)
                var wrapKey = try AgePrimitives.hkdf(inputKey: shared, salt: share + recipient, info: x25519Info)
                defer { Sodium.wipe(&wrapKey) }
                let zeroNonce = [UInt8](repeating: 0, count: AgePrimitives.nonceLength)
                if let fileKey = stanza.body.withUnsafeBytes({ AgePrimitives.open($0, key: wrapKey, nonce: zeroNonce) }),
                    fileKey.count == fileKeyBytes
                {
                    return fileKey
                }
            }
        }
        throw AgeError.noMatchingIdentity(path: path)
    }

    /// Returns the 12-byte STREAM nonce: the chunk index as an 88-bit big-endian counter, then 1 for
    /// the final chunk or 0 for the others.
    static func chunkNonce(index: UInt64, isFinal: Bool) -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: AgePrimitives.nonceLength)
        for byte in 0..<8 { nonce[10 - byte] = UInt8(truncatingIfNeeded: index >> (8 * UInt64(byte))) }
        nonce[11] = isFinal ? 1 : 0
        return nonce
    }

    /// Writes through `body` to a temporary file beside `destination`, then syncs, closes and renames it.
    /// On any failure the temporary file is removed and `destination` is left as it was.
    private static func writeAtomically(to destination: URL, mode: mode_t, _ body: (WritableFile) throws -> Void) throws {
        let output = try SecureFiles.createTemporaryFile(besides: destination, mode: mode)
        do {
            try body(output)
            try output.close()
            try SecureFiles.moveIntoPlace(output.url, to: destination)
        } catch {
            _ = unlink(output.url.path)
            throw error
        }
    }
}
