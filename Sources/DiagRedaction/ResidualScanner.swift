import Foundation

/// Flags likely secrets that no rule replaced, in redacted output, without recording their values.
///
/// Text is read as tokens of base64 and base64url characters (`A-Z a-z 0-9 + / _ -`, with up to
/// two trailing `=`). A token is flagged when it looks random and either follows a key or header
/// named like a secret, or is a long base64 or hex run on its own. `<redacted:…>` markers are
/// skipped. The thresholds are heuristics: expect some false alarms, such as long mixed-case
/// identifiers, and misses, such as short or dictionary-word passwords.
public enum ResidualScanner {
    /// The rule id every warning carries.
    public static let ruleID = "residual-high-entropy"

    /// Warnings past this many in one file are counted as omitted, so a noisy file cannot bloat
    /// the bundle.
    public static let maximumWarningsPerFile = 200

    /// The shortest token flagged without a secret-like key in front of it.
    static let minimumBlobLength = 24
    /// The shortest token flagged after a secret-like key or an authentication scheme.
    static let minimumContextLength = 8

    /// Returns the warnings for every file, sorted by file and line.
    public static func scan(files: [String: Data]) -> [ResidualWarning] {
        scanCounting(files: files).warnings
    }

    /// Returns the warnings for every file and how many were omitted past `maximumWarningsPerFile`.
    public static func scanCounting(files: [String: Data]) -> (warnings: [ResidualWarning], omitted: Int) {
        var warnings: [ResidualWarning] = []
        var omitted = 0
        for path in files.keys.sorted() {
            var found: [ResidualWarning] = []
            files[path]!.withUnsafeBytes { raw in
                found = scan(raw.bindMemory(to: UInt8.self), file: path)
            }
            omitted += max(0, found.count - maximumWarningsPerFile)
            warnings += found.prefix(maximumWarningsPerFile)
        }
        return (warnings, omitted)
    }

