import DiagSupport

/// An unencrypted minisign secret key: the key id and libsodium's 64-byte Ed25519 secret key
/// (seed ‖ public key), kept in `sodium_malloc` memory that is wiped and freed when the key is released.
///
/// The file's second line is base64 of 158 bytes: `"Ed"`, `kdf_alg` `00 00`, `"B2"`, a 32-byte salt,
/// two 8-byte scrypt limits, the key id, the 64-byte secret key and a 32-byte BLAKE2b-256 checksum of
/// `"Ed"` ‖ key id ‖ secret key. Password-protected keys (`kdf_alg` `"Sc"`) are rejected.
public final class MinisignSecretKey {
    /// The key id, in the byte order stored in files.
    public let keyID: [UInt8]
    /// The matching public key, taken from the second half of the secret key.
    public let publicKey: MinisignPublicKey
    let secretKey: SecretBytes

    static let binaryLength = 158
    static let keyDerivationNone: [UInt8] = [0, 0]
    static let keyDerivationScrypt: [UInt8] = Array("Sc".utf8)
    static let checksumAlgorithm: [UInt8] = Array("B2".utf8)
    static let fileComment = "minisign unencrypted secret key"

    /// Takes ownership of `secretKey` after checking that its public half matches its seed.
    init(keyID: [UInt8], secretKey: SecretBytes, source: String) throws {
        guard keyID.count == MinisignPublicKey.keyIDLength, secretKey.count == Ed25519.secretKeyLength else {
            throw MinisignError.invalidSecretKey(source: source, reason: "wrong key id or secret key length")
        }
        let storedPublicKey = secretKey.copyBytes(Ed25519.seedLength..<Ed25519.secretKeyLength)
        let derivedPublicKey = try Ed25519.publicKey(derivedFrom: secretKey)
        guard Sodium.constantTimeEqual(storedPublicKey, derivedPublicKey) else {
            throw MinisignError.invalidSecretKey(
                source: source, reason: "the public key stored in it does not match its seed; the file is damaged")
        }
        self.keyID = keyID
        self.secretKey = secretKey
        self.publicKey = try MinisignPublicKey(keyID: keyID, key: storedPublicKey)
    }

    /// Creates a new key with a random key id (`randombytes_buf`) and key pair (`crypto_sign_keypair`).
    public static func generate() throws -> MinisignSecretKey {
        let keyID = Sodium.randomBytes(MinisignPublicKey.keyIDLength)
        let pair = try Ed25519.generateKeyPair()
        return try MinisignSecretKey(keyID: keyID, secretKey: pair.secretKey, source: "a new key")
    }

    /// Parses the bytes of a secret key file. Error messages name the file `source`.
    ///
    /// Like minisign 0.11, the comment line is not checked, CRLF line ends are accepted, and salt and
    /// limits are ignored for an unencrypted key. An all-zero checksum, which `minisign -G -W` writes,
    /// is accepted, and any other checksum must match.
    public convenience init(fileBytes: [UInt8], source: String) throws {
        let lines = MinisignText.lines(fileBytes)
        guard lines.count >= 2 else {
            throw MinisignError.invalidSecretKey(
                source: source, reason: "expected 2 lines (an untrusted comment and the key), found \(lines.count)")
        }
        guard lines[0].lengthWithNewline < MinisignText.commentLineBuffer else {
            throw MinisignError.invalidSecretKey(source: source, reason: "the comment line is longer than 1022 bytes")
        }
        guard var bytes = Base64.decode(lines[1].content, expectedLength: Self.binaryLength) else {
            throw MinisignError.invalidSecretKey(
                source: source, reason: "the key line is not base64 of 158 bytes (212 characters starting with RW)")
        }
        defer { Sodium.wipe(&bytes) }

        guard Array(bytes[0..<2]) == MinisignPublicKey.algorithm else {
            throw MinisignError.invalidSecretKey(source: source, reason: "unsupported signature algorithm")
        }
        let keyDerivation = Array(bytes[2..<4])
        if keyDerivation == Self.keyDerivationScrypt {
            throw MinisignError.encryptedSecretKey(source: source)
        }
        guard keyDerivation == Self.keyDerivationNone else {
            throw MinisignError.invalidSecretKey(source: source, reason: "unsupported key derivation function")
        }
        guard Array(bytes[4..<6]) == Self.checksumAlgorithm else {
            throw MinisignError.invalidSecretKey(source: source, reason: "unsupported checksum function")
        }

        let keyID = Array(bytes[54..<62])
        let secretKey = try SecretBytes(copying: bytes[62..<126])
        let storedChecksum = Array(bytes[126..<158])
        if storedChecksum.contains(where: { $0 != 0 }) {
            var expected = Self.checksum(keyID: keyID, secretKey: secretKey)
            defer { Sodium.wipe(&expected) }
            guard Sodium.constantTimeEqual(storedChecksum, expected) else {
                throw MinisignError.invalidSecretKey(source: source, reason: "the checksum does not match; the file is damaged")
            }
        }
        try self.init(keyID: keyID, secretKey: secretKey, source: source)
    }

    /// Returns the file bytes of this key, unencrypted and with a correct checksum.
    ///
    /// The result holds the secret key in base64: wipe it with `Sodium.wipe` after writing it.
    public func fileBytes() -> [UInt8] {
        // Capacity is reserved up front so that appending never reallocates and leaves unwiped copies.
        var binary: [UInt8] = []
        binary.reserveCapacity(Self.binaryLength)
        binary += MinisignPublicKey.algorithm + Self.keyDerivationNone + Self.checksumAlgorithm
        binary += [UInt8](repeating: 0, count: 32 + 8 + 8)
        binary += keyID
        secretKey.withUnsafeBytes { binary.append(contentsOf: $0) }
        binary += Self.checksum(keyID: keyID, secretKey: secretKey)

        var line = binary.withUnsafeBytes { Base64.encodedBytes($0) }
        Sodium.wipe(&binary)
        let comment = Array("untrusted comment: \(Self.fileComment)\n".utf8)
        var result: [UInt8] = []
        result.reserveCapacity(comment.count + line.count + 1)
        result += comment
        result += line
        result.append(0x0A)
        Sodium.wipe(&line)
        return result
    }

    /// Computes BLAKE2b-256 of `"Ed"` ‖ key id ‖ secret key, the checksum minisign stores in key files.
    static func checksum(keyID: [UInt8], secretKey: SecretBytes) -> [UInt8] {
        MinisignPublicKey.algorithm.withUnsafeBytes { algorithm in
            keyID.withUnsafeBytes { id in
                secretKey.withUnsafeBytes { secret in
                    BLAKE2b.hash([algorithm, id, secret], outputLength: BLAKE2b.digest256Length)
                }
            }
        }
    }
}
