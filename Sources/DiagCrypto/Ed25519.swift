import CSodium
import DiagSupport

/// Ed25519 through libsodium's `crypto_sign_*` calls, with libsodium's 64-byte secret keys (seed ‖ public key).
enum Ed25519 {
    static let publicKeyLength = Int(crypto_sign_PUBLICKEYBYTES)
    static let secretKeyLength = Int(crypto_sign_SECRETKEYBYTES)
    static let seedLength = Int(crypto_sign_SEEDBYTES)
    static let signatureLength = Int(crypto_sign_BYTES)

    /// Creates a random key pair (`crypto_sign_keypair`).
    static func generateKeyPair() throws -> (publicKey: [UInt8], secretKey: SecretBytes) {
        Sodium.ensureInitialized()
        var publicKey = [UInt8](repeating: 0, count: publicKeyLength)
        let secretKey = try SecretBytes(count: secretKeyLength)
        let status = secretKey.withUnsafeMutableBytes { secret in
            crypto_sign_keypair(&publicKey, secret.bindMemory(to: UInt8.self).baseAddress!)
        }
        guard status == 0 else { throw MinisignError.libsodiumFailed(call: "crypto_sign_keypair") }
        return (publicKey, secretKey)
    }

    /// Derives the public key from the seed half of `secretKey` (`crypto_sign_seed_keypair`).
    static func publicKey(derivedFrom secretKey: SecretBytes) throws -> [UInt8] {
        precondition(secretKey.count == secretKeyLength, "Ed25519 secret keys are 64 bytes")
        var publicKey = [UInt8](repeating: 0, count: publicKeyLength)
        let rebuilt = try SecretBytes(count: secretKeyLength)
        let status = secretKey.withUnsafeBytes { secret in
            rebuilt.withUnsafeMutableBytes { output in
                crypto_sign_seed_keypair(
                    &publicKey, output.bindMemory(to: UInt8.self).baseAddress!,
                    secret.bindMemory(to: UInt8.self).baseAddress!)
            }
        }
        guard status == 0 else { throw MinisignError.libsodiumFailed(call: "crypto_sign_seed_keypair") }
        return publicKey
    }

    /// Signs `message` (`crypto_sign_detached`) and returns the 64-byte signature.
    static func sign(_ message: UnsafeRawBufferPointer, secretKey: SecretBytes) throws -> [UInt8] {
        precondition(secretKey.count == secretKeyLength, "Ed25519 secret keys are 64 bytes")
        var signature = [UInt8](repeating: 0, count: signatureLength)
        var signatureLengthOut: UInt64 = 0
        let status = withNonNullBase(message) { messagePointer in
            secretKey.withUnsafeBytes { secret in
                crypto_sign_detached(
                    &signature, &signatureLengthOut, messagePointer, UInt64(message.count),
                    secret.bindMemory(to: UInt8.self).baseAddress!)
            }
        }
        guard status == 0, signatureLengthOut == UInt64(signatureLength) else {
            throw MinisignError.libsodiumFailed(call: "crypto_sign_detached")
        }
        return signature
    }

    static func sign(_ message: [UInt8], secretKey: SecretBytes) throws -> [UInt8] {
        try message.withUnsafeBytes { try sign($0, secretKey: secretKey) }
    }

    /// Checks `signature` over `message` (`crypto_sign_verify_detached`, which returns 0 only for a valid one).
    static func verify(signature: [UInt8], message: UnsafeRawBufferPointer, publicKey: [UInt8]) -> Bool {
        guard signature.count == signatureLength, publicKey.count == publicKeyLength else { return false }
        Sodium.ensureInitialized()
        let status = withNonNullBase(message) { messagePointer in
            crypto_sign_verify_detached(signature, messagePointer, UInt64(message.count), publicKey)
        }
        return status == 0
    }

    static func verify(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        message.withUnsafeBytes { verify(signature: signature, message: $0, publicKey: publicKey) }
    }
}

/// Calls `body` with the buffer's base address, or with a pointer to a placeholder byte when the
/// buffer is empty and has none, because libsodium declares its message pointers non-null.
func withNonNullBase<Result>(
    _ buffer: UnsafeRawBufferPointer, _ body: (UnsafePointer<UInt8>) throws -> Result
) rethrows -> Result {
    if let base = buffer.bindMemory(to: UInt8.self).baseAddress { return try body(base) }
    var placeholder: UInt8 = 0
    return try withUnsafePointer(to: &placeholder) { try body($0) }
}
