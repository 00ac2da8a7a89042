/// Finds and classifies the key or header name in front of a token, for `ResidualScanner`.
enum ResidualContext {
    /// The maximum number of separator bytes between a key and its value (`\":\"` in escaped JSON has five).
    static let maximumSeparatorBytes = 6
    static let maximumKeyBytes = 64

    /// Returns the key directly in front of `start` (`key=`, `key: `, `"key": "`, `--key `,
    /// `Header: `), without leading dashes, or nil when none is there.
    static func key(before start: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Key? {
        guard let keyStart = keyStart(before: start, in: bytes) else { return nil }
        var end = keyStart
        while end < bytes.count, isKeyByte(bytes[end]) { end += 1 }
        var first = keyStart
        while first < end, bytes[first] == UInt8(ascii: "-") { first += 1 }
        guard first < end else { return nil }
        return Key(bytes: UnsafeBufferPointer(rebasing: bytes[first..<end]))
    }

    /// A key name in the scanned buffer, read without copying; `text` makes the copy that a
    /// warning keeps. Its bytes are ASCII (`isKeyByte`), compared without regard to case.
    struct Key {
        let bytes: UnsafeBufferPointer<UInt8>
        var text: String { String(decoding: bytes, as: UTF8.self) }

        static func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }

        /// Returns whether the key equals `word`, which is in lower case.
        func equals(_ word: [UInt8]) -> Bool {
            bytes.count == word.count && hasSuffix(word)
        }

        /// Returns whether the key ends with `word`, which is in lower case.
        func hasSuffix(_ word: [UInt8]) -> Bool {
            guard bytes.count >= word.count else { return false }
            let offset = bytes.count - word.count
            for index in word.indices where Self.lower(bytes[offset + index]) != word[index] { return false }
            return true
        }

        /// Returns whether `word`, which is in lower case, occurs in the key.
        func contains(_ word: [UInt8]) -> Bool {
            guard bytes.count >= word.count else { return false }
            search: for start in 0...(bytes.count - word.count) {
                for index in word.indices where Self.lower(bytes[start + index]) != word[index] { continue search }
                return true
            }
            return false
        }
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
    static let settingSuffixBytes = settingSuffixes.map { Array($0.utf8) }
    static let secretLastWords = ["key", "pass", "pin", "otp"].map { Array($0.utf8) }

    /// Returns whether `key` names a secret, as the default ruleset's `secret-keys` rule reads key names.
    static func isSecretLike(_ key: Key) -> Bool {
        if settingSuffixBytes.contains(where: key.hasSuffix) { return false }
        if secretWordBytes.contains(where: key.contains) { return true }
        let bytes = key.bytes
        func isSeparator(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
        var end = bytes.count
        while end > 0, isSeparator(bytes[end - 1]) { end -= 1 }
        var start = end
        while start > 0, !isSeparator(bytes[start - 1]) { start -= 1 }
        let last = Key(bytes: UnsafeBufferPointer(rebasing: bytes[start..<end]))
        return secretLastWords.contains(where: last.equals)
    }

    /// Returns whether `key` is an HTTP header that carries credentials.
    static func isHeaderLike(_ key: Key) -> Bool {
        key.hasSuffix(authorizationBytes) || credentialHeaderBytes.contains(where: key.equals)
    }

    static let authorizationBytes = Array("authorization".utf8)
    static let credentialHeaderBytes = [
        "x-api-key", "api-key", "x-auth-token", "x-access-token", "x-vault-token", "x-amz-security-token",
    ].map { Array($0.utf8) }

    /// Returns whether `word` is an HTTP authentication scheme written before a credential.
    static func isAuthScheme(_ word: Key) -> Bool {
        authSchemeBytes.contains(where: word.equals)
    }

    static let authSchemeBytes = ["bearer", "basic", "negotiate", "ssws"].map { Array($0.utf8) }

    static let identifierWords = [
        "id", "trace", "span", "hash", "digest", "sha", "md5", "checksum", "fingerprint", "commit", "revision",
        "etag", "nonce", "uid",
    ]

    /// Returns whether `key` names an identifier or a digest, whose hex values are not secrets.
    static func isIdentifierLike(_ key: Key) -> Bool {
        !isSecretLike(key) && identifierWordBytes.contains(where: key.contains)
    }
}
