import CSodium
import DiagSupport

/// Streaming unkeyed BLAKE2b (`crypto_generichash_init/update/final`) with a chosen output length.
///
/// libsodium declares the state with 64-byte alignment, and Swift does not promise that alignment
/// for an imported struct, so the state lives in memory allocated with that alignment.
final class BLAKE2b {
    /// BLAKE2b-512, the digest minisign's prehashed ("ED") signatures cover.
    static let digest512Length = Int(crypto_generichash_BYTES_MAX)
    /// BLAKE2b-256, the digest in a minisign secret key's checksum.
    static let digest256Length = Int(crypto_generichash_BYTES)

    private let state: UnsafeMutableRawPointer
    private let stateSize: Int
    private let outputLength: Int
    private var finished = false

    init(outputLength: Int) {
        precondition(
            outputLength >= Int(crypto_generichash_BYTES_MIN) && outputLength <= Int(crypto_generichash_BYTES_MAX),
            "BLAKE2b output length \(outputLength) is outside libsodium's 16...64")
        Sodium.ensureInitialized()
        self.outputLength = outputLength
        stateSize = crypto_generichash_statebytes()
        state = UnsafeMutableRawPointer.allocate(byteCount: stateSize, alignment: 64)
        let status = crypto_generichash_init(
            OpaquePointer(state), nil, 0, outputLength)
        precondition(status == 0, "crypto_generichash_init failed for a valid output length")
    }

    deinit {
        sodium_memzero(state, stateSize)
        state.deallocate()
    }

    func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(!finished, "BLAKE2b.update after finalize")
        guard bytes.count > 0 else { return }
        let status = crypto_generichash_update(
            OpaquePointer(state),
            bytes.bindMemory(to: UInt8.self).baseAddress, UInt64(bytes.count))
        precondition(status == 0, "crypto_generichash_update failed")
    }

    func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Returns the digest. The hasher cannot be used afterwards.
    func finalize() -> [UInt8] {
        precondition(!finished, "BLAKE2b.finalize called twice")
        finished = true
        var digest = [UInt8](repeating: 0, count: outputLength)
        let status = crypto_generichash_final(
            OpaquePointer(state), &digest, outputLength)
        precondition(status == 0, "crypto_generichash_final failed")
        return digest
    }

    /// Hashes `parts` one after the other in one pass.
    static func hash(_ parts: [UnsafeRawBufferPointer], outputLength: Int) -> [UInt8] {
        let hasher = BLAKE2b(outputLength: outputLength)
        for part in parts { hasher.update(part) }
        return hasher.finalize()
    }
}
