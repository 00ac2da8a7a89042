/// The token strings of a miner, numbered; number 0 is the wildcard `<*>`.
struct Vocabulary {
    private var table = KeyTable(expectedCount: 1024)
    private var enumerationWords: [Bool] = []

    init() {
        let wildcard = Array(MessageMasker.wildcard.utf8)
        _ = table.insert(wildcard, hash: KeyTable.hash(wildcard))
        enumerationWords.append(false)
    }

    func text(of number: Int32) -> String { String(decoding: table.key(Int(number)), as: UTF8.self) }

    func isEnumerationWord(_ number: Int32) -> Bool { enumerationWords[Int(number)] }

    /// Returns the numbers of the space-separated tokens of `key`, adding unseen tokens.
    mutating func intern(tokensOf key: [UInt8]) -> [Int32] {
        var numbers: [Int32] = []
        key.withUnsafeBufferPointer { bytes in
            Self.forEachToken(bytes) { token in
                let hash = KeyTable.hash(token)
                if let number = table.find(token, hash: hash) {
                    numbers.append(Int32(number))
                } else {
                    numbers.append(Int32(table.insert(token, hash: hash)))
                    enumerationWords.append(Self.isUpperCaseWord(token))
                }
            }
        }
        return numbers
    }

    /// Returns the numbers of the tokens of `key`, with -1 for tokens never seen.
    func lookup(tokensOf key: [UInt8]) -> [Int32] {
        var numbers: [Int32] = []
        key.withUnsafeBufferPointer { bytes in
            Self.forEachToken(bytes) { token in
                numbers.append(table.find(token, hash: KeyTable.hash(token)).map { Int32($0) } ?? -1)
            }
        }
        return numbers
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

    /// Returns true for words such as `RUNNING` or `FAIL_TASK_CLEANUP`: an upper-case letter, then
    /// at least one more upper-case letter, digit or underscore.
    private static func isUpperCaseWord(_ token: UnsafeBufferPointer<UInt8>) -> Bool {
        guard token.count >= 2, ASCII.isUpper(token[0]) else { return false }
        return token.dropFirst().allSatisfy { ASCII.isUpper($0) || ASCII.isDigit($0) || $0 == UInt8(ascii: "_") }
    }
}