    /// Returns the warnings in the file at `url` under the name `name`, and how many were omitted
    /// past `maximumWarningsPerFile`. The file is read in blocks of whole lines, so memory stays
    /// bounded whatever its size.
    public static func scanFile(at url: URL, name: String) throws -> (warnings: [ResidualWarning], omitted: Int) {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var warnings: [ResidualWarning] = []
        var found = 0
        var pending: [UInt8] = []
        var linesBefore = 0
        func scanLines(_ block: ArraySlice<UInt8>) {
            block.withUnsafeBufferPointer { bytes in
                let scanned = ResidualToken.classes.withUnsafeBufferPointer { scan(bytes, file: name, classes: $0) }
                for warning in scanned.warnings {
                    found += 1
                    guard warnings.count < maximumWarningsPerFile else { continue }
                    var shifted = warning
                    shifted.line += linesBefore
                    warnings.append(shifted)
                }
                linesBefore += scanned.newlines
            }
        }
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            pending.append(contentsOf: chunk)
            guard let lastNewline = pending.lastIndex(of: 0x0A) else { continue }
            scanLines(pending[...lastNewline])
            pending.removeSubrange(...lastNewline)
        }
        if !pending.isEmpty { scanLines(pending[...]) }
        return (warnings, found - warnings.count)
    }

    /// Returns every warning in one file's bytes, in order.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, file: String) -> [ResidualWarning] {
        ResidualToken.classes.withUnsafeBufferPointer { classes in
            scan(bytes, file: file, classes: classes).warnings
        }
    }

    /// Returns the warnings in `bytes` and the number of newlines there. `classes` is
    /// `ResidualToken.classes`, read through one pointer for the whole scan.
    private static func scan(
        _ bytes: UnsafeBufferPointer<UInt8>, file: String, classes: UnsafeBufferPointer<UInt8>
    ) -> (warnings: [ResidualWarning], newlines: Int) {
        func isTokenByte(_ byte: UInt8) -> Bool { classes[Int(byte)] & ResidualToken.Class.token != 0 }
        var warnings: [ResidualWarning] = []
        var line = 1
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard isTokenByte(byte) else {
                if byte == 0x0A {
                    line += 1
                } else if byte == UInt8(ascii: "<"), let end = markerEnd(bytes, from: index) {
                    index = end
                    continue
                }
                index += 1
                continue
            }

            var end = index + 1
            while end < bytes.count, isTokenByte(bytes[end]) { end += 1 }
            // Most tokens are short words, which can be neither a credential nor a blob.
            guard end - index >= minimumContextLength - 2 else {
                index = end
                continue
            }
            var padded = end
            while padded < bytes.count, padded - end < 2, bytes[padded] == UInt8(ascii: "=") { padded += 1 }
            if padded > end, padded < bytes.count, isTokenByte(bytes[padded]) { padded = end }

            guard padded - index >= minimumContextLength else {
                index = padded
                continue
            }
            let token = ResidualToken(bytes: UnsafeBufferPointer(rebasing: bytes[index..<padded]))
            if let kind = classify(token, bytes: bytes, start: index) {
                warnings.append(
                    ResidualWarning(file: file, line: line, kind: kind.kind, length: padded - index, contextKey: kind.key))
            }
            index = padded
        }
        return (warnings, line - 1)
    }

    /// Returns the end of a `<redacted:…>` marker starting at `start`, or nil when none starts there.
    static func markerEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        let prefix = markerPrefix
        guard start + prefix.count <= bytes.count else { return nil }
        for offset in 0..<prefix.count where bytes[start + offset] != prefix[offset] { return nil }
        var index = start + prefix.count
        while index < bytes.count, index - start < 128 {
            if bytes[index] == UInt8(ascii: ">") { return index + 1 }
            if bytes[index] == 0x0A { return nil }
            index += 1
        }
        return nil
    }

    private static let markerPrefix = Array("<redacted:".utf8)

    /// Returns whether the token is one of this tool's identifier pseudonyms, such as
    /// `user-1a2b3c4d` (a known prefix, a hyphen and 8 lower-case hex digits), alone or followed
    /// by a hyphen and more.
    static func isPseudonym(_ bytes: UnsafeBufferPointer<UInt8>, start: Int, count: Int) -> Bool {
        let end = min(start + count, bytes.count)
        // A name made from a pseudonym, such as a ReplicaSet's `customer-1a2b3c4d-7d9f6c8b5`.
        if let first = bytes[start..<end].firstIndex(of: UInt8(ascii: "-")), first - start <= 8,
            let second = bytes[(first + 1)..<end].firstIndex(of: UInt8(ascii: "-")), second == first + 9,
            isPseudonym(bytes, start: start, count: second - start)
        {
            return true
        }
        let hyphen = end - 9
        guard hyphen > start, bytes[hyphen] == UInt8(ascii: "-") else { return false }
        for byte in bytes[(hyphen + 1)..<end] where !((byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)) {
            return false
        }
        let prefix = UnsafeBufferPointer(rebasing: bytes[start..<hyphen])
        return pseudonymPrefixes.contains { $0.elementsEqual(prefix) }
    }

    /// Returns whether `bytes[start..<start + count]` contains a pseudonym (`customer-1a2b3c4d`)
    /// or a pseudonymous domain label (`example-8e2bf2`) with no letter or digit on either side.
    /// Examples: `ReplicaSet/customer-1a2b3c4d-7d9f6c8b5`, a reference built around an account
    /// number (`E2E-customer-d2d80485-01`), a host (`host-2a4ee55a.0301.example-01f13b.ng`).
    static func containsPseudonym(_ bytes: UnsafeBufferPointer<UInt8>, start: Int, count: Int) -> Bool {
        let end = min(start + count, bytes.count)
        // Every shape contains a hyphen, and most tokens contain none.
        guard start < end, memchr(bytes.baseAddress! + start, Int32(UInt8(ascii: "-")), end - start) != nil else { return false }
        func isAlphanumeric(_ byte: UInt8) -> Bool { (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A) }
        func isLowerHex(_ byte: UInt8) -> Bool { (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) }
        for index in start..<end where index == start || !isAlphanumeric(bytes[index - 1]) {
            for (prefix, digits) in pseudonymShapes {
                let hexStart = index + prefix.count
                let hexEnd = hexStart + digits
                guard hexEnd <= end, prefix.elementsEqual(UnsafeBufferPointer(rebasing: bytes[index..<hexStart])),
                    bytes[hexStart..<hexEnd].allSatisfy(isLowerHex)
                else { continue }
                if hexEnd == end || !isAlphanumeric(bytes[hexEnd]) { return true }
            }
        }
        return false
    }

    /// The start of each pseudonym shape, with the number of lower-case hex digits after it.
    static let pseudonymShapes: [(prefix: [UInt8], digits: Int)] =
        pseudonymPrefixes.map { ($0 + [UInt8(ascii: "-")], 8) } + [(KnownValueSweep.domainLabelPrefix, 6)]

    static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x66)
    }

    static let pseudonymPrefixes = ["tenant", "user", "customer", "id", "keyword", "host"].map { Array($0.utf8) }

    /// Returns the kind and key of a token worth a warning, or nil.
    static func classify(
        _ token: ResidualToken, bytes: UnsafeBufferPointer<UInt8>, start: Int
    ) -> (kind: ResidualWarning.Kind, key: String?)? {
        guard token.count >= minimumContextLength else { return nil }
        // Every warning needs a credential-looking token or a long one. The key in front is read
        // only then, because reading it costs more than the token's statistics.
        let isCredentialShaped = !token.isPlaceholderOrPath && token.looksLikeCredential
        guard isCredentialShaped || token.count >= minimumBlobLength else { return nil }
        if containsPseudonym(bytes, start: start, count: token.count) { return nil }
        // A memory address, as gdb prints each pointer argument (`entered_pin=0x7f3b2effc5c0 "…"`).
        if token.bytes.starts(with: [UInt8(ascii: "0"), UInt8(ascii: "x")]), token.bytes.dropFirst(2).allSatisfy(Self.isHexDigit) {
            return nil
        }
        var key = ResidualContext.key(before: start, in: bytes)

        var kind: ResidualWarning.Kind?
        if let word = key, ResidualContext.isAuthScheme(word) {
            let schemeStart = ResidualContext.keyStart(before: start, in: bytes) ?? start
            key = ResidualContext.key(before: schemeStart, in: bytes).flatMap { ResidualContext.isHeaderLike($0) ? $0 : nil }
                ?? word
            kind = .authorizationHeader
        } else if let word = key, ResidualContext.isHeaderLike(word) {
            kind = .authorizationHeader
        } else if let word = key, ResidualContext.isSecretLike(word) {
            kind = .secretContext
        }
        if let kind, isCredentialShaped {
            return (kind, key?.text)
        }

        guard token.count >= minimumBlobLength else { return nil }
        if token.isHex {
            guard token.hasDigit, token.hasLetter else { return nil }
            if let word = key, ResidualContext.isIdentifierLike(word) { return nil }
            return (.hexBlob, key?.text)
        }
        if token.isUUIDLike { return nil }
        if token.looksLikeBase64Blob, !token.isPlaceholderOrPath { return (.base64Blob, key?.text) }
        return nil
    }
}
