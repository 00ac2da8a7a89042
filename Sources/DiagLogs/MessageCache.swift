#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The miner entries of recently added raw messages, so a message seen before skips masking.
///
/// Real logs repeat messages word for word (`payment authorized`, `upstream timeout`), and
/// masking is the costliest step of adding one. The cache is direct-mapped: each raw message of
/// at most `slotBytes` bytes has one slot chosen by its hash, and a new message replaces the one
/// there. Its memory is fixed (`slotCount` times `slotBytes` bytes), whatever the input.
struct MessageCache {
    static let slotCount = 4096
    static let slotBytes = 128

    /// The hash of each slot's message, 0 for an empty slot.
    private var hashes = [UInt64](repeating: 0, count: slotCount)
    private var lengths = [Int32](repeating: 0, count: slotCount)
    private var entries = [Int32](repeating: -1, count: slotCount)
    private var slab = [UInt8](repeating: 0, count: slotCount * slotBytes)

    /// Returns the hash under which `bytes[start..<end]` is found and stored, which is never 0.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt64 {
        KeyTable.hash(UnsafeBufferPointer(rebasing: bytes[start..<end])) | 1
    }

    /// Returns the entry stored for the message in `bytes[start..<end]`, or nil.
    func entry(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, hash: UInt64) -> Int? {
        let length = end - start
        guard length <= Self.slotBytes else { return nil }
        let slot = Int(truncatingIfNeeded: hash >> 20) & (Self.slotCount - 1)
        guard hashes[slot] == hash, lengths[slot] == Int32(length) else { return nil }
        let equal = slab.withUnsafeBufferPointer { stored in
            length == 0 || memcmp(stored.baseAddress! + slot * Self.slotBytes, bytes.baseAddress! + start, length) == 0
        }
        return equal ? Int(entries[slot]) : nil
    }

    /// Stores `entry` for the message in `bytes[start..<end]` unless the message is too long.
    mutating func store(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, hash: UInt64, entry: Int) {
        let length = end - start
        guard length <= Self.slotBytes else { return }
        let slot = Int(truncatingIfNeeded: hash >> 20) & (Self.slotCount - 1)
        hashes[slot] = hash
        lengths[slot] = Int32(length)
        entries[slot] = Int32(entry)
        slab.withUnsafeMutableBufferPointer { stored in
            if length > 0 {
                _ = memcpy(stored.baseAddress! + slot * Self.slotBytes, bytes.baseAddress! + start, length)
            }
        }
    }
}
