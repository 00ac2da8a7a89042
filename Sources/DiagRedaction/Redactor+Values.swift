import DiagSupport
import Foundation

extension Redactor {
    /// Returns the replacement of `value`, claimed by `rule`, or nil when the value is kept (empty,
    /// allowed, already a pseudonym or marker, or unchanged because every host in it is kept).
    /// `context` is set for values found by key.
    func replacement(
        for value: String, rule: CompiledRule, context: KeyValueContext?, log: inout RedactionLog
    ) throws -> String? {
        let result = try computeReplacement(for: value, rule: rule, context: context, log: &log)
        return result == value ? nil : result
    }

    private func computeReplacement(
        for value: String, rule: CompiledRule, context: KeyValueContext?, log: inout RedactionLog
    ) throws -> String? {
        guard !value.isEmpty, !value.hasPrefix("<redacted:"), !isKnownPseudonym(value), !Self.isSchemeAndMarker(value),
            !Self.isSourceMask(value)
        else { return nil }
        if context != nil, rule.allows(value) || Self.isQueryPlaceholder(value) { return nil }

        if context?.isPercentEncoded == true, value.contains("%"), let decoded = value.removingPercentEncoding,
            decoded != value
        {
            var plain = context!
            plain.isPercentEncoded = false
            guard let replaced = try replacement(for: decoded, rule: rule, context: plain, log: &log) else { return nil }
            return replaced.addingPercentEncoding(withAllowedCharacters: Self.unreservedURLCharacters) ?? replaced
        }

        // `user:password` under a user key, as in `curl --user=ci:s3cret`: the password becomes a
        // marker, so it never enters the pseudonym map.
        if rule.kind == .userID, context != nil, let colon = value.firstIndex(of: ":"), colon != value.startIndex,
            !value.contains("://"), value.index(after: colon) != value.endIndex
        {
            let user = String(value[..<colon])
            let password = String(value[value.index(after: colon)...])
            let userPseudonym = pseudonym(user, rule: rule, kind: Self.emailShape.matches(user) ? .email : .userID, log: &log)
            return userPseudonym + ":" + secretMarker(password, rule: rule, log: &log)
        }

        switch rule.kind {
        case .tenantID, .userID, .customerID, .identifier, .keyword:
            // An email under a user or tenant key keeps the email pseudonym it gets everywhere else.
            if Self.emailShape.matches(value) { return pseudonym(value, rule: rule, kind: .email, log: &log) }
            guard context?.isRegexMatcher == true, value.contains("|") else {
                return pseudonym(value, rule: rule, kind: rule.kind, log: &log)
            }
            let alternatives = value.split(separator: "|", omittingEmptySubsequences: false).map { piece in
                piece.isEmpty ? "" : pseudonym(String(piece), rule: rule, kind: rule.kind, log: &log)
            }
            return alternatives.joined(separator: "|")
        case .hostname:
            return try replaceHosts(in: value, rule: rule, log: &log)
        case .ipv4, .ipv6:
            return try replaceHostPort(value, rule: rule, log: &log)
        case .urlCredentials:
            guard let at = value.lastIndex(of: "@") else { return secretMarker(value, rule: rule, log: &log) }
            let credentials = String(value[..<at])
            let marker = secretMarker(credentials, rule: rule, log: &log)
            return marker + "@" + (try replaceHostPort(String(value[value.index(after: at)...]), rule: rule, log: &log))
        case .webhookURL:
            return try replaceWebhookURL(value, rule: rule, log: &log)
        case .email, .mac, .phone:
            return pseudonym(value, rule: rule, kind: rule.kind, log: &log)
        case .bearerToken, .jwt, .privateKey, .awsKey, .apiToken, .secretValue, .nationalID, .cardNumber:
            return secretMarker(value, rule: rule, log: &log)
        }
    }

    /// Returns whether `value` is a mask that the source wrote in place of a secret: `<secret>`
    /// (Prometheus and Alertmanager configs), a run of asterisks, `<hidden>` or `REDACTED`. A mask
    /// contains nothing to hide, and a marker in its place would read as a real secret.
    static func isSourceMask(_ value: String) -> Bool {
        if value.utf8.count >= 3, value.utf8.allSatisfy({ $0 == UInt8(ascii: "*") }) { return true }
        guard value.utf8.count == 8 || value.utf8.count == 10 else { return false }
        return ["<secret>", "<hidden>", "redacted", "[redacted]", "<redacted>"].contains(value.lowercased())
    }

    /// Returns whether `value` is a bind parameter of a prepared SQL statement (`$2`, `?`,
    /// `:account`), which refers to a value logged elsewhere and contains none itself. A value
    /// starting with `@` is not one, because Slack and chat handles look the same.
    static func isQueryPlaceholder(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard let first = bytes.first, bytes.count <= 64 else { return false }
        if bytes == [UInt8(ascii: "?")] { return true }
        let rest = bytes.dropFirst()
        guard !rest.isEmpty else { return false }
        switch first {
        case UInt8(ascii: "$"):
            return rest.count <= 3 && rest.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        case UInt8(ascii: ":"):
            let isNameByte: (UInt8) -> Bool = { byte in
                byte == UInt8(ascii: "_") || (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A)
            }
            return !(rest.first! >= 0x30 && rest.first! <= 0x39) && rest.allSatisfy(isNameByte)
        default:
            return false
        }
    }

