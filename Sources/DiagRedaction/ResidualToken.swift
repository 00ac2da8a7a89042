import Foundation

/// Character statistics of one token that `ResidualScanner` considers.
struct ResidualToken {
    let count: Int
    let upper: Int
    let lower: Int
    let digits: Int
    let slashes: Int
    /// The number of `+` and `/`.
    let symbols: Int
    /// Whether every byte is a hexadecimal digit.
    let isHex: Bool
    /// Whether the token is a date and time such as `2026-12-04T12`, which is no credential.
    let isTimestampLike: Bool
    /// Whether the token has the 8-4-4-4-12 hex layout of a UUID.
    let isUUIDLike: Bool
    /// Whether the token starts with `/`, `$` or `{`, as paths and placeholders do.
    let isPlaceholderOrPath: Bool
    /// The token's bytes, valid while the scanner reads the buffer they point into.
    let bytes: UnsafeBufferPointer<UInt8>
    /// Shannon entropy of the byte distribution, in bits per byte. Computed on demand, so only for
    /// tokens that the cheaper character counts have not ruled out.
    var entropy: Double { Self.entropy(of: bytes) }

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        count = bytes.count
        var upper = 0
        var lower = 0
        var digits = 0
        var slashes = 0
        var symbols = 0
        var timeLetters = 0
        var notHex = 0
        Self.classes.withUnsafeBufferPointer { classes in
            for byte in bytes {
                let flags = classes[Int(byte)]
                upper &+= Int(flags & Class.upper)
                lower &+= Int((flags & Class.lower) >> 1)
                digits &+= Int((flags & Class.digit) >> 2)
                slashes &+= Int((flags & Class.slash) >> 3)
                symbols &+= Int((flags & Class.symbol) >> 4)
                timeLetters &+= Int((flags & Class.timeLetter) >> 5)
                notHex |= Int(flags & Class.notHex)
            }
        }
        self.upper = upper
        self.lower = lower
        self.digits = digits
        self.slashes = slashes
        self.symbols = symbols
        isHex = notHex == 0 && !bytes.isEmpty
        // An ISO date and hour cut at the first colon, such as 2026-12-04T12, which every log
        // line carries: digits, hyphens and the letters T and Z only.
        isTimestampLike = lower == 0 && upper == timeLetters && digits >= 6


