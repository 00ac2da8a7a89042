import DiagSupport
import Foundation

/// Finds tenant identifiers in text, ignoring ASCII case, where they are not glued to a letter
/// or digit: `zenith-retail` is found in `ledger.zenith-retail.internal`,
/// `tenant_id=zenith-retail` and `#zenith-retail-alerts`, but not in `zenithretail`.
///
/// Where an identifier to keep (the scoped tenant's own) is the longest identifier starting at
/// a position, that span is skipped: scoped to `zenith-retail-eu`, its own name is not taken
/// for a mention of another tenant called `zenith-retail`.
struct TenantIdentifierMatcher: Sendable {
    /// Identifiers shorter than this are matched only as whole label values, never inside
    /// text, because short words such as `eu` or `42` occur everywhere.
    static let minimumMentionLength = 3

    private struct Candidate: Sendable {
        var bytes: [UInt8]
        /// True for an identifier that is found only to be skipped.
        var kept: Bool
    }

    /// Lower-cased identifiers by their first three bytes, longest first.
    private let candidates: [[UInt8]: [Candidate]]

    init<Identifiers: Sequence>(_ identifiers: Identifiers, keeping kept: [String] = []) where Identifiers.Element == String {
        var candidates: [[UInt8]: [Candidate]] = [:]
        let all = identifiers.map { ($0, false) } + kept.map { ($0, true) }
        for (identifier, isKept) in all {
            let bytes = Self.lowercased(Array(identifier.utf8))
            guard bytes.count >= Self.minimumMentionLength else { continue }
            candidates[Array(bytes.prefix(3)), default: []].append(Candidate(bytes: bytes, kept: isKept))
        }
        for key in candidates.keys { candidates[key]!.sort { $0.bytes.count > $1.bytes.count } }
        let hasOthers = candidates.values.contains { $0.contains { !$0.kept } }
        self.candidates = hasOthers ? candidates : [:]
    }

    /// True when there is nothing to find, only identifiers to keep or none at all.
    var isEmpty: Bool { candidates.isEmpty }

    /// Returns whether `text` mentions any identifier.
    func matches(_ text: String) -> Bool {
        guard !candidates.isEmpty else { return false }
        var text = text
        return text.withUTF8 { firstMatch(in: $0, from: 0) != nil }
    }

    /// Returns whether `data` mentions any identifier; the bytes need not be UTF-8.
    func matches(_ data: Data) -> Bool {
        guard !candidates.isEmpty else { return false }
        return data.withUnsafeBytes { firstMatch(in: $0.bindMemory(to: UInt8.self), from: 0) != nil }
    }

    /// Returns `text` with every mention replaced by `marker`, and the number of replacements.
    func replacing(in text: String, with marker: String) -> (String, Int) {
        guard !candidates.isEmpty else { return (text, 0) }
        var text = text
        let (bytes, count) = text.withUTF8 { replacing(in: $0, with: Array(marker.utf8)) }
        return count == 0 ? (text, 0) : (String(decoding: bytes, as: UTF8.self), count)
    }

    /// Returns `data` with every mention replaced by `marker`, and the number of replacements.
    func replacing(in data: Data, with marker: String) -> (Data, Int) {
        guard !candidates.isEmpty else { return (data, 0) }
        let (bytes, count) = data.withUnsafeBytes { replacing(in: $0.bindMemory(to: UInt8.self), with: Array(marker.utf8)) }
        return count == 0 ? (data, 0) : (Data(bytes), count)
    }

    private func replacing(in buffer: UnsafeBufferPointer<UInt8>, with marker: [UInt8]) -> ([UInt8], Int) {
        var output: [UInt8] = []
        var count = 0
        var copied = 0
        while let match = firstMatch(in: buffer, from: copied) {
            output.append(contentsOf: buffer[copied..<match.lowerBound])
            output.append(contentsOf: marker)
            copied = match.upperBound
            count += 1
        }
        guard count > 0 else { return ([], 0) }
        output.append(contentsOf: buffer[copied...])
        return (output, count)
    }

