import DiagSupport

/// A minisign public key: the Ed25519 public key and the 8-byte key id that signatures carry.
///
/// The binary form, base64-encoded on the second line of a `.pub` file, is `"Ed"` ‖ key id ‖ key
/// (42 bytes, 56 base64 characters).
public struct MinisignPublicKey: Equatable, Hashable, Sendable {
    /// The key id, in the byte order stored in files.
    public let keyID: [UInt8]
    /// The 32-byte Ed25519 public key.
    public let key: [UInt8]

    static let algorithm: [UInt8] = Array("Ed".utf8)
    static let binaryLength = 42
    static let keyIDLength = 8

    /// Creates a key from its 8-byte `keyID` and 32-byte `key`.
    public init(keyID: [UInt8], key: [UInt8]) throws {
        guard keyID.count == Self.keyIDLength else {
            throw MinisignError.invalidPublicKey(source: "key id", reason: "expected 8 bytes, got \(keyID.count)")
        }
        guard key.count == Ed25519.publicKeyLength else {
            throw MinisignError.invalidPublicKey(source: "key", reason: "expected 32 bytes, got \(key.count)")
        }
        self.keyID = keyID
        self.key = key
    }

    /// Parses the 56-character base64 key line, as `minisign -P` takes it, ignoring surrounding whitespace.
    public init(base64: String, source: String = "the key text") throws {
        let text = base64.trimmingASCIIWhitespace()
        try self.init(decodedLine: Array(text.utf8), source: source)
    }

    /// Parses the text of a `.pub` file: an untrusted comment line, then the base64 key line.
    ///
    /// Like minisign 0.11, the comment's content is not checked and CRLF line ends are accepted.
    /// Unlike minisign, lines after the key line must be empty, so a wrong file is reported early.
    public init(fileText: String, source: String = "the public key file") throws {
        let lines = MinisignText.lines(fileText.utf8)
        guard lines.count >= 2 else {
            throw MinisignError.invalidPublicKey(
                source: source, reason: "expected 2 lines (an untrusted comment and the key), found \(lines.count)")
        }
        guard lines[0].lengthWithNewline < MinisignText.commentLineBuffer else {
            throw MinisignError.invalidPublicKey(source: source, reason: "the comment line is longer than 1022 bytes")
        }
        if let extra = lines.dropFirst(2).firstIndex(where: { !$0.content.isEmpty }) {
            throw MinisignError.invalidPublicKey(
                source: source, reason: "unexpected text on line \(extra + 1) after the key line")
        }
        try self.init(decodedLine: Array(lines[1].content), source: source)
    }

    private init(decodedLine: [UInt8], source: String) throws {
        guard let bytes = Base64.decode(decodedLine, expectedLength: Self.binaryLength) else {
            throw MinisignError.invalidPublicKey(
                source: source,
                reason: "the key line \(MinisignText.describe(decodedLine[...])) is not base64 of 42 bytes "
                    + "(56 characters starting with RW)")
        }
        guard Array(bytes[0..<2]) == Self.algorithm else {
            throw MinisignError.invalidPublicKey(
                source: source, reason: "unsupported signature algorithm; only Ed25519 (\"Ed\") keys exist in minisign")
        }
        keyID = Array(bytes[2..<10])
        key = Array(bytes[10..<42])
    }

    /// The 42-byte binary form: `"Ed"` ‖ key id ‖ key.
    public var binary: [UInt8] { Self.algorithm + keyID + key }

    /// The 56-character base64 key line.
    public var base64: String { Base64.encode(binary) }

    /// The key id as minisign 0.11 prints it: the bytes read as a little-endian `UInt64`, upper-case
    /// hex without zero padding (`%PRIX64`), such as `8833EF166DE5565`.
    public var keyIDText: String { Self.keyIDText(keyID) }

    /// The two-line `.pub` file, in the layout `minisign -G` writes.
    public var fileText: String {
        "untrusted comment: minisign public key \(keyIDText)\n\(base64)\n"
    }

    static func keyIDText(_ keyID: [UInt8]) -> String {
        var value: UInt64 = 0
        for byte in keyID.reversed() { value = value << 8 | UInt64(byte) }
        return String(value, radix: 16, uppercase: true)
    }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        let bytes = Array(utf8)
        guard let first = bytes.firstIndex(where: { !isSpace($0) }),
            let last = bytes.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
