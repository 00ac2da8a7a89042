import Foundation

/// The resumable upload protocol between `waka-diag upload` and `waka-diag receive`.
///
/// An upload is named by the SHA-256 of the file sent (64 lower-case hex digits), so the same
/// bundle always resumes the same upload:
///
/// - `GET /v1/uploads/ID` returns `{"offset", "size", "name"}` for a staged upload, or 404.
/// - `POST /v1/uploads/ID` with `{"name", "size", "signature"}` creates it, or returns the current
///   offset when an upload with the same name and size is already staged. `signature` is the
///   `.minisig` text of the file; the receiver rejects a missing one or one from an unknown key here.
/// - `PATCH /v1/uploads/ID` with header `Upload-Offset: N` and the next bytes appends them when N
///   is the staged length, and returns the new offset. Any other N gets 409 with the staged offset.
/// - `POST /v1/uploads/ID/complete` checks the file and returns `{"sha256", "region", "stored"}`
///   when the bundle is accepted.
///
/// Every error response is JSON `{"error": MESSAGE}` with a 4xx or 5xx status.
public enum UploadProtocol {
    public static let uploadsPath = "/v1/uploads"
    public static let offsetHeader = "Upload-Offset"
    /// The chunk size the client sends.
    public static let defaultChunkBytes = 1 << 20
    /// The largest chunk body the receiver accepts, so a client may use chunks up to 8 MiB.
    public static let maximumChunkBytes = 8 << 20
    /// The largest JSON request body the receiver accepts; a create request holds a name, a size
    /// and a minisign signature of at most a few kilobytes.
    public static let maximumJSONBytes = 64 << 10

    /// Tells whether `text` is an upload id: a SHA-256 in 64 lower-case hex digits.
    public static func isUploadID(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// Tells whether `name` is an acceptable bundle file name: letters, digits, `.`, `_` and `-`,
    /// not starting with `.`, ending in `.tar.gz` or `.tar.gz.age`, at most 200 bytes.
    public static func isBundleFileName(_ name: String) -> Bool {
        let allowed = name.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
        return allowed && !name.hasPrefix(".") && name.utf8.count <= 200
            && (name.hasSuffix(".tar.gz") || name.hasSuffix(".tar.gz.age"))
            && name != ".tar.gz" && name != ".tar.gz.age"
    }
}
