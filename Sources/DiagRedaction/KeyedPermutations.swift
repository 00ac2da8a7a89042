import DiagSupport

/// A stream of pseudo-random numbers from HMAC-SHA-256 in counter mode, so that permutations
/// derived from it cannot be predicted without the site secret.
struct KeyedRandom {
    private let key: HMACKey
    private var counter: UInt64 = 0
    /// The four 64-bit words of the last HMAC block; `pooled` of them are still unused, taken
    /// from the last word backwards.
    private var pool: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var pooled = 0

    init(key: HMACKey) { self.key = key }

    mutating func next() -> UInt64 {
        if pooled == 0 {
            let block = withUnsafeBytes(of: counter.bigEndian) { key.authenticate($0) }
            counter += 1
            func word(_ offset: Int) -> UInt64 {
                block[offset..<offset + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            }
            pool = (word(0), word(8), word(16), word(24))
            pooled = 4
        }
        pooled -= 1
        switch pooled {
        case 3: return pool.3
        case 2: return pool.2
        case 1: return pool.1
        default: return pool.0
        }
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
    static func cycle(count: Int, key: HMACKey) -> [UInt32] {
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
    static func feistel(_ value: UInt64, bits: Int, key: HMACKey) -> UInt64 {
        precondition((2...64).contains(bits), "the Feistel network needs 2 to 64 bits")
        var leftBits = bits / 2
        var rightBits = bits - leftBits
        var left = value >> UInt64(rightBits) & mask(leftBits)
        var right = value & mask(rightBits)
        for round in 0..<8 {
            let header: (UInt8, UInt8) = (UInt8(round), UInt8(bits))
            let digest = withUnsafeBytes(of: header) { header in
                withUnsafeBytes(of: right.bigEndian) { key.authenticate(header, $0) }
            }
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
