/// An open-addressing hash table from masked keys (byte strings) to entry numbers.
///
/// Keys are copied once into one byte arena, so a lookup of a key already stored allocates nothing.
/// That lookup runs once per line.
struct KeyTable {
    private var slots: [Int32]
    private var mask: Int
    private var arena: [UInt8] = []
    private var keyStarts: [Int] = []
    private var keyHashes: [UInt64] = []

    init(expectedCount: Int) {
        var size = 16
        while size < expectedCount * 2 { size <<= 1 }
        slots = Array(repeating: -1, count: size)
        mask = size - 1
        keyStarts.append(0)
    }

    var count: Int { keyHashes.count }

    /// Returns the bytes of key number `entry`.
    func key(_ entry: Int) -> ArraySlice<UInt8> { arena[keyStarts[entry]..<keyStarts[entry + 1]] }

    /// Returns the entry number of `key`, or nil when it is not stored.
    func find(_ key: [UInt8], hash: UInt64) -> Int? {
        key.withUnsafeBufferPointer { find($0, hash: hash) }
    }

    /// Returns the entry number of `key`, or nil when it is not stored.
    func find(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int? {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = Int(slots[slot])
            if entry < 0 { return nil }
            if keyHashes[entry] == hash, matches(entry, key) { return entry }
            slot = (slot + 1) & mask
        }
    }

    /// Stores `key`, which must not be stored yet, and returns its entry number.
    mutating func insert(_ key: [UInt8], hash: UInt64) -> Int {
        key.withUnsafeBufferPointer { insert($0, hash: hash) }
    }

    /// Stores `key`, which must not be stored yet, and returns its entry number.
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int {
        if (keyHashes.count + 1) * 2 > slots.count { grow() }
        let entry = keyHashes.count
        arena.append(contentsOf: key)
        keyStarts.append(arena.count)
        keyHashes.append(hash)
        place(entry, hash: hash)
        return entry
    }

    /// Returns the hash of `key`, as the buffer overload computes it.
    static func hash(_ key: [UInt8]) -> UInt64 {
        key.withUnsafeBufferPointer { hash($0) }
    }

    /// Returns a hash of `key` that reads it eight bytes at a time.
    ///
    /// Each word is mixed with a multiply and a shift, and the length goes in last, so keys that
    /// differ only in trailing zero bytes hash apart. A key of eight bytes or more ends with its
    /// last eight bytes as one word, and only shorter keys are read byte by byte. The hash is not
    /// meant to resist chosen inputs, because a table contains at most the miner's capacity of
    /// keys and probing stays linear.
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15
        guard let base = key.baseAddress else { return hash }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        while offset + 8 <= key.count {
            hash = mix(hash, raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        if offset < key.count, key.count >= 8 {
            // The last eight bytes, overlapping the last whole word, so the tail needs no byte loop.
            hash = mix(hash, raw.loadUnaligned(fromByteOffset: key.count - 8, as: UInt64.self))
        } else if offset < key.count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while offset < key.count {
                tail |= UInt64(key[offset]) << shift
                shift += 8
                offset += 1
            }
            hash = mix(hash, tail)
        }
        return mix(hash, UInt64(key.count))
    }

    @inline(__always) private static func mix(_ hash: UInt64, _ word: UInt64) -> UInt64 {
        var value = (hash ^ word) &* 0xBF58_476D_1CE4_E5B9
        value ^= value >> 31
        return value
    }

    private func matches(_ entry: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = keyStarts[entry]
        let end = keyStarts[entry + 1]
        guard end - start == key.count else { return false }
        guard !key.isEmpty else { return true }
        return arena.withUnsafeBufferPointer { stored in
            memcmp(stored.baseAddress! + start, key.baseAddress!, key.count) == 0
        }
    }

    private mutating func place(_ entry: Int, hash: UInt64) {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(entry)
    }

    private mutating func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for entry in 0..<keyHashes.count { place(entry, hash: keyHashes[entry]) }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
