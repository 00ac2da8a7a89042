import CSodium
import Foundation

/// The libsodium primitives the rest of waka-diag uses. Every call checks libsodium's return code:
/// only the documented success value (0) counts as success.
public enum Sodium {
    private static let initialized: Bool = sodium_init() >= 0

    /// Initializes libsodium once per process; `sodium_init` returns 1 when it already ran, which is fine.
    public static func ensureInitialized() {
        precondition(initialized, "sodium_init failed: libsodium cannot be used on this system")
    }

    /// `count` bytes from libsodium's CSPRNG (`randombytes_buf`).
    public static func randomBytes(_ count: Int) -> [UInt8] {
        ensureInitialized()
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, count) }
        return bytes
    }

    /// SHA-256 of `data` (`crypto_hash_sha256`).
    public static func sha256(_ data: some ContiguousBytes) -> [UInt8] {
        ensureInitialized()
        var digest = [UInt8](repeating: 0, count: Int(crypto_hash_sha256_BYTES))
        data.withUnsafeBytes { input in
            _ = crypto_hash_sha256(&digest, input.bindMemory(to: UInt8.self).baseAddress, UInt64(input.count))
        }
        return digest
    }

    /// HMAC-SHA-256 of `message` under `key` (`crypto_auth_hmacsha256_init/update/final`, any key length).
    public static func hmacSHA256(key: [UInt8], message: some ContiguousBytes) -> [UInt8] {
        ensureInitialized()
        var state = crypto_auth_hmacsha256_state()
        var mac = [UInt8](repeating: 0, count: Int(crypto_auth_hmacsha256_BYTES))
        _ = crypto_auth_hmacsha256_init(&state, key, key.count)
        message.withUnsafeBytes { input in
            _ = crypto_auth_hmacsha256_update(
                &state, input.bindMemory(to: UInt8.self).baseAddress, UInt64(input.count))
        }
        _ = crypto_auth_hmacsha256_final(&state, &mac)
        sodium_memzero(&state, MemoryLayout<crypto_auth_hmacsha256_state>.size)
        return mac
    }

    /// Compares two byte strings in constant time for equal lengths (`sodium_memcmp`).
    public static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return sodium_memcmp(lhs, rhs, lhs.count) == 0
    }

    /// Overwrites `bytes` with zeros in a way the compiler does not remove (`sodium_memzero`).
    public static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { if let base = $0.baseAddress { sodium_memzero(base, $0.count) } }
    }
}

/// Incremental SHA-256 for streaming large files (`crypto_hash_sha256_init/update/final`).
public struct SHA256Stream {
    private var state = crypto_hash_sha256_state()

    public init() {
        Sodium.ensureInitialized()
        _ = crypto_hash_sha256_init(&state)
    }

    public mutating func update(_ data: some ContiguousBytes) {
        data.withUnsafeBytes { input in
            _ = crypto_hash_sha256_update(&state, input.bindMemory(to: UInt8.self).baseAddress, UInt64(input.count))
        }
    }

    public mutating func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(crypto_hash_sha256_BYTES))
        _ = crypto_hash_sha256_final(&state, &digest)
        return digest
    }
}

extension Array where Element == UInt8 {
    /// Lower-case hexadecimal text of the bytes.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses lower- or upper-case hexadecimal text; nil when the text is not whole bytes of hex digits.
    public init?(hex: String) {
        let bytes = Array(hex.utf8)
        guard bytes.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count / 2)
        func value(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 0x30...0x39: return byte - 0x30
            case 0x41...0x46: return byte - 0x41 + 10
            case 0x61...0x66: return byte - 0x61 + 10
            default: return nil
            }
        }
        var index = 0
        while index < bytes.count {
            guard let high = value(bytes[index]), let low = value(bytes[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        self = out
    }
}
