import DiagSupport
import Foundation

extension RuleValidator {
    /// Returns whether `value` passes the check.
    func accepts(_ value: Substring) -> Bool {
        switch self {
        case .ipv4: return IPAddressText.parseIPv4(value) != nil
        case .ipv6: return IPAddressText.parseIPv6(value) != nil
        case .luhn: return Self.isCardNumber(value)
        case .jwt: return Self.isJWT(value)
        case .phone: return (8...15).contains(value.utf8.filter { $0 >= 0x30 && $0 <= 0x39 }.count)
        case .token: return Self.isBearerToken(value)
        case .credential:
            return value.utf8.count >= 8 && value.utf8.contains { $0 >= 0x30 && $0 <= 0x39 }
                && value.utf8.contains { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }
        case .basicCredentials: return Self.isBasicCredentials(value)
        case .highEntropy: return Self.isHighEntropy(value)
        }
    }

    /// Returns whether `digits` start with a card network's issuer prefix. Millisecond timestamps
    /// start with 1, so they are not taken for cards. The prefixes: Visa 4, Mastercard 51-55 and
    /// 2221-2720, American Express 34 and 37, Discover 6011, 644-649 and 65, JCB 3528-3589,
    /// Diners Club 300-305, 36 and 38, UnionPay 62, and Verve 506099-506198 and 650002-650027.
    static func hasCardIssuerPrefix(_ digits: [UInt8]) -> Bool {
        func prefix(_ count: Int) -> Int {
            digits.prefix(count).reduce(0) { $0 * 10 + Int($1) }
        }
        let two = prefix(2)
        let three = prefix(3)
        let four = prefix(4)
        let six = prefix(6)
        if digits.first == 4 { return true }
        if (51...55).contains(two) || (2221...2720).contains(four) { return true }
        if two == 34 || two == 37 || two == 36 || two == 38 || two == 62 || two == 65 { return true }
        if four == 6011 || (644...649).contains(three) || (300...305).contains(three) { return true }
        if (3528...3589).contains(four) { return true }
        return (506099...506198).contains(six) || (650002...650027).contains(six)
    }

    static func isCardNumber(_ value: Substring) -> Bool {
        let digits = value.utf8.compactMap { $0 >= 0x30 && $0 <= 0x39 ? $0 - 0x30 : nil }
        guard (13...19).contains(digits.count), hasCardIssuerPrefix(digits) else { return false }
        var sum = 0
        for (position, digit) in digits.reversed().enumerated() {
            var value = Int(digit)
            if position % 2 == 1 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return sum % 10 == 0
    }

    static func isJWT(_ value: Substring) -> Bool {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return false }
        // A site's tokens share a handful of headers, so each is decoded and parsed once.
        return jwtHeaders.value(for: String(parts[0])) { isJWTHeader(parts[0]) }
    }

    /// Returns whether `encoded` is the base64url encoding of a JSON object with `alg` or `typ`.
    static func isJWTHeader(_ encoded: Substring) -> Bool {
        guard let header = base64URLDecode(encoded),
            case .object(let members)? = try? JSONValue.parse(Data(header))
        else { return false }
        return members["alg"] != nil || members["typ"] != nil
    }

    private static let jwtHeaders = BoundedCache<String, Bool>(limit: 256)

    static func isBearerToken(_ value: Substring) -> Bool {
        let bytes = Array(value.utf8)
        let hasDigit = bytes.contains { $0 >= 0x30 && $0 <= 0x39 }
        let hasUpper = bytes.contains { $0 >= 0x41 && $0 <= 0x5A }
        let hasLower = bytes.contains { $0 >= 0x61 && $0 <= 0x7A }
        return (bytes.count >= 8 && hasDigit) || (bytes.count >= 16 && hasUpper && hasLower)
    }

    static func isBasicCredentials(_ value: Substring) -> Bool {
        guard let decoded = Data(base64Encoded: String(value)), let text = String(data: decoded, encoding: .utf8) else {
            return false
        }
        return text.contains(":") && text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
    }

    static func isHighEntropy(_ value: Substring) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count >= 24 else { return false }
        let digits = bytes.filter { $0 >= 0x30 && $0 <= 0x39 }.count
        let upper = bytes.filter { $0 >= 0x41 && $0 <= 0x5A }.count
        let lower = bytes.filter { $0 >= 0x61 && $0 <= 0x7A }.count
        return digits >= 2 && upper >= 2 && lower >= 2 && !isWordChain(bytes)
    }

    /// Returns whether `bytes` are two or more words or numbers joined by `-`, `_` or `+`, each a
    /// word in one case or capitalized, digits alone, or such a word with a number after it in ten
    /// characters at most, as in the thread name `Native-Transport-Requests-14` and the machine
    /// name in `winlogbeat-IKJ-FIN-LT042`. A random token mixes letters and digits inside its parts.
    static func isWordChain(_ bytes: [UInt8]) -> Bool {
        let parts = bytes.split { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "+") }
        guard parts.count >= 2 else { return false }
        return parts.allSatisfy { part in
            let isDigit = { (byte: UInt8) in byte >= 0x30 && byte <= 0x39 }
            let isUpper = { (byte: UInt8) in byte >= 0x41 && byte <= 0x5A }
            let isLower = { (byte: UInt8) in byte >= 0x61 && byte <= 0x7A }
            let word = part.prefix { !isDigit($0) }
            // A word with a number after it is a short name (`LT042`, `db01`), not a run of
            // random capitals and digits.
            guard part.dropFirst(word.count).allSatisfy(isDigit), word.isEmpty || word.count == part.count || part.count <= 10 else {
                return false
            }
            if word.isEmpty || word.allSatisfy(isUpper) { return true }
            return word.dropFirst().allSatisfy(isLower) && (isUpper(word.first!) || isLower(word.first!))
        }
    }

    static func base64URLDecode(_ text: Substring) -> [UInt8]? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.utf8.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard).map { Array($0) }
    }
}
