/// Facts about one token core, gathered in a single pass, that decide whether the token is variable.
struct TokenShape {
    var hasDigit = false
    var firstEquals: Int?
    var hasURLScheme = false
    var atSign: Int?
    var hasDoubleColon = false
    var slashCount = 0
    var dotCount = 0
    var hasHostOnlyBytes = true

    private static let digitFlag: UInt8 = 1
    private static let hostFlag: UInt8 = 2
    private static let specialFlag: UInt8 = 4

    /// Flags per byte value: digits, bytes allowed in host names (letters, `-`, `.`), and the
    /// bytes that need a closer look (`=`, `:`, `/`, `.`, `@`).
    private static let byteFlags: [UInt8] = (0..<256).map { value in
        let byte = UInt8(value)
        var flags: UInt8 = 0
        if ASCII.isDigit(byte) { flags |= digitFlag }
        if ASCII.isLetter(byte) || byte == ASCII.dash || byte == ASCII.dot { flags |= hostFlag }
        switch byte {
        case ASCII.equals, ASCII.colon, ASCII.slash, ASCII.dot, UInt8(ascii: "@"): flags |= specialFlag
        default: break
        }
        return flags
    }

    init(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) {
        var allFlags: UInt8 = Self.hostFlag
        Self.byteFlags.withUnsafeBufferPointer { table in
            var index = start
            while index < end {
                let byte = bytes[index]
                let flags = table[Int(byte)]
                allFlags |= flags & Self.digitFlag
                if flags & Self.hostFlag == 0 { allFlags &= ~Self.hostFlag }
                if flags & Self.specialFlag != 0 { noteSpecial(bytes, index, end) }
                index += 1
            }
        }
        hasDigit = allFlags & Self.digitFlag != 0
        hasHostOnlyBytes = allFlags & Self.hostFlag != 0
    }

    private mutating func noteSpecial(_ bytes: UnsafeBufferPointer<UInt8>, _ index: Int, _ end: Int) {
        switch bytes[index] {
        case ASCII.equals:
            if firstEquals == nil { firstEquals = index }
        case ASCII.colon:
            if index + 1 < end, bytes[index + 1] == ASCII.colon { hasDoubleColon = true }
            if index + 2 < end, bytes[index + 1] == ASCII.slash, bytes[index + 2] == ASCII.slash {
                hasURLScheme = true
            }
        case ASCII.slash:
            slashCount += 1
        case ASCII.dot:
            dotCount += 1
        default:
            if atSign == nil { atSign = index }
        }
    }

    /// Returns true when the token is a value rather than part of the message's fixed text.
    func isVariable(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        if hasDigit || hasURLScheme || hasDoubleColon { return true }
        if isPath(bytes, start, end) { return true }
        if let atSign, atSign > start, Self.hasDot(bytes, atSign + 1, end) { return true }
        return hasHostOnlyBytes && dotCount > 0 && isHostName(bytes, start, end)
    }

    /// Returns true when `bytes[start..<end]` is a plain word of at most 32 bytes: a letter, then
    /// letters or `_`.
    ///
    /// Such a value after `key=` usually names a state or a role (`user=root`, `mode=strict`), so
    /// the masker keeps it and leaves the decision to the merger. Hyphenated values are not plain
    /// words, because slugs such as `acme-bank` often name a customer or a host.
    static func isWordValue(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard start < end, end - start <= 32, ASCII.isLetter(bytes[start]) else { return false }
        var index = start + 1
        while index < end {
            let byte = bytes[index]
            guard ASCII.isLetter(byte) || byte == UInt8(ascii: "_") else { return false }
            index += 1
        }
        return true
    }

    /// Returns true for `/a/b`, `/a.b`, `~/a`, `./a` and `../a`; a single `/word` stays a word.
    private func isPath(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        let first = bytes[start]
        if first == ASCII.slash { return end - start > 1 && (slashCount > 1 || dotCount > 0) }
        if first == UInt8(ascii: "~"), start + 1 < end, bytes[start + 1] == ASCII.slash { return true }
        if first == ASCII.dot, slashCount > 0 {
            var index = start
            while index < end, bytes[index] == ASCII.dot { index += 1 }
            return index < end && bytes[index] == ASCII.slash && index - start <= 2
        }
        return false
    }

    private static func hasDot(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var index = start
        while index < end {
            if bytes[index] == ASCII.dot { return true }
            index += 1
        }
        return false
    }

    private static let topLevelDomains: [StaticString] = [
        "com", "net", "org", "edu", "gov", "mil", "int", "io", "info", "biz", "local", "localdomain",
        "internal", "lan", "arpa", "home", "corp",
    ]

    private static let secondLevelDomains: [StaticString] = ["co", "ac", "com", "net", "org", "edu", "gov"]

    /// Returns true for dotted names whose last label is a common generic top-level domain, or a
    /// two-letter country code after a label such as `com` or `co` (`example.co.uk`).
    ///
    /// Java class and package names (`org.apache.Foo`, `mapred.job.id`) end in other labels, so
    /// they stay words.
    private func isHostName(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard bytes[start] != ASCII.dot, bytes[end - 1] != ASCII.dot else { return false }
        var lastDot = end - 1
        while bytes[lastDot] != ASCII.dot { lastDot -= 1 }
        let lastLabelStart = lastDot + 1
        if Self.topLevelDomains.contains(where: {
            ASCII.equals(bytes, lastLabelStart, end, $0, caseInsensitive: true)
        }) {
            return true
        }
        guard end - lastLabelStart == 2, dotCount >= 2 else { return false }
        var previousDot = lastDot - 1
        while previousDot > start, bytes[previousDot] != ASCII.dot { previousDot -= 1 }
        guard bytes[previousDot] == ASCII.dot else { return false }
        return Self.secondLevelDomains.contains {
            ASCII.equals(bytes, previousDot + 1, lastDot, $0, caseInsensitive: true)
        }
    }
}
