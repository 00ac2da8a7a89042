import DiagSupport
import Foundation

/// Derives stable, format-preserving pseudonyms from a 32-byte site secret.
///
/// Every pseudonym is HMAC-SHA-256 over the value's kind and the value. So one site always maps a
/// value to the same pseudonym, and without the secret a pseudonym cannot be reversed or a guess
/// tested. Shapes: `tenant-3f9a1c20` for identifiers, `user-1a2b3c4d@example-5e6f70.com` for
/// emails, a valid address in the same address class for IPv4 and IPv6 (sharing a pseudonymous
/// /24 or /64 when the originals share one), `host-…` names that keep label count and public
/// suffix, and `<redacted:kind:1a2b3c4d>` markers for secrets. Thread-safe.
///
/// Many shapes keep only 32 bits of the HMAC or fewer, so two values can collide. For every kind
/// the pseudonym map records (all but secrets), the pseudonymizer remembers the value of each
/// pseudonym it made. A value whose pseudonym another value already has is re-keyed with a
/// counter (`tenant-id` becomes `tenant-id#1` in the HMAC input) until its pseudonym is free. So
/// within one pseudonymizer, no pseudonym is given to two values. `reserve(_:)` loads the
/// pseudonyms of earlier runs.
public final class Pseudonymizer: @unchecked Sendable {
    /// The site secret as a prepared HMAC key, for the many short messages it authenticates.
    private let secretKey: HMACKey
    private let lock = NSLock()
    /// One cached result: the kind (or marker) and the value it was made for.
    private struct CacheKey: Hashable {
        var kind: RuleKind
        var isMarker: Bool
        var value: String
    }

    private var cache: [CacheKey: String] = [:]
    /// The canonical value (`identity(of:kind:)`) each pseudonym handed out stands for, both as
    /// 64-bit hashes, so an entry takes a few dozen bytes however long the value. Unlike the cache
    /// it is never emptied, because re-keying depends on it. Two values could share a pseudonym
    /// only if their pseudonyms and their hashes both collided. For 100,000 values, the hashes
    /// alone collide with a probability below 10^-9 (birthday bound, n² / 2^65).
    private var claims: [UInt64: UInt64] = [:]
    /// The number of counters tried before a colliding value keeps its last candidate. The
    /// pseudonym map then records that pseudonym as ambiguous instead of dropping a value.
    static let maximumAttempts = 32
    /// The maximum number of cached results; a full cache is emptied, which keeps memory bounded
    /// over long streams with many distinct values.
    static let cacheLimit = 4096
    /// Permutation tables of the address ranges, by name: a handful, kept for the whole run.
    var tables: [String: [UInt32]] = [:]
    /// Host-octet permutations by /24 prefix, at most `tableLimit` of them. A host octet fits a
    /// byte, so each takes 254 bytes, a quarter of a table of 32-bit entries.
    var hostTables: [UInt32: [UInt8]] = [:]
    static let tableLimit = 4096
    let tableLock = NSLock()
    /// The pseudonymous labels of host names' domains (every label after the first) by tag and
    /// domain, because many hosts share one domain and each label costs an HMAC.
    let domainLabels = BoundedCache<String, String>(limit: 4096)

    /// Creates a pseudonymizer; `secret` must be 32 bytes, as `SiteSecret` produces.
    public init(secret: [UInt8]) {
        precondition(secret.count == SiteSecret.byteCount, "the site secret must be \(SiteSecret.byteCount) bytes")
        secretKey = HMACKey(secret)
    }

    /// Returns the pseudonym of `value` as a `kind`. A value without the kind's shape, such as an
    /// "email" without `@`, gets the kind's marker instead, which never contains the original.
    public func pseudonym(for value: String, kind: RuleKind) -> String {
        let cacheKey = CacheKey(kind: kind, isMarker: false, value: value)
        lock.lock()
        if let known = cache[cacheKey] {
            lock.unlock()
            return known
        }
        lock.unlock()

        let result = kind.isSecret ? marker(for: value, kind: kind) : claimedPseudonym(for: value, kind: kind)
        lock.lock()
        if cache.count > Self.cacheLimit { cache.removeAll() }
        cache[cacheKey] = result
        lock.unlock()
        return result
    }

