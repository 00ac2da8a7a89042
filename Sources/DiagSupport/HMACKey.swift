import CSodium

/// An HMAC-SHA-256 key whose inner and outer pads are hashed once, when it is made.
///
/// `Sodium.hmacSHA256` hashes both pads of the key on every call, which is half the work for a
/// short message. A pseudonymizer authenticates many short messages under one key, so it keeps
/// the prepared state and copies it for each message. The output equals
/// `Sodium.hmacSHA256(key:message:)` for the same key and message. The state is wiped when the
/// key is released. Thread-safe: every call works on its own copy.
public final class HMACKey: @unchecked Sendable {
    private let prepared: UnsafeMutablePointer<crypto_auth_hmacsha256_state>

    public init(_ key: [UInt8]) {
        Sodium.ensureInitialized()
        prepared = .allocate(capacity: 1)
        prepared.initialize(to: crypto_auth_hmacsha256_state())
        _ = crypto_auth_hmacsha256_init(prepared, key, key.count)
    }

    deinit {
        sodium_memzero(prepared, MemoryLayout<crypto_auth_hmacsha256_state>.size)
        prepared.deallocate()
    }

    /// Returns the 32-byte HMAC of the concatenation of `parts`.
    public func authenticate(_ parts: UnsafeRawBufferPointer...) -> [UInt8] {
        var state = prepared.pointee
        for part in parts where !part.isEmpty {
            _ = crypto_auth_hmacsha256_update(
                &state, part.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(part.count))
        }
        var mac = [UInt8](repeating: 0, count: Int(crypto_auth_hmacsha256_BYTES))
        _ = crypto_auth_hmacsha256_final(&state, &mac)
        sodium_memzero(&state, MemoryLayout<crypto_auth_hmacsha256_state>.size)
        return mac
    }

    /// Returns the 32-byte HMAC of `message`.
    public func authenticate(_ message: [UInt8]) -> [UInt8] {
        message.withUnsafeBytes { authenticate($0) }
    }
}
