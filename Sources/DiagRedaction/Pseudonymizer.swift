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
public final class Pseudonymizer: @unchecked Sendable {
    private let secret: [UInt8]
    private let lock = NSLock()
    private var cache: [String: String] = [:]
    /// The maximum number of cached results; a full cache is emptied, which keeps memory bounded
    /// over long streams with many distinct values.
    static let cacheLimit = 32_768
    var tables: [String: [UInt32]] = [:]
    let tableLock = NSLock()

    /// Creates a pseudonymizer; `secret` must be 32 bytes, as `SiteSecret` produces.
    public init(secret: [UInt8]) {
        precondition(secret.count == SiteSecret.byteCount, "the site secret must be \(SiteSecret.byteCount) bytes")
        self.secret = secret
    }

    /// Returns the pseudonym of `value` as a `kind`. A value without the kind's shape, such as an
    /// "email" without `@`, gets the kind's marker instead, which never contains the original.
    public func pseudonym(for value: String, kind: RuleKind) -> String {
        let cacheKey = kind.rawValue + "\u{0}" + value
        lock.lock()
        if let known = cache[cacheKey] {
            lock.unlock()
            return known
        }
        lock.unlock()

        let result = compute(value, kind: kind)
        lock.lock()
        if cache.count > Self.cacheLimit { cache.removeAll() }
        cache[cacheKey] = result
        lock.unlock()
        return result
    }

    private func compute(_ value: String, kind: RuleKind) -> String {
        if kind.isSecret { return marker(for: value, kind: kind) }
        if let prefix = kind.identifierPrefix { return prefix + "-" + hex(kind.rawValue, value, count: 4) }
        switch kind {
        case .email: return email(value) ?? marker(for: value, kind: kind)
        case .ipv4: return ipv4(value) ?? marker(for: value, kind: kind)
        case .ipv6: return ipv6(value) ?? marker(for: value, kind: kind)
        case .mac: return mac(value) ?? marker(for: value, kind: kind)
        case .hostname: return hostname(value) ?? marker(for: value, kind: kind)
        case .phone: return phone(value) ?? marker(for: value, kind: kind)
        default: return marker(for: value, kind: kind)
        }
    }

    /// `<redacted:kind:1a2b3c4d>`: equal secrets get equal markers, so a reader can see that two
    /// files use the same token without learning it.
    public func marker(for value: String, kind: RuleKind) -> String {
        let cacheKey = "marker\u{0}" + kind.rawValue + "\u{0}" + value
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
    func email(_ value: String) -> String? {
        let encoded = value.range(of: "%40", options: .caseInsensitive)
        guard let separator = encoded ?? value.range(of: "@", options: .backwards) else { return nil }
        let domain = value[separator.upperBound...]
        guard !value[..<separator.lowerBound].isEmpty, let pseudoDomain = hostname(String(domain)) else { return nil }
        let local = "user-" + hex("email", value.lowercased(), count: 4)
        return local + (encoded == nil ? "@" : "%40") + pseudoDomain
    }

    /// Returns a locally administered unicast MAC address, in the input's separator style and case.
    func mac(_ value: String) -> String? {
        let digits = value.unicodeScalars.filter { $0.properties.isASCIIHexDigit }
        guard digits.count == 12 else { return nil }
        let normalized = String(String.UnicodeScalarView(digits)).lowercased()
        var bytes = Array(Sodium.hmacSHA256(key: secret, message: Array(("mac\u{0}" + normalized).utf8)).prefix(6))
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
    func phone(_ value: String) -> String? {
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
        var attempt = 0
        while true {
            let stream = Sodium.hmacSHA256(key: secret, message: Array("phone\u{0}\(attempt)\u{0}\(digits)".utf8))
            var output = ""
            var position = 0
            for character in value {
                if character.isASCIIDigit {
                    output.append(position < kept ? character : Character(String(stream[position % 32] % 10)))
                    position += 1
                } else {
                    output.append(character)
                }
            }
            if output != value || attempt > 3 { return output }
            attempt += 1
        }
    }

    // MARK: - Digests

    /// HMAC-SHA-256 under the site secret of `tag`, a zero byte and `value`.
    func digest(_ tag: String, _ value: String) -> [UInt8] {
        Sodium.hmacSHA256(key: secret, message: Array((tag + "\u{0}" + value).utf8))
    }

    /// Returns the first `count` bytes of `digest(tag, value)` as lower-case hex.
    func hex(_ tag: String, _ value: String, count: Int) -> String {
        Array(digest(tag, value).prefix(count)).hexString
    }

    /// Returns a key for one family of permutations, derived from the site secret.
    func permutationKey(_ tag: String) -> [UInt8] {
        digest("permutation", tag)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
