/// Turns a log message into its masked key: tokens (separated by whitespace or `|`) in which
/// every variable part is replaced by `<*>`.
///
/// Masking happens before grouping, so two lines that differ only in numbers, addresses or
/// identifiers get the same key. The core of a token is the token without surrounding brackets,
/// quotes and trailing punctuation. A token is variable when its core contains a digit, which
/// covers numbers, hex, UUIDs, IPv4 and most IPv6 addresses, durations such as `250ms` and block
/// ids such as `blk_-123`. It is also variable when its core is a path with two or more segments,
/// a URL, an e-mail address, a host name under a common top-level domain, or an IPv6 address
/// written with `::`. For `key=value` tokens only the value is masked, unless the value is a plain
/// word (`user=root`, `state=idle`) and the key names neither a tenant (`tenant`, `org`) nor a
/// secret (`password`, `api_key`). Such a token stays whole, and `TemplateMerger` decides from the
/// values it receives whether the position varies. An empty pair of brackets or quotes counts as
/// a missing value. Consecutive variables collapse into one `<*>`, a size unit after a number
/// (`12.0 KB`) is absorbed into it, and a month or weekday name before a number
/// (`Sun Jul 3 10:05:25 2005`) is absorbed as part of a date.
public struct MessageMasker: Sendable {
    /// The placeholder that replaces every variable part.
    public static let wildcard = "<*>"

    private enum Emitted: UInt8 {
        case word, variable, dateWord
    }

    private var emittedStarts: [Int] = []
    private var emittedKinds: [Emitted] = []
    /// Makes tenant identifiers variable too, when set.
    private let tenantMasking: TenantMasking?
    /// True while the previous token was a tenant context word such as `tenant`.
    private var followsTenantWord = false

    public init(tenantMasking: TenantMasking? = nil) {
        self.tenantMasking = tenantMasking
    }

    /// Returns the masked key of `message`.
    public static func mask(_ message: String, tenantMasking: TenantMasking? = nil) -> String {
        var masker = MessageMasker(tenantMasking: tenantMasking)
        var key: [UInt8] = []
        var bytes = Array(message.utf8)
        bytes.withUnsafeMutableBufferPointer { buffer in
            masker.appendKey(of: UnsafeBufferPointer(buffer), from: 0, to: buffer.count, into: &key)
        }
        return String(decoding: key, as: UTF8.self)
    }

    /// Appends the masked key of `bytes[start..<end]` to `key`, which is cleared first.
    public mutating func appendKey(
        of bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, into key: inout [UInt8]
    ) {
        key.removeAll(keepingCapacity: true)
        emittedStarts.removeAll(keepingCapacity: true)
        emittedKinds.removeAll(keepingCapacity: true)
        followsTenantWord = false

        var position = start
        while position < end {
            while position < end, Self.isSeparator(bytes[position]) { position += 1 }
            guard position < end else { break }
            let tokenStart = position
            while position < end, !Self.isSeparator(bytes[position]) { position += 1 }
            appendToken(bytes, tokenStart, position, into: &key)
        }
    }

    private mutating func appendToken(
        _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into key: inout [UInt8]
    ) {
        if end - start == 2, Self.isEmptyPair(bytes[start], bytes[start + 1]) {
            appendVariable(into: &key)
            return
        }

        var coreStart = start
        while coreStart < end, Self.isLeadingPunctuation(bytes[coreStart]) { coreStart += 1 }
        var coreEnd = end
        while coreEnd > coreStart, Self.isTrailingPunctuation(bytes[coreEnd - 1]) { coreEnd -= 1 }
        guard coreStart < coreEnd else {
            appendWord(bytes, start, end, kind: .word, into: &key)
            return
        }
        if let tenantMasking, maskTenant(tenantMasking, bytes, start, coreStart, coreEnd, end, into: &key) { return }

        let shape = TokenShape(bytes, coreStart, coreEnd)
        if !shape.hasURLScheme, let equals = shape.firstEquals, equals > coreStart {
            if equals + 1 == coreEnd || keepsWordValue(bytes, coreStart, equals, coreEnd) {
                appendWord(bytes, start, end, kind: .word, into: &key)
            } else {
                appendKeyValue(bytes, start: start, equals: equals, coreEnd: coreEnd, end: end, into: &key)
            }
            return
        }
        if shape.isVariable(bytes, coreStart, coreEnd) {
            appendVariable(into: &key)
            return
        }

        let isDateWord = Self.isMonthOrWeekday(bytes, coreStart, coreEnd)
        if emittedKinds.last == .variable, isDateWord || Self.isSizeUnit(bytes, coreStart, coreEnd) {
            return
        }
        appendWord(bytes, start, end, kind: isDateWord ? .dateWord : .word, into: &key)
    }

