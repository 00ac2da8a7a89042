/// Counts, first and last times and bucket counts per (entry, service, level), in flat arrays.
///
/// At most `capacity` counters exist; lines for a further combination are only counted in
/// `droppedLines`, so memory stays bounded whatever the input.
struct ErrorCounters {
    struct Key: Hashable {
        /// The miner entry, or -1 for lines the miner counted as other.
        var entry: Int32
        /// The service number, -1 for none and -2 for services beyond the service capacity.
        var service: Int32
        /// The `LogLevel.rank`, or -1 for lines without a level.
        var level: Int8
    }

    let bucketCount: Int
    let capacity: Int
    private(set) var keys: [Key] = []
    private(set) var counts: [Int] = []
    private(set) var firstSeen: [Double] = []
    private(set) var lastSeen: [Double] = []
    private(set) var buckets: [Int] = []
    private(set) var droppedLines = 0
    private var numbers: [Key: Int] = [:]

    init(bucketCount: Int, capacity: Int) {
        self.bucketCount = bucketCount
        self.capacity = capacity
    }

    mutating func add(_ key: Key, timestamp: Double?, bucket: Int?) {
        let number: Int
        if let existing = numbers[key] {
            number = existing
        } else {
            guard keys.count < capacity else {
                droppedLines += 1
                return
            }
            number = keys.count
            numbers[key] = number
            keys.append(key)
            counts.append(0)
            firstSeen.append(.infinity)
            lastSeen.append(-.infinity)
            buckets.append(contentsOf: repeatElement(0, count: bucketCount))
        }

        counts[number] += 1
        if let timestamp {
            firstSeen[number] = min(firstSeen[number], timestamp)
            lastSeen[number] = max(lastSeen[number], timestamp)
        }
        if let bucket, bucket < bucketCount { buckets[number * bucketCount + bucket] += 1 }
    }

    /// Returns the bucket counts of counter `number`.
    func buckets(of number: Int) -> ArraySlice<Int> {
        buckets[(number * bucketCount)..<((number + 1) * bucketCount)]
    }
}
