import DiagSupport

/// A stream of pseudo-random numbers from HMAC-SHA-256 in counter mode, so that permutations
/// derived from it cannot be predicted without the site secret.
struct KeyedRandom {
    private let key: [UInt8]
    private var counter: UInt64 = 0
    private var pool: [UInt64] = []

    init(key: [UInt8]) { self.key = key }

    mutating func next() -> UInt64 {
        if pool.isEmpty {
            var block = withUnsafeBytes(of: counter.bigEndian) { Array($0) }
            block = Sodium.hmacSHA256(key: key, message: block)
            counter += 1
            pool = stride(from: 0, to: 32, by: 8).map { offset in
                block[offset..<offset + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            }
        }
        return pool.removeLast()
    }

    /// Returns a uniform number in `0..<bound`, by rejection sampling so no value is favoured.
    mutating func uniform(below bound: Int) -> Int {
        precondition(bound > 0, "the bound must be positive")
        let range = UInt64(bound)
        let limit = UInt64.max - UInt64.max % range
        while true {
            let value = next()
            if value < limit { return Int(value % range) }
        }
    }
}

/// Keyed permutations of small integer domains, used to pseudonymize addresses bijectively.
enum KeyedPermutation {
    /// Returns a random cyclic permutation of `0..<count` (Sattolo's algorithm): a single cycle through
    /// every element, so no element maps to itself. `table[x]` is the image of `x`.
    static func cycle(count: Int, key: [UInt8]) -> [UInt32] {
        var table = (0..<count).map(UInt32.init)
        var random = KeyedRandom(key: key)
        var index = count - 1
        while index > 0 {
            let other = random.uniform(below: index)
            table.swapAt(index, other)
            index -= 1
        }
        return table
    }

    /// Returns a keyed permutation of `bits`-bit integers (an 8-round Feistel network on two halves,
    /// which works for odd widths too). Fixed points are possible, with probability about 2^-bits.
    static func feistel(_ value: UInt64, bits: Int, key: [UInt8]) -> UInt64 {
        precondition((2...64).contains(bits), "the Feistel network needs 2 to 64 bits")
        var leftBits = bits / 2
        var rightBits = bits - leftBits
        var left = value >> UInt64(rightBits) & mask(leftBits)
        var right = value & mask(rightBits)
        for round in 0..<8 {
            var message: [UInt8] = [UInt8(round), UInt8(bits)]
            message += withUnsafeBytes(of: right.bigEndian) { Array($0) }
            let digest = Sodium.hmacSHA256(key: key, message: message)
            let mixed = digest[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } & mask(leftBits)
            let newRight = left ^ mixed
            left = right
            right = newRight
            swap(&leftBits, &rightBits)
        }
        return left << UInt64(rightBits) | right
    }

    static func mask(_ bits: Int) -> UInt64 {
        bits >= 64 ? UInt64.max : (UInt64(1) << UInt64(bits)) - 1
    }
}