    /// An authentication scheme and a marker, `Bearer <redacted:…>`, as earlier redaction left it.
    static let schemeAndMarkerShape = try! PCRE2Regex(
        #"^(?i:bearer|basic|token|digest|negotiate|apikey|ssws|bot) +<redacted:[a-z0-9-]+(?::[0-9a-f]{8})?>$"#)

    static func isSchemeAndMarker(_ value: String) -> Bool {
        value.hasSuffix(">") && schemeAndMarkerShape.matches(value)
    }

    /// A MAC address, which host-like labels such as node_exporter's `address` sometimes hold.
    static let macShape = try! PCRE2Regex(
        #"^(?:[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})$"#)

    /// Returns whether `text` has the length and bytes of a MAC address (hex digits, `:`, `-`
    /// and `.`), the cheap test before `macShape`.
    static func mayBeMAC(_ text: String) -> Bool {
        let bytes = text.utf8
        guard bytes.count == 14 || bytes.count == 17 else { return false }
        return bytes.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x66) || byte == UInt8(ascii: ":")
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
    }

    /// An email address, which identifier and host keys sometimes hold.
    static let emailShape = try! PCRE2Regex(#"^[^@\s]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$"#)

    static let unreservedURLCharacters = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    func pseudonym(_ value: String, rule: CompiledRule, kind: RuleKind, log: inout RedactionLog) -> String {
        let result = pseudonymizer.pseudonym(for: value, kind: kind)
        log.record(original: value, pseudonym: result, kind: kind, rule: rule.id)
        return result
    }

    /// Returns a `<redacted:…>` marker for `value`. An HTTP authentication scheme in front, as in
    /// `Bearer xyz`, stays.
    func secretMarker(_ value: String, rule: CompiledRule, log: inout RedactionLog) -> String {
        let kind: RuleKind = rule.kind.isSecret ? rule.kind : .secretValue
        if let space = value.utf8.firstIndex(of: UInt8(ascii: " ")),
            KeyValueScanner.authSchemes.contains(value[..<space].lowercased())
        {
            let credential = value[space...].drop { $0 == " " }
            if !credential.isEmpty {
                let marker = pseudonymizer.marker(for: String(credential), kind: kind)
                log.record(original: String(credential), pseudonym: marker, kind: kind, rule: rule.id)
                return String(value[..<credential.startIndex]) + marker
            }
        }
        let marker = pseudonymizer.marker(for: value, kind: kind)
        log.record(original: value, pseudonym: marker, kind: kind, rule: rule.id)
        return marker
    }

    // MARK: - Hosts

    /// Replaces every host in a value found under a host-like key or label: a URL, `host:port`,
    /// an address, or a list of them separated by commas or spaces.
    func replaceHosts(in value: String, rule: CompiledRule, log: inout RedactionLog) throws -> String {
        guard value.utf8.contains(where: Self.isHostSeparator) else { return try replaceHostToken(value, rule: rule, log: &log) }
        let prose = Self.isProse(value)
        // Separators are ASCII, so cutting the UTF-8 bytes at them never splits a character's bytes.
        let bytes = Array(value.utf8)
        var output = ""
        var start = 0
        func replace(_ token: String) throws -> String {
            prose && (!Self.isHostShaped(token) || Self.isVersionNumber(token))
                ? token : try replaceHostToken(token, rule: rule, log: &log)
        }
        for index in bytes.indices where Self.isHostSeparator(bytes[index]) {
            output += try replace(String(decoding: bytes[start..<index], as: UTF8.self))
            output.unicodeScalars.append(Unicode.Scalar(bytes[index]))
            start = index + 1
        }
        output += try replace(String(decoding: bytes[start...], as: UTF8.self))
        return output
    }

    /// Returns whether a value under a host key reads as a phrase rather than a list of hosts: words
    /// separated by spaces, without commas, with a word of letters only. Spring's property
    /// `origin` ("System Environment Property \"HOSTNAME\"") is one.
    static func isProse(_ value: String) -> Bool {
        guard value.contains(" "), !value.contains(",") else { return false }
        return value.split(separator: " ").contains { word in
            word.count >= 2 && word.unicodeScalars.allSatisfy { ($0.value | 0x20) >= 0x61 && ($0.value | 0x20) <= 0x7A }
        }
    }

    /// Returns whether a word of such a phrase can name a host: it contains a dot, a colon, a digit, a
    /// bracket or a slash, as names, addresses and URLs do and words do not.
    static func isHostShaped(_ token: String) -> Bool {
        token.utf8.contains { byte in
            byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "/")
                || (byte >= 0x30 && byte <= 0x39)
        }
    }

    /// Returns whether a word of such a phrase is a version number rather than an address: digits
    /// and dots, perhaps in parentheses, that no IPv4 address reads (`10.0.22631.0)` in
    /// "Microsoft Windows NT 10.0.22631.0)").
    static func isVersionNumber(_ token: String) -> Bool {
        let trimmed = token.trimmingCharacters(in: CharacterSet(charactersIn: "()[];"))
        guard trimmed.contains("."), trimmed.utf8.allSatisfy({ $0 == UInt8(ascii: ".") || ($0 >= 0x30 && $0 <= 0x39) }) else {
            return false
        }
        return IPAddressText.parseIPv4(trimmed) == nil
    }

    /// Returns whether `byte` separates the hosts of a list: a comma, space, tab or newline.
    static func isHostSeparator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ",") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
    }

    /// Replaces one host token; a URL goes through the text rules, whose URL rules handle its
    /// credentials, host and webhook path together.
    private func replaceHostToken(_ token: String, rule: CompiledRule, log: inout RedactionLog) throws -> String {
        guard !token.isEmpty else { return token }
        if token.contains("://") { return try redactText(token, log: &log) }
        return try replaceHostPort(token, rule: rule, log: &log)
    }

    /// Replaces the host of `host`, `host:port`, `[v6]`, `[v6]:port`, `v6%zone` or a bare address,
    /// keeping port, brackets and zone.
    func replaceHostPort(_ token: String, rule: CompiledRule, log: inout RedactionLog) throws -> String {
        if token.hasPrefix("["), let close = token.firstIndex(of: "]") {
            let inner = String(token[token.index(after: token.startIndex)..<close])
            return "[" + replaceAddressWithZone(inner, rule: rule, log: &log) + String(token[close...])
        }
        if token.utf8.lazy.filter({ $0 == UInt8(ascii: ":") }).count >= 2 {
            return replaceAddressWithZone(token, rule: rule, log: &log)
        }
        if let colon = token.lastIndex(of: ":"), token[token.index(after: colon)...].allSatisfy(\.isASCIIDigit) {
            return replaceHost(String(token[..<colon]), rule: rule, log: &log) + String(token[colon...])
        }
        return replaceHost(token, rule: rule, log: &log)
    }

    private func replaceAddressWithZone(_ text: String, rule: CompiledRule, log: inout RedactionLog) -> String {
        let zoneStart = text.firstIndex(of: "%") ?? text.endIndex
        return replaceHost(String(text[..<zoneStart]), rule: rule, log: &log) + String(text[zoneStart...])
    }

    /// Replaces one host name or address, unless an IPv4, IPv6 or hostname rule's `allow` keeps it.
    func replaceHost(_ host: String, rule: CompiledRule, log: inout RedactionLog) -> String {
        guard !host.isEmpty, !compiled.keepsHost(host), !isKnownPseudonym(host) else { return host }
        let kind: RuleKind
        if IPAddressText.parseIPv4(host) != nil {
            kind = .ipv4
        } else if IPAddressText.parseIPv6(host) != nil {
            kind = .ipv6
        } else if Self.mayBeMAC(host), Self.macShape.matches(host) {
            kind = .mac
        } else if host.utf8.contains(UInt8(ascii: "@")), Self.emailShape.matches(host) {
            kind = .email
        } else {
            kind = .hostname
        }
        return pseudonym(host, rule: rule, kind: kind, log: &log)
    }

    /// Keeps a webhook URL's scheme and (pseudonymized) host and replaces its path and query,
    /// which carry the webhook's secret, by one marker.
    private func replaceWebhookURL(_ value: String, rule: CompiledRule, log: inout RedactionLog) throws -> String {
        guard let schemeEnd = value.range(of: "://") else { return secretMarker(value, rule: rule, log: &log) }
        let rest = value[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = String(rest[..<authorityEnd])
        if let at = authority.lastIndex(of: "@") { authority = String(authority[authority.index(after: at)...]) }
        let host = try replaceHostPort(authority, rule: rule, log: &log)
        let path = rest[authorityEnd...].dropFirst()
        // A base URL such as https://api.telegram.org contains no secret of its own: only its host
        // is replaced, where the host rules replace it.
        if path.isEmpty, !value.contains("@") {
            return String(value[..<schemeEnd.upperBound]) + host + (authorityEnd < rest.endIndex ? String(rest[authorityEnd]) : "")
        }
        // A path that earlier redaction already turned into a marker stays as it is.
        if path.hasPrefix("<redacted:"), path.hasSuffix(">"), !path.dropFirst().contains("<") {
            return String(value[..<schemeEnd.upperBound]) + host + "/" + path
        }
        // The whole URL is recorded with the text that replaced it, so `rules explain` and the
        // known-value sweep show and write the kept host too.
        let kind: RuleKind = rule.kind.isSecret ? rule.kind : .secretValue
        let replaced = String(value[..<schemeEnd.upperBound]) + host + "/" + pseudonymizer.marker(for: value, kind: kind)
        log.record(original: value, pseudonym: replaced, kind: kind, rule: rule.id)
        return replaced
    }
}
