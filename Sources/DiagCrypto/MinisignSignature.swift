/// A parsed minisign signature file (`.minisig`), four lines:
///
/// ```
/// untrusted comment: <text>
/// <base64 of algorithm (2) ‖ key id (8) ‖ Ed25519 signature (64)>
/// trusted comment: <text>
/// <base64 of the global signature over signature ‖ trusted comment (64)>
/// ```
///
/// Parsing follows minisign 0.11's reader: the untrusted comment line must fit in 1023 bytes with its
/// line feed, the trusted-comment line in 8191 bytes and must end with a line feed, the last line may
/// lack one, and lines after the fourth are ignored. Base64 must be canonical.
public struct MinisignSignature: Equatable, Sendable {
    /// `"ED"`: the signature covers BLAKE2b-512 of the file. `"Ed"` (legacy): it covers the file itself.
    public let isPrehashed: Bool
    /// The key id of the signing key, in file byte order.
    public let keyID: [UInt8]
    /// The 64-byte Ed25519 signature over the file or its digest.
    public let signature: [UInt8]
    /// The text after `untrusted comment: `, which nothing authenticates.
    public let untrustedComment: String
    /// The bytes after `trusted comment: `, up to the first CR or LF, as the global signature covers them.
    public let trustedCommentBytes: [UInt8]
    /// The 64-byte Ed25519 signature over `signature` ‖ `trustedCommentBytes`.
    public let globalSignature: [UInt8]

    static let prehashedAlgorithm: [UInt8] = Array("ED".utf8)
    static let legacyAlgorithm: [UInt8] = Array("Ed".utf8)
    static let binaryLength = 74
    /// The longest untrusted comment minisign 0.11 reads back: its 1024-byte buffer less prefix, LF and NUL.
    static let maximumUntrustedCommentBytes = 1003
    /// The longest trusted comment minisign 0.11 reads back: its 8192-byte buffer less prefix, LF and NUL.
    static let maximumTrustedCommentBytes = 8173

    /// The trusted comment as text, with invalid UTF-8 replaced by U+FFFD.
    public var trustedComment: String { String(decoding: trustedCommentBytes, as: UTF8.self) }

    /// The key id as minisign 0.11 prints it (little-endian, upper-case hex, no zero padding).
    public var keyIDText: String { MinisignPublicKey.keyIDText(keyID) }

    init(
        isPrehashed: Bool, keyID: [UInt8], signature: [UInt8], untrustedComment: String,
        trustedCommentBytes: [UInt8], globalSignature: [UInt8]
    ) {
        self.isPrehashed = isPrehashed
        self.keyID = keyID
        self.signature = signature
        self.untrustedComment = untrustedComment
        self.trustedCommentBytes = trustedCommentBytes
        self.globalSignature = globalSignature
    }

    /// Parses the text of a `.minisig` file.
    public init(text: String) throws {
        let lines = MinisignText.lines(text.utf8)
        guard lines.count >= 4 else {
            throw MinisignError.invalidSignature(reason: "expected 4 lines, found \(lines.count)")
        }

        let untrusted = lines[0]
        guard untrusted.content.starts(with: MinisignText.untrustedCommentPrefix) else {
            throw MinisignError.invalidSignature(reason: "line 1 does not start with 'untrusted comment: '")
        }
        guard untrusted.lengthWithNewline < MinisignText.commentLineBuffer else {
            throw MinisignError.invalidSignature(
                reason: "the untrusted comment is longer than \(Self.maximumUntrustedCommentBytes) bytes")
        }

        guard let binary = Base64.decode(lines[1].content, expectedLength: Self.binaryLength) else {
            throw MinisignError.invalidSignature(reason: "line 2 is not base64 of 74 bytes")
        }

        let trusted = lines[2]
        guard trusted.content.starts(with: MinisignText.trustedCommentPrefix) else {
            throw MinisignError.invalidSignature(reason: "line 3 does not start with 'trusted comment: '")
        }
        guard trusted.hasNewline, trusted.lengthWithNewline < MinisignText.trustedCommentLineBuffer else {
            throw MinisignError.invalidSignature(
                reason: "the trusted comment is longer than \(Self.maximumTrustedCommentBytes) bytes")
        }
        let comment = Array(trusted.content.dropFirst(MinisignText.trustedCommentPrefix.count))
        guard !comment.contains(0) else {
            throw MinisignError.invalidSignature(reason: "the trusted comment contains a NUL byte")
        }

        guard let global = Base64.decode(lines[3].content, expectedLength: Ed25519.signatureLength) else {
            throw MinisignError.invalidSignature(reason: "line 4 is not base64 of 64 bytes")
        }

        let algorithm = Array(binary[0..<2])
        guard algorithm == Self.prehashedAlgorithm || algorithm == Self.legacyAlgorithm else {
            throw MinisignError.invalidSignature(reason: "unsupported signature algorithm")
        }

        self.init(
            isPrehashed: algorithm == Self.prehashedAlgorithm,
            keyID: Array(binary[2..<10]),
            signature: Array(binary[10..<74]),
            untrustedComment: String(
                decoding: untrusted.content.dropFirst(MinisignText.untrustedCommentPrefix.count), as: UTF8.self),
            trustedCommentBytes: comment,
            globalSignature: global)
    }

    /// The four-line file text, each line ending with a line feed.
    public var text: String {
        let algorithm = isPrehashed ? Self.prehashedAlgorithm : Self.legacyAlgorithm
        return "untrusted comment: \(untrustedComment)\n"
            + Base64.encode(algorithm + keyID + signature) + "\n"
            + "trusted comment: \(trustedComment)\n"
            + Base64.encode(globalSignature) + "\n"
    }
}
