/// Counts, first and last times and bucket counts per (entry, service, level), in flat arrays.
///
/// At most `capacity` counters exist; lines for a further combination are only counted in
/// `droppedLines`, so memory stays bounded whatever the input. Keys are found through an
/// open-addressing table of packed keys, which costs less per line than a `Dictionary`'s hashing.
struct ErrorCounters {
    struct Key: Hashable {
        /// The miner entry, or -1 for lines the miner counted as other.
        var entry: Int32
        /// The service number, -1 for none and -2 for services beyond the service capacity.
        var service: Int32
        /// The `LogLevel.rank`, or -1 for lines without a level.
        var level: Int8

        /// Returns the key as one number, which no other key shares.
        var packed: UInt64 {
            UInt64(UInt32(bitPattern: entry)) << 32 | UInt64(UInt32(bitPattern: service) & 0x00FF_FFFF) << 8
                | UInt64(UInt8(bitPattern: level))
        }
    }

    let bucketCount: Int
    let capacity: Int
    /// The line count and the first and last times of one counter, kept together so that a line
    /// writes one array element.
    struct Total {
        var count = 0
        var firstSeen = Double.infinity
        var lastSeen = -Double.infinity
    }

    private(set) var keys: [Key] = []
    private(set) var totals: [Total] = []
    private(set) var buckets: [Int] = []
    private(set) var droppedLines = 0
    /// Counter numbers by packed key, -1 for an empty slot. The size is a power of two.
    private var slots = [Int32](repeating: -1, count: 64)
    private var packedKeys: [UInt64] = []
    /// The packed key and counter number of the last line, since neighbouring lines often share them.
    private var lastPacked = UInt64.max
    private var lastNumber = 0

    init(bucketCount: Int, capacity: Int) {
        self.bucketCount = bucketCount
        self.capacity = capacity
    }

    mutating func add(_ key: Key, timestamp: Double?, bucket: Int?) {
        let packed = key.packed
        guard packed != lastPacked else {
            count(lastNumber, timestamp: timestamp, bucket: bucket)
            return
        }
        var slot = Self.slot(of: packed, mask: slots.count - 1)
        while slots[slot] >= 0, packedKeys[Int(slots[slot])] != packed { slot = (slot + 1) & (slots.count - 1) }
        let number: Int
        if slots[slot] >= 0 {
            number = Int(slots[slot])
        } else {
            guard keys.count < capacity else {
                droppedLines += 1
                return
            }
            number = keys.count
            slots[slot] = Int32(number)
            keys.append(key)
            packedKeys.append(packed)
            if keys.count * 2 > slots.count { grow() }
            totals.append(Total())
            buckets.append(contentsOf: repeatElement(0, count: bucketCount))
        }
        lastPacked = packed
        lastNumber = number
        count(number, timestamp: timestamp, bucket: bucket)
    }

    @inline(__always) private mutating func count(_ number: Int, timestamp: Double?, bucket: Int?) {
        totals.withUnsafeMutableBufferPointer { totals in
            totals[number].count += 1
            if let timestamp {
                totals[number].firstSeen = min(totals[number].firstSeen, timestamp)
                totals[number].lastSeen = max(totals[number].lastSeen, timestamp)
            }
        }
        if let bucket, bucket < bucketCount { buckets[number * bucketCount + bucket] += 1 }
    }

    private static func slot(of packed: UInt64, mask: Int) -> Int {
        var hash = packed &* 0x9E37_79B9_7F4A_7C15
        hash ^= hash >> 29
        return Int(truncatingIfNeeded: hash) & mask
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for (number, packed) in packedKeys.enumerated() {
            var slot = Self.slot(of: packed, mask: mask)
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(number)
        }
    }

    /// Returns the bucket counts of counter `number`.
    func buckets(of number: Int) -> ArraySlice<Int> {
        buckets[(number * bucketCount)..<((number + 1) * bucketCount)]
    }
}
