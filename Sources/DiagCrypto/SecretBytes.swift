import CSodium
import DiagSupport

/// A fixed-size buffer of secret bytes in `sodium_malloc` memory, which libsodium surrounds with guard
/// pages and locks against swapping where the system allows it.
///
/// `deinit` releases it with `sodium_free`, which overwrites the bytes before freeing them. Copies the
/// caller makes with `copyBytes()` are the caller's to wipe.
final class SecretBytes {
    let count: Int
    private let pointer: UnsafeMutableRawPointer

    /// Allocates `count` zeroed bytes.
    init(count: Int) throws {
        precondition(count > 0, "SecretBytes needs at least one byte")
        Sodium.ensureInitialized()
        guard let pointer = sodium_malloc(count) else {
            throw MinisignError.secureMemoryUnavailable(bytes: count)
        }
        sodium_memzero(pointer, count)
        self.count = count
        self.pointer = pointer
    }

    /// Allocates a buffer holding a copy of `bytes`.
    convenience init(copying bytes: some Collection<UInt8>) throws {
        try self.init(count: bytes.count)
        var index = 0
        for byte in bytes {
            pointer.storeBytes(of: byte, toByteOffset: index, as: UInt8.self)
            index += 1
        }
    }

    deinit {
        sodium_free(pointer)
    }

    func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    func withUnsafeMutableBytes<Result>(_ body: (UnsafeMutableRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeMutableRawBufferPointer(start: pointer, count: count))
    }

    /// Returns a plain array copy of `range`, which the caller wipes with `Sodium.wipe` when done.
    func copyBytes(_ range: Range<Int>? = nil) -> [UInt8] {
        let range = range ?? 0..<count
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range outside the secret buffer")
        return Array(UnsafeRawBufferPointer(start: pointer + range.lowerBound, count: range.count))
    }

    /// Compares the contents with `other` in constant time (`sodium_memcmp`).
    func constantTimeEquals(_ other: SecretBytes) -> Bool {
        guard count == other.count else { return false }
        return other.withUnsafeBytes { sodium_memcmp(pointer, $0.baseAddress!, count) == 0 }
    }
}
