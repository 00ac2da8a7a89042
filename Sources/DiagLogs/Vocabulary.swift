/// The token strings of a miner, numbered; number 0 is the wildcard `<*>`.
///
/// Besides its text, each token carries its kind (see `TokenKind`) and, for `key=value` tokens,
/// the number of its key form: `user=root` and `user=<*>` both have the key form `user=<*>`. The
/// merger writes the key form instead of a bare `<*>` when it merges values of one key, so the
/// template keeps the key's name.
struct Vocabulary {
    private var table = KeyTable(expectedCount: 1024)
    private var kinds: [TokenKind] = []
    private var keyForms: [Int32] = []

    init() {
        let wildcard = Array(MessageMasker.wildcard.utf8)
        _ = wildcard.withUnsafeBufferPointer { add($0) }
    }

    func text(of number: Int32) -> String { String(decoding: table.key(Int(number)), as: UTF8.self) }

    func kind(of number: Int32) -> TokenKind { kinds[Int(number)] }

    /// Returns the number of the token's `key=<*>` form, or -1 when it is not a `key=value` token
    /// with a plain word or `<*>` as its value.
    func keyForm(of number: Int32) -> Int32 { number < 0 ? -1 : keyForms[Int(number)] }

    /// Returns the numbers of the space-separated tokens of `key`, adding unseen tokens.
    mutating func intern(tokensOf key: [UInt8]) -> [Int32] {
        var numbers: [Int32] = []
        key.withUnsafeBufferPointer { bytes in
            Self.forEachToken(bytes) { token in
                if let number = table.find(token, hash: KeyTable.hash(token)) {
                    numbers.append(Int32(number))
                } else {
                    numbers.append(add(token))
                }
            }
        }
        return numbers
    }

    /// Returns the numbers of the tokens of `key`, with -1 for tokens never seen. An unseen
    /// `key=word` token gets the number of its key form when that form is known.
    func lookup(tokensOf key: [UInt8]) -> [Int32] {
        var numbers: [Int32] = []
        key.withUnsafeBufferPointer { bytes in
            Self.forEachToken(bytes) { token in
                if let number = table.find(token, hash: KeyTable.hash(token)) {
                    numbers.append(Int32(number))
                } else if let form = Self.keyFormBytes(of: token), !form.isSelf,
                    let number = form.bytes.withUnsafeBufferPointer({ table.find($0, hash: KeyTable.hash($0)) })
                {
                    numbers.append(Int32(number))
                } else {
                    numbers.append(-1)
                }
            }
        }
        return numbers
    }

    /// Stores an unseen token with its kind and key form, and returns its number.
    private mutating func add(_ token: UnsafeBufferPointer<UInt8>) -> Int32 {
        let number = Int32(table.insert(token, hash: KeyTable.hash(token)))
        kinds.append(Self.isUpperCaseWord(token) ? .upperCaseWord : .other)
        keyForms.append(-1)
        guard let form = Self.keyFormBytes(of: token) else { return number }

        if form.isSelf {
            keyForms[Int(number)] = number
            return number
        }
        kinds[Int(number)] = .keyWithWordValue
        let formNumber = form.bytes.withUnsafeBufferPointer { bytes in
            table.find(bytes, hash: KeyTable.hash(bytes)).map { Int32($0) } ?? add(bytes)
        }
        keyForms[Int(number)] = formNumber
        return number
    }

    private static func forEachToken(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != ASCII.space { end += 1 }
            if end > start { body(UnsafeBufferPointer(rebasing: bytes[start..<end])) }
            start = end + 1
        }
    }

    /// Returns the `key=<*>` form of a token such as `user=root` or `(state=idle),`, with the
    /// token's punctuation kept, and whether the token already is that form, or nil for other tokens.
    private static func keyFormBytes(of token: UnsafeBufferPointer<UInt8>) -> (bytes: [UInt8], isSelf: Bool)? {
        guard let equals = token.firstIndex(of: ASCII.equals), equals > 0, equals + 1 < token.count else { return nil }
        var valueEnd = token.count
        let wildcard = MessageMasker.wildcard.utf8
        if token.count - (equals + 1) >= wildcard.count,
            token[(equals + 1)..<(equals + 1 + wildcard.count)].elementsEqual(wildcard)
        {
            let rest = token[(equals + 1 + wildcard.count)...]
            return rest.allSatisfy(MessageMasker.isTrailingPunctuation) ? ([], true) : nil
        }
        while valueEnd > equals + 1, MessageMasker.isTrailingPunctuation(token[valueEnd - 1]) { valueEnd -= 1 }
        guard TokenShape.isWordValue(token, equals + 1, valueEnd) else { return nil }
        var form = Array(token[...equals])
        form.append(contentsOf: wildcard)
        form.append(contentsOf: token[valueEnd...])
        return (form, false)
    }

    /// Returns true for words such as `RUNNING` or `FAIL_TASK_CLEANUP`: an upper-case letter, then
    /// at least one more upper-case letter, digit or underscore.
    private static func isUpperCaseWord(_ token: UnsafeBufferPointer<UInt8>) -> Bool {
        guard token.count >= 2, ASCII.isUpper(token[0]) else { return false }
        return token.dropFirst().allSatisfy { ASCII.isUpper($0) || ASCII.isDigit($0) || $0 == UInt8(ascii: "_") }
    }
}

/// The shapes of token that `TemplateMerger` treats as members of a small set of named values.
enum TokenKind: UInt8 {
    case other
    /// A word such as `RUNNING` or `FAIL_TASK_CLEANUP`.
    case upperCaseWord
    /// A token such as `user=root`: a key and a plain word.
    case keyWithWordValue
}