    /// Returns true when the value of `key=value` is a plain word and the key names neither a
    /// tenant nor a secret.
    private func keepsWordValue(_ bytes: UnsafeBufferPointer<UInt8>, _ keyStart: Int, _ equals: Int, _ end: Int) -> Bool {
        TokenShape.isWordValue(bytes, equals + 1, end) && !TenantMasking.isContextWord(bytes, keyStart, equals)
            && !Self.namesSecret(bytes, keyStart, equals)
    }

    /// Parts of key names whose values are secrets, such as `password`, `api_key` or `authToken`.
    private static let secretKeyParts: [StaticString] = [
        "pass", "pwd", "secret", "token", "key", "auth", "cred", "session", "cookie", "sig", "otp", "pin",
    ]

    /// Returns true when the key in `bytes[start..<end]` contains a part of `secretKeyParts`,
    /// ignoring letter case.
    private static func namesSecret(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        secretKeyParts.contains { part in
            let length = part.utf8CodeUnitCount
            guard end - start >= length else { return false }
            return (start...(end - length)).contains {
                ASCII.equals(bytes, $0, $0 + length, part, caseInsensitive: true)
            }
        }
    }

    /// Appends the token as a variable when it names a tenant and returns true; otherwise
    /// notes whether it is a context word and returns false.
    private mutating func maskTenant(
        _ tenants: TenantMasking, _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ coreStart: Int, _ coreEnd: Int,
        _ end: Int, into key: inout [UInt8]
    ) -> Bool {
        let follows = followsTenantWord
        followsTenantWord = false
        if tenants.isContextWord(bytes, coreStart, coreEnd) {
            followsTenantWord = true
            return false
        }
        if let separator = tenants.contextSeparator(bytes, coreStart, coreEnd) {
            appendKeyValue(bytes, start: start, equals: separator, coreEnd: coreEnd, end: end, into: &key)
            return true
        }
        if tenants.isIdentifier(bytes, coreStart, coreEnd) || (follows && !tenants.isCommonWord(bytes, coreStart, coreEnd)) {
            appendVariable(into: &key)
            return true
        }
        return false
    }

    private mutating func appendVariable(into key: inout [UInt8]) {
        var popped = 0
        while popped < 2, emittedKinds.last == .dateWord {
            key.removeSubrange(max(emittedStarts.removeLast() - 1, 0)...)
            emittedKinds.removeLast()
            popped += 1
        }
        if emittedKinds.last == .variable { return }
        beginToken(.variable, into: &key)
        key.appendLiteral("<*>")
    }

    private mutating func appendWord(
        _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, kind: Emitted, into key: inout [UInt8]
    ) {
        beginToken(kind, into: &key)
        key.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<end]))
    }

    private mutating func appendKeyValue(
        _ bytes: UnsafeBufferPointer<UInt8>, start: Int, equals: Int, coreEnd: Int, end: Int,
        into key: inout [UInt8]
    ) {
        beginToken(.word, into: &key)
        key.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...equals]))
        key.appendLiteral("<*>")
        key.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[coreEnd..<end]))
    }

    private mutating func beginToken(_ kind: Emitted, into key: inout [UInt8]) {
        if !key.isEmpty { key.append(ASCII.space) }
        emittedStarts.append(key.count)
        emittedKinds.append(kind)
    }

    // MARK: - Character classes

    /// Returns true for whitespace and `|`, which pipe-separated formats use between fields.
    @inline(__always) private static func isSeparator(_ byte: UInt8) -> Bool {
        ASCII.isWhitespace(byte) || byte == UInt8(ascii: "|")
    }

    private static func isEmptyPair(_ first: UInt8, _ second: UInt8) -> Bool {
        switch (first, second) {
        case (UInt8(ascii: "("), UInt8(ascii: ")")), (UInt8(ascii: "["), UInt8(ascii: "]")),
            (UInt8(ascii: "{"), UInt8(ascii: "}")), (UInt8(ascii: "\""), UInt8(ascii: "\"")),
            (UInt8(ascii: "'"), UInt8(ascii: "'")):
            return true
        default:
            return false
        }
    }

    private static func isLeadingPunctuation(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: "<"), UInt8(ascii: "\""),
            UInt8(ascii: "'"):
            return true
        default:
            return false
        }
    }

    static func isTrailingPunctuation(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: ">"), UInt8(ascii: "\""),
            UInt8(ascii: "'"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "."),
            UInt8(ascii: "!"), UInt8(ascii: "?"):
            return true
        default:
            return false
        }
    }

    private static let monthsAndWeekdays: [StaticString] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
    ]

    private static let sizeUnits: [StaticString] = [
        "B", "kB", "KB", "MB", "GB", "TB", "PB", "KiB", "MiB", "GiB", "TiB",
    ]

    static func isMonthOrWeekday(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard end - start == 3, ASCII.isUpper(bytes[start]) else { return false }
        return monthsAndWeekdays.contains { ASCII.equals(bytes, start, end, $0) }
    }

    private static func isSizeUnit(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard end - start <= 3, bytes[end - 1] == UInt8(ascii: "B") else { return false }
        return sizeUnits.contains { ASCII.equals(bytes, start, end, $0) }
    }
}
