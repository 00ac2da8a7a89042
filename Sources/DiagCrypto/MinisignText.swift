/// Line handling shared by the three minisign file formats.
///
/// minisign 0.11 reads each line with `fgets` into a fixed buffer and then ends the string at the
/// first CR or LF, so CRLF files and a missing final newline are accepted. These helpers reproduce
/// that reading and the buffer limits, so waka-diag accepts and rejects the same lines.
enum MinisignText {
    /// One line of a minisign file.
    struct Line {
        /// The bytes before the first CR or LF.
        var content: ArraySlice<UInt8>
        /// The length including the LF, as `fgets` counts it against its buffer.
        var lengthWithNewline: Int
        /// Whether an LF ended the line (false only for the last line of the text).
        var hasNewline: Bool
    }

    static let untrustedCommentPrefix = Array("untrusted comment: ".utf8)
    static let trustedCommentPrefix = Array("trusted comment: ".utf8)

    /// The `fgets` buffer of minisign 0.11 for comment lines (`COMMENTMAXBYTES`), which must hold a line and its NUL.
    static let commentLineBuffer = 1024
    /// The `fgets` buffer of minisign 0.11 for the trusted-comment line (`TRUSTEDCOMMENTMAXBYTES`).
    static let trustedCommentLineBuffer = 8192

    /// Splits `bytes` at LF. An empty remainder after a final LF is not a line.
    static func lines(_ bytes: some Collection<UInt8>) -> [Line] {
        let bytes = Array(bytes)
        var result: [Line] = []
        var start = 0
        while start < bytes.count {
            let newline = bytes[start...].firstIndex(of: 0x0A)
            let end = newline ?? bytes.count
            let raw = bytes[start..<end]
            let contentEnd = raw.firstIndex(of: 0x0D) ?? end
            result.append(
                Line(
                    content: bytes[start..<contentEnd],
                    lengthWithNewline: end - start + (newline == nil ? 0 : 1),
                    hasNewline: newline != nil))
            start = end + 1
        }
        return result
    }

    /// Checks that a comment can be written on one line and read back by minisign 0.11.
    ///
    /// `maximumBytes` is the longest text after the prefix that minisign's reader accepts.
    static func validateComment(_ text: String, kind: String, maximumBytes: Int) throws {
        let bytes = Array(text.utf8)
        if let bad = bytes.first(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0x00 }) {
            let name = bad == 0x00 ? "a NUL byte" : (bad == 0x0A ? "a line feed" : "a carriage return")
            throw MinisignError.invalidComment(kind: kind, reason: "it contains \(name); use a single line of text")
        }
        guard bytes.count <= maximumBytes else {
            throw MinisignError.invalidComment(
                kind: kind,
                reason: "it is \(bytes.count) bytes long, but minisign 0.11 reads at most \(maximumBytes) bytes")
        }
    }

    /// Describes a line for an error message without echoing more than a short prefix of it.
    static func describe(_ content: ArraySlice<UInt8>) -> String {
        let text = String(decoding: content.prefix(24), as: UTF8.self)
        return content.count > 24 ? "'\(text)…'" : "'\(text)'"
    }
}
