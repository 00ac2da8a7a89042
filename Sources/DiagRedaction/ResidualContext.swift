/// Finds and classifies the key or header name in front of a token, for `ResidualScanner`.
enum ResidualContext {
    /// The maximum number of separator bytes between a key and its value (`\":\"` in escaped JSON has five).
    static let maximumSeparatorBytes = 6
    static let maximumKeyBytes = 64

    /// Returns the key directly in front of `start` (`key=`, `key: `, `"key": "`, `--key `,
    /// `Header: `), without leading dashes, or nil when none is there.
    static func key(before start: Int, in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard let keyStart = keyStart(before: start, in: bytes) else { return nil }
        var end = keyStart
        while end < bytes.count, isKeyByte(bytes[end]) { end += 1 }
        var first = keyStart
        while first < end, bytes[first] == UInt8(ascii: "-") { first += 1 }
        guard first < end else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[first..<end]), as: UTF8.self)
    }

    /// Returns where the key in front of `start` begins, or nil when no key is there.
    static func keyStart(before start: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var index = start
        while index > 0, start - index < maximumSeparatorBytes, isSeparator(bytes[index - 1]) || isArrowDash(bytes, index - 1) {
            index -= 1
        }
        guard index < start, index > 0, isKeyByte(bytes[index - 1]) else { return nil }
        let keyEnd = index
        while index > 0, keyEnd - index < maximumKeyBytes, isKeyByte(bytes[index - 1]) { index -= 1 }
        return index
    }

    /// Returns whether the byte at `index` is the `-` of a `->` arrow.
    static func isArrowDash(_ bytes: UnsafeBufferPointer<UInt8>, _ index: Int) -> Bool {
        bytes[index] == UInt8(ascii: "-") && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: ">")
    }

    static func isSeparator(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x20, 0x09, UInt8(ascii: ":"), UInt8(ascii: "="), UInt8(ascii: "\""), UInt8(ascii: "'"),
            UInt8(ascii: ">"), UInt8(ascii: "\\"):
            return true
        default:
            return false
        }
    }

    static func isKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
            return true
        default:
            return false
        }
    }

    /// Key names ending like these name a setting about a secret, not the secret itself.
    static let settingSuffixes = [
        "_file", "_files", "_path", "_type", "_name", "_enabled", "_count", "_ttl", "_length", "_url", "_uri",
        "_expiry", "_timeout", "_duration", "_seconds",
    ]

    static let secretWords = [
        "passw", "passphrase", "pwd", "secret", "token", "apikey", "api_key", "api-key", "credential", "signature",
        "cookie", "session", "private_key", "access_key", "auth",
    ]

    static let secretWordBytes = secretWords.map { Array($0.utf8) }
    static let identifierWordBytes = identifierWords.map { Array($0.utf8) }

    /// Returns whether `needle` occurs in `haystack`. Byte comparison costs far less than
    /// Foundation's substring search on the many short keys the scanner reads.
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        haystack.withUnsafeBufferPointer { Redactor.find(needle, in: $0, from: 0, to: $0.count) != nil }
    }

    static let settingSuffixBytes = settingSuffixes.map { Array($0.utf8) }
    static let secretLastWords = ["key", "pass", "pin", "otp"].map { Array($0.utf8) }

    /// Returns `key`'s bytes with ASCII letters in lower case. Keys are ASCII (`isKeyByte`).
    static func lowercasedBytes(_ key: String) -> [UInt8] {
        key.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
    }

    /// Returns whether `key` names a secret, as the default ruleset's `secret-keys` rule reads key names.
    static func isSecretLike(_ key: String) -> Bool {
        let bytes = lowercasedBytes(key)
        if settingSuffixBytes.contains(where: { bytes.count >= $0.count && bytes.suffix($0.count).elementsEqual($0) }) {
            return false
        }
        if secretWordBytes.contains(where: { contains(bytes, $0) }) { return true }
        let separators: [UInt8] = [UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: ".")]
        var end = bytes.count
        while end > 0, separators.contains(bytes[end - 1]) { end -= 1 }
        var start = end
        while start > 0, !separators.contains(bytes[start - 1]) { start -= 1 }
        let last = bytes[start..<end]
        return secretLastWords.contains { last.elementsEqual($0) }
    }

    /// Returns whether `key` is an HTTP header that carries credentials.
    static func isHeaderLike(_ key: String) -> Bool {
        let name = key.lowercased()
        return name.hasSuffix("authorization")
            || ["x-api-key", "api-key", "x-auth-token", "x-access-token", "x-vault-token", "x-amz-security-token"]
                .contains(name)
    }

    /// Returns whether `word` is an HTTP authentication scheme written before a credential.
    static func isAuthScheme(_ word: String) -> Bool {
        ["bearer", "basic", "negotiate", "ssws"].contains(word.lowercased())
    }

    static let identifierWords = [
        "id", "trace", "span", "hash", "digest", "sha", "md5", "checksum", "fingerprint", "commit", "revision",
        "etag", "nonce", "uid",
    ]

    /// Returns whether `key` names an identifier or a digest, whose hex values are not secrets.
    static func isIdentifierLike(_ key: String) -> Bool {
        let bytes = lowercasedBytes(key)
        return !isSecretLike(key) && identifierWordBytes.contains { contains(bytes, $0) }
    }
}