        let first = bytes.first ?? 0
        isPlaceholderOrPath = first == UInt8(ascii: "/") || first == UInt8(ascii: "$") || first == UInt8(ascii: "{")
        isUUIDLike = Self.hasUUIDLayout(bytes)
    }

    /// Returns the Shannon entropy of the byte distribution of `bytes`, in bits per byte, as
    /// `log2(n) - Σ c·log2(c) / n` over the count `c` of each distinct byte. The counts live on the
    /// stack and only the entries of bytes in the token are touched, because the scanner computes
    /// this for many short tokens.
    static func entropy(of bytes: UnsafeBufferPointer<UInt8>) -> Double {
        guard !bytes.isEmpty else { return 0 }
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: 256) { counts in
            for byte in bytes { counts[Int(byte)] = 0 }
            for byte in bytes { counts[Int(byte)] += 1 }
            var weighted = 0.0
            for byte in bytes where counts[Int(byte)] > 0 {
                let count = Int(counts[Int(byte)])
                weighted += count < countLog2Count.count ? countLog2Count[count] : Double(count) * log2(Double(count))
                counts[Int(byte)] = 0
            }
            let total = Double(bytes.count)
            return log2(total) - weighted / total
        }
    }

    /// `c·log2(c)` for the counts that short tokens have, so that `entropy(of:)` needs one `log2` a token.
    private static let countLog2Count: [Double] = (0..<128).map { $0 == 0 ? 0 : Double($0) * log2(Double($0)) }

    var hasDigit: Bool { digits > 0 }
    var hasLetter: Bool { upper + lower > 0 }

    /// Whether a value after a secret-like key looks like a credential rather than a word or a
    /// setting: letters and digits, or both letter cases over 16 bytes, and not too repetitive.
    var looksLikeCredential: Bool {
        let mixed = (hasLetter && hasDigit) || (count >= 16 && upper > 0 && lower > 0)
        return mixed && !isTimestampLike && entropy >= 2.5
    }

    /// Whether a long token looks like random base64: at least two each of upper case and lower
    /// case, two digits or `+` and `/` together, high entropy, and not a path of several `/` segments.
    var looksLikeBase64Blob: Bool {
        guard upper >= 2, lower >= 2, digits + symbols >= 2, entropy >= 3.5 else { return false }
        // A path such as `com/acme/inventory/StockService` has a slash every few bytes, and base64 rarely does.
        guard slashes == 0 || count / (slashes + 1) >= 12 else { return false }
        // Base64 uses `+` and `/`, base64url `-` and `_`, never both pairs: `ReplicaSet/ledger-api-7c9f8d6b5`
        // is a name.
        if symbols > 0, bytes.contains(where: { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }) { return false }
        // Words and short names joined by hyphens (`winlogbeat-IKJ-FIN-LT042`), which the
        // high-entropy rule's validator keeps too.
        if RuleValidator.isWordChain(Array(bytes)) { return false }
        return !Self.isCamelCaseWords(bytes)
    }

    /// Returns whether most letters of `bytes` form capitalized words of four or more letters, at
    /// least three of them, as in a class name (`17.0.10/ScheduledThreadPoolExecutor`). Random
    /// base64 has such a word about once in 40 bytes.
    static func isCamelCaseWords(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var words = 0
        var wordLetters = 0
        var letters = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let isUpper = byte >= 0x41 && byte <= 0x5A
            guard isUpper || (byte >= 0x61 && byte <= 0x7A) else {
                index += 1
                continue
            }
            letters += 1
            var end = index + 1
            if isUpper {
                while end < bytes.count, bytes[end] >= 0x61, bytes[end] <= 0x7A { end += 1 }
                if end - index >= 4 {
                    words += 1
                    wordLetters += end - index
                }
                letters += end - index - 1
            }
            index = end
        }
        return words >= 3 && wordLetters * 10 >= letters * 7
    }

    static func hasUUIDLayout(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                if byte != UInt8(ascii: "-") { return false }
            } else if !(byte >= 0x30 && byte <= 0x39 || (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x66) {
                return false
            }
        }
        return true
    }

    /// Returns whether `byte` belongs to a base64 or base64url token.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        classes.withUnsafeBufferPointer { $0[Int(byte)] & Class.token != 0 }
    }

    /// Bits of `classes`: the counters `init` adds up, shifted to 1, and the token and hex tests.
    enum Class {
        static let upper: UInt8 = 1
        static let lower: UInt8 = 1 << 1
        static let digit: UInt8 = 1 << 2
        static let slash: UInt8 = 1 << 3
        /// `+` and `/`.
        static let symbol: UInt8 = 1 << 4
        /// `T` and `Z`, the letters of an ISO timestamp.
        static let timeLetter: UInt8 = 1 << 5
        static let notHex: UInt8 = 1 << 6
        static let token: UInt8 = 1 << 7
    }

    /// The `Class` bits of every byte value.
    static let classes: [UInt8] = (0..<256).map { value in
        let byte = UInt8(value)
        var flags: UInt8 = 0
        switch byte {
        case 0x41...0x5A:
            flags = Class.upper | Class.token | (byte > 0x46 ? Class.notHex : 0)
            if byte == UInt8(ascii: "T") || byte == UInt8(ascii: "Z") { flags |= Class.timeLetter }
        case 0x61...0x7A: flags = Class.lower | Class.token | (byte > 0x66 ? Class.notHex : 0)
        case 0x30...0x39: flags = Class.digit | Class.token
        case UInt8(ascii: "/"): flags = Class.slash | Class.symbol | Class.token | Class.notHex
        case UInt8(ascii: "+"): flags = Class.symbol | Class.token | Class.notHex
        case UInt8(ascii: "_"), UInt8(ascii: "-"): flags = Class.token | Class.notHex
        default: flags = Class.notHex
        }
        return flags
    }
}