    /// Returns the first candidate pseudonym of `value` that no other value holds, and claims it.
    private func claimedPseudonym(for value: String, kind: RuleKind) -> String {
        let identity = Self.identity(of: value, kind: kind)
        var candidate = value
        for attempt in 0..<Self.maximumAttempts {
            candidate = compute(value, kind: kind, attempt: attempt)
            // A hostname made only of a public suffix stays as it is and stands for itself.
            if candidate == value || claim(candidate, identity: identity) { return candidate }
        }
        return candidate
    }

    /// Claims `pseudonym` for `identity`, or returns false when another value has it.
    private func claim(_ pseudonym: String, identity: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let key = Self.claimHash(pseudonym)
        let holder = Self.claimHash(identity)
        if let known = claims[key] { return known == holder }
        claims[key] = holder
        return true
    }

    /// Claims every pseudonym of `map` for its original, so values seen in earlier runs keep
    /// their pseudonyms and new values that collide with them are re-keyed. Pass the site's map
    /// before redacting. Entries of unknown kinds and ambiguous entries are skipped.
    public func reserve(_ map: PseudonymMap) {
        lock.lock()
        defer { lock.unlock() }
        for (pseudonym, entry) in map.entries where entry.otherOriginals.isEmpty && claims[Self.claimHash(pseudonym)] == nil {
            guard let kind = RuleKind(rawValue: entry.kind) else { continue }
            claims[Self.claimHash(pseudonym)] = Self.claimHash(Self.identity(of: entry.original, kind: kind))
        }
    }

    /// Returns the 64-bit FNV-1a hash of `text`'s UTF-8 bytes, for the claims table.
    static func claimHash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// Returns the form of `value` its pseudonym is derived from, so two spellings of one value
    /// (`Ops@Acme.com` and `ops@acme.com`, `2001:db8::1` and `2001:DB8:0::1`) count as one.
    static func identity(of value: String, kind: RuleKind) -> String {
        let canonical: String
        switch kind {
        case .email, .hostname, .mac:
            canonical = value.lowercased()
        case .ipv4:
            canonical = IPAddressText.parseIPv4(value).map(IPAddressText.formatIPv4) ?? value
        case .ipv6:
            canonical = IPAddressText.parseIPv6(value).map(IPAddressText.formatIPv6) ?? value
        default:
            canonical = value
        }
        return kind.rawValue + "\u{0}" + canonical
    }

    /// Returns candidate number `attempt` for a kind the map records. Attempt 0 is the plain
    /// pseudonym; later attempts add `#attempt` to the HMAC tag. IPv4 pseudonyms come from
    /// permutations, which never collide, so they have no later attempts.
    private func compute(_ value: String, kind: RuleKind, attempt: Int) -> String {
        if let prefix = kind.identifierPrefix {
            return prefix + "-" + hex(Self.tag(kind.rawValue, attempt), value, count: 4)
        }
        let shaped: String?
        switch kind {
        case .email: shaped = email(value, attempt: attempt)
        case .ipv4: shaped = ipv4(value)
        case .ipv6: shaped = ipv6(value, attempt: attempt)
        case .mac: shaped = mac(value, attempt: attempt)
        case .hostname: shaped = hostname(value, attempt: attempt)
        case .phone: shaped = phone(value, attempt: attempt)
        default: shaped = nil
        }
        return shaped ?? "<redacted:\(kind.rawValue):\(hex(Self.tag(kind.rawValue, attempt), value, count: 4))>"
    }

    /// Returns the HMAC tag of candidate `attempt`: `tag` itself first, then `tag#1`, `tag#2`, ...
    static func tag(_ tag: String, _ attempt: Int) -> String {
        attempt == 0 ? tag : tag + "#\(attempt)"
    }

    /// `<redacted:kind:1a2b3c4d>`: equal secrets get equal markers, so a reader can see that two
    /// files use the same token without learning it.
    public func marker(for value: String, kind: RuleKind) -> String {
        let cacheKey = CacheKey(kind: kind, isMarker: true, value: value)
        lock.lock()
        if let known = cache[cacheKey] {
            lock.unlock()
            return known
        }
        lock.unlock()

        let result = "<redacted:\(kind.rawValue):\(hex(kind.rawValue, value, count: 4))>"
        lock.lock()
        if cache.count > Self.cacheLimit { cache.removeAll() }
        cache[cacheKey] = result
        lock.unlock()
        return result
    }

    // MARK: - Email, MAC, phone

