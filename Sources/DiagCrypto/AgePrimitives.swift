import CSodium
import DiagSupport

/// The libsodium 1.0.18 calls age v1 needs: X25519, HKDF-SHA-256 built from HMAC-SHA-256, and IETF
/// ChaCha20-Poly1305. Only a return value of 0 counts as success.
enum AgePrimitives {
    static let keyLength = 32
    static let tagLength = Int(crypto_aead_chacha20poly1305_ietf_ABYTES)
    static let nonceLength = Int(crypto_aead_chacha20poly1305_ietf_NPUBBYTES)

    /// Returns X25519(`scalar`, base point) (`crypto_scalarmult_base`).
    static func publicKey(of scalar: [UInt8]) throws -> [UInt8] {
        precondition(scalar.count == keyLength, "X25519 scalars are 32 bytes")
        Sodium.ensureInitialized()
        var point = [UInt8](repeating: 0, count: keyLength)
        guard crypto_scalarmult_base(&point, scalar) == 0 else {
            throw AgeError.libsodiumFailed(call: "crypto_scalarmult_base")
        }
        return point
    }

    /// Returns X25519(`scalar`, `point`) (`crypto_scalarmult`), or nil for a low-order point, for
    /// which libsodium returns -1 and the shared secret would be all zeros.
    static func sharedSecret(scalar: [UInt8], point: [UInt8]) -> [UInt8]? {
        precondition(scalar.count == keyLength && point.count == keyLength, "X25519 inputs are 32 bytes")
        Sodium.ensureInitialized()
        var secret = [UInt8](repeating: 0, count: keyLength)
        guard crypto_scalarmult(&secret, scalar, point) == 0 else { return nil }
        return secret
    }

    /// Computes HMAC-SHA-256 with a key of any length (`crypto_auth_hmacsha256_init/update/final`).
    static func hmac(key: [UInt8], message: [UInt8]) throws -> [UInt8] {
        Sodium.ensureInitialized()
        var state = crypto_auth_hmacsha256_state()
        defer { sodium_memzero(&state, MemoryLayout<crypto_auth_hmacsha256_state>.size) }
        var mac = [UInt8](repeating: 0, count: Int(crypto_auth_hmacsha256_BYTES))
        // The init call is declared non-null, so an empty key is passed as a pointer to a zero byte.
        let keyBytes = key.isEmpty ? [0] : key
        guard crypto_auth_hmacsha256_init(&state, keyBytes, key.count) == 0,
            crypto_auth_hmacsha256_update(&state, message.isEmpty ? [0] : message, UInt64(message.count)) == 0,
            crypto_auth_hmacsha256_final(&state, &mac) == 0
        else {
            throw AgeError.libsodiumFailed(call: "crypto_auth_hmacsha256")
        }
        return mac
    }

    /// Derives 32 bytes with HKDF-SHA-256 (RFC 5869): one Extract and the first Expand block, which
    /// is all age needs. An empty salt means 32 zero bytes, the RFC's default, as age uses it.
    static func hkdf(inputKey: [UInt8], salt: [UInt8], info: [UInt8]) throws -> [UInt8] {
        var pseudorandomKey = try hmac(key: salt.isEmpty ? [UInt8](repeating: 0, count: 32) : salt, message: inputKey)
        defer { Sodium.wipe(&pseudorandomKey) }
        return try hmac(key: pseudorandomKey, message: info + [0x01])
    }

    static func hkdf(inputKey: [UInt8], salt: [UInt8], info: String) throws -> [UInt8] {
        try hkdf(inputKey: inputKey, salt: salt, info: Array(info.utf8))
    }

    /// Seals `plaintext` (`crypto_aead_chacha20poly1305_ietf_encrypt`, no associated data) and
    /// returns ciphertext ‖ 16-byte tag.
    static func seal(_ plaintext: UnsafeRawBufferPointer, key: [UInt8], nonce: [UInt8]) throws -> [UInt8] {
        precondition(key.count == keyLength && nonce.count == nonceLength, "ChaCha20-Poly1305 key or nonce size")
        var sealed = [UInt8](repeating: 0, count: plaintext.count + tagLength)
        var sealedLength: UInt64 = 0
        let status = withNonNullBase(plaintext) { input in
            crypto_aead_chacha20poly1305_ietf_encrypt(
                &sealed, &sealedLength, input, UInt64(plaintext.count), nil, 0, nil, nonce, key)
        }
        guard status == 0, sealedLength == UInt64(sealed.count) else {
            throw AgeError.libsodiumFailed(call: "crypto_aead_chacha20poly1305_ietf_encrypt")
        }
        return sealed
    }

    /// Opens ciphertext ‖ tag (`crypto_aead_chacha20poly1305_ietf_decrypt`), or returns nil when the
    /// tag does not verify under `key` and `nonce`.
    static func open(_ sealed: UnsafeRawBufferPointer, key: [UInt8], nonce: [UInt8]) -> [UInt8]? {
        precondition(key.count == keyLength && nonce.count == nonceLength, "ChaCha20-Poly1305 key or nonce size")
        guard sealed.count >= tagLength else { return nil }
        var plaintext = [UInt8](repeating: 0, count: max(sealed.count - tagLength, 1))
        var plaintextLength: UInt64 = 0
        let status = crypto_aead_chacha20poly1305_ietf_decrypt(
            &plaintext, &plaintextLength, nil, sealed.bindMemory(to: UInt8.self).baseAddress!, UInt64(sealed.count),
            nil, 0, nonce, key)
        guard status == 0 else { return nil }
        return Array(plaintext.prefix(Int(plaintextLength)))
    }
}