    /// Returns the byte range of the first mention at or after `start`.
    private func firstMatch(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Range<Int>? {
        var index = start
        let count = bytes.count
        while index + Self.minimumMentionLength <= count {
            if index > 0, Self.isAlphanumeric(bytes[index - 1]) {
                index += 1
                continue
            }
            let key = [Self.lower(bytes[index]), Self.lower(bytes[index + 1]), Self.lower(bytes[index + 2])]
            if let list = candidates[key], let found = longestCandidate(list, in: bytes, at: index) {
                let end = index + found.bytes.count
                if !found.kept { return index..<end }
                index = end
                continue
            }
            index += 1
        }
        return nil
    }

    private func longestCandidate(_ list: [Candidate], in bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Candidate? {
        for candidate in list where index + candidate.bytes.count <= bytes.count {
            let end = index + candidate.bytes.count
            guard end == bytes.count || !Self.isAlphanumeric(bytes[end]) else { continue }
            var equal = true
            for offset in 3..<candidate.bytes.count where Self.lower(bytes[index + offset]) != candidate.bytes[offset] {
                equal = false
                break
            }
            if equal { return candidate }
        }
        return nil
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    static func isWordByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    static func lower(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
    }

    static func lowercased(_ bytes: [UInt8]) -> [UInt8] { bytes.map(lower) }
}

/// Reads tenant identifiers from `label=value` and `key: value` pairs in text, such as
/// `tenant_id="acme"` in a PromQL string or `tenant: acme` in YAML.
enum TenantMentionScanner {
    /// Returns the values given to a tenant label or key anywhere in `text`.
    static func values(in text: String) -> [String] {
        let bytes = Array(text.utf8)
        guard bytes.count >= 6 else { return [] }
        var found: [String] = []
        var index = 0
        while index < bytes.count {
            guard TenantIdentifierMatcher.lower(bytes[index]) == UInt8(ascii: "t"),
                index == 0 || !TenantIdentifierMatcher.isWordByte(bytes[index - 1])
            else {
                index += 1
                continue
            }
            var end = index
            while end < bytes.count, TenantIdentifierMatcher.isWordByte(bytes[end]) { end += 1 }
            let word = String(decoding: TenantIdentifierMatcher.lowercased(Array(bytes[index..<end])), as: UTF8.self)
            index = end
            guard TenantScope.tenantLabels.contains(word), let value = value(after: end, in: bytes) else { continue }
            found.append(value)
        }
        return found
    }

    /// Reads the value of a pair whose key ends at `start`: spaces, `=`, `!=`, `=~`, `!~` or
    /// `:`, spaces, an optional quote, then letters, digits, `.`, `_`, `-` or `:`.
    private static func value(after start: Int, in bytes: [UInt8]) -> String? {
        var index = start
        let quotes = [UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "`")]
        func skipSpaces() { while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 } }
        // A quoted key, as in JSON or YAML: `"tenant_id": "acme"`.
        if index < bytes.count, quotes.contains(bytes[index]) { index += 1 }
        skipSpaces()
        if index < bytes.count, bytes[index] == UInt8(ascii: "!") { index += 1 }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "=") || bytes[index] == UInt8(ascii: ":") else { return nil }
        index += 1
        if index < bytes.count, bytes[index] == UInt8(ascii: "~") { index += 1 }
        skipSpaces()
        if index < bytes.count, quotes.contains(bytes[index]) { index += 1 }
        let valueStart = index
        while index < bytes.count,
            TenantIdentifierMatcher.isWordByte(bytes[index]) || bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: ":")
        {
            index += 1
        }
        guard index > valueStart else { return nil }
        return String(decoding: bytes[valueStart..<index], as: UTF8.self)
    }
}