    /// `user-<8 hex>@<pseudonymous domain>`, keeping the domain's public suffix; `%40` in
    /// place of `@` (a URL-encoded address) is kept as such.
    func email(_ value: String, attempt: Int = 0) -> String? {
        guard let separator = Self.emailSeparator(in: value) else { return nil }
        let domain = value[separator.upperBound...]
        guard !value[..<separator.lowerBound].isEmpty, let pseudoDomain = hostname(String(domain)) else { return nil }
        let local = "user-" + hex(Self.tag("email", attempt), value.lowercased(), count: 4)
        return local + value[separator] + pseudoDomain
    }

    /// Returns the range of the separator between an email address's local part and its domain:
    /// the first `%40` (a URL-encoded address) or else the last `@`.
    static func emailSeparator(in address: String) -> Range<String.Index>? {
        let bytes = address.utf8
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let second = bytes.index(after: index)
            if bytes[index] == UInt8(ascii: "%"), second != bytes.endIndex, bytes[second] == UInt8(ascii: "4") {
                let third = bytes.index(after: second)
                if third != bytes.endIndex, bytes[third] == UInt8(ascii: "0") { return index..<bytes.index(after: third) }
            }
            index = second
        }
        guard let at = bytes.lastIndex(of: UInt8(ascii: "@")) else { return nil }
        return at..<bytes.index(after: at)
    }

    /// Returns a locally administered unicast MAC address, in the input's separator style and case.
    func mac(_ value: String, attempt: Int = 0) -> String? {
        let digits = value.unicodeScalars.filter { $0.properties.isASCIIHexDigit }
        guard digits.count == 12 else { return nil }
        let normalized = String(String.UnicodeScalarView(digits)).lowercased()
        var bytes = Array(secretKey.authenticate(Array((Self.tag("mac", attempt) + "\u{0}" + normalized).utf8)).prefix(6))
        bytes[0] = bytes[0] & 0xFC | 0x02
        let hexDigits = bytes.hexString
        let upper = value.contains { $0.isUppercase }
        var output = ""
        var next = hexDigits.makeIterator()
        for character in value {
            if character.isHexDigit {
                let digit = next.next()!
                output.append(upper ? Character(digit.uppercased()) : digit)
            } else {
                output.append(character)
            }
        }
        return output
    }

    /// Returns the same number of digits in the same layout. A leading `+`, the country code 234
    /// (Nigeria) or 1, or a national trunk `0` stay, and the other digits come from the HMAC.
    func phone(_ value: String, attempt: Int = 0) -> String? {
        let digits = value.filter(\.isASCIIDigit)
        guard digits.count >= 7 else { return nil }
        var kept = 0
        if digits.hasPrefix("234") {
            kept = 3
        } else if digits.hasPrefix("0") || (value.hasPrefix("+1") && digits.count == 11) {
            kept = 1
        } else if value.hasPrefix("+") {
            kept = 2
        }
        let tag = Self.tag("phone", attempt)
        var round = 0
        while true {
            let stream = secretKey.authenticate(Array("\(tag)\u{0}\(round)\u{0}\(digits)".utf8))
            var output = ""
            var position = 0
            // The trunk prefix written after a country code, `+234 (0) 803 …`, stays a zero.
            let trunkPrefix = value.contains("(") ? value.range(of: "(0)").map { value.index(after: $0.lowerBound) } : nil
            for index in value.indices {
                let character = value[index]
                let isTrunkPrefix = index == trunkPrefix
                if character.isASCIIDigit {
                    output.append(position < kept || isTrunkPrefix ? character : Character(String(stream[position % 32] % 10)))
                    position += 1
                } else {
                    output.append(character)
                }
            }
            if output != value || round > 3 { return output }
            round += 1
        }
    }

    // MARK: - Digests

    /// HMAC-SHA-256 under the site secret of `tag`, a zero byte and `value`.
    func digest(_ tag: String, _ value: String) -> [UInt8] {
        var tag = tag
        var value = value
        return tag.withUTF8 { tag in
            value.withUTF8 { value in
                withUnsafeBytes(of: UInt8(0)) { separator in
                    secretKey.authenticate(UnsafeRawBufferPointer(tag), separator, UnsafeRawBufferPointer(value))
                }
            }
        }
    }

    /// Returns the first `count` bytes of `digest(tag, value)` as lower-case hex.
    func hex(_ tag: String, _ value: String, count: Int) -> String {
        Array(digest(tag, value).prefix(count)).hexString
    }

    /// Returns a key for one family of permutations, derived from the site secret.
    func permutationKey(_ tag: String) -> HMACKey {
        HMACKey(digest("permutation", tag))
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
