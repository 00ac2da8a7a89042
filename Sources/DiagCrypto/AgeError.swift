import DiagSupport

/// A failure to parse age keys or to encrypt or decrypt an age v1 file.
public enum AgeError: DiagnosticError, Equatable {
    /// A recipient is not an `age1…` X25519 public key.
    case invalidRecipient(String)
    /// An identity is not an `AGE-SECRET-KEY-1…` X25519 secret key. Messages never show the key.
    case invalidIdentity(reason: String)
    /// Encryption was requested with an empty recipient list.
    case noRecipients
    /// A recipient is a low-order point, which would make the shared secret all zeros.
    case lowOrderPoint
    /// The file's header is malformed, breaking the rule `reason` names.
    case invalidHeader(path: String, reason: String)
    /// The file is ASCII-armored, which this implementation does not read.
    case armoredInput(path: String)
    /// None of the X25519 stanzas opened with the given identities.
    case noMatchingIdentity(path: String)
    /// The header MAC does not match: the header was changed or the file key is wrong.
    case badHeaderMAC(path: String)
    /// A payload chunk failed authentication.
    case payloadAuthenticationFailed(path: String, chunk: Int)
    /// The payload ends before its final chunk.
    case truncatedPayload(path: String)
    /// The final chunk is empty although it is not the only chunk, which age v1.1.1 also rejects.
    case emptyLastChunk(path: String)
    /// Bytes follow the chunk marked final.
    case trailingData(path: String)
    /// libsodium reported failure for a call that only fails when the system is broken.
    case libsodiumFailed(call: String)

    public var exitStatus: ExitStatus {
        switch self {
        case .invalidRecipient, .invalidIdentity, .noRecipients: return .usage
        case .libsodiumFailed: return .ioError
        default: return .dataError
        }
    }

    public var description: String {
        switch self {
        case .invalidRecipient(let text):
            let shown = text.count > 80 ? String(text.prefix(80)) + "…" : text
            return "invalid age recipient '\(shown)': expected an X25519 public key such as the one `age-keygen -y` prints (age1…)"
        case .invalidIdentity(let reason):
            return "invalid age identity: \(reason); expected an AGE-SECRET-KEY-1… line as `age-keygen` writes it"
        case .noRecipients:
            return "no age recipients given; pass at least one age1… public key"
        case .lowOrderPoint:
            return "invalid X25519 recipient or share: low-order point"
        case .invalidHeader(let path, let reason):
            return "cannot decrypt \(path): invalid age header: \(reason)"
        case .armoredInput(let path):
            return "cannot decrypt \(path): the file is ASCII-armored; convert it with `age -d` or encrypt without -a"
        case .noMatchingIdentity(let path):
            return "cannot decrypt \(path): no identity matched any of the recipients"
        case .badHeaderMAC(let path):
            return "cannot decrypt \(path): bad header MAC; the header was changed"
        case .payloadAuthenticationFailed(let path, let chunk):
            return "cannot decrypt \(path): payload chunk \(chunk) failed authentication; the file is damaged or was changed"
        case .truncatedPayload(let path):
            return "cannot decrypt \(path): the file ends before its last chunk; it is truncated"
        case .emptyLastChunk(let path):
            return "cannot decrypt \(path): the last chunk is empty, which age v1 files never contain"
        case .trailingData(let path):
            return "cannot decrypt \(path): data follows the end of the encrypted payload"
        case .libsodiumFailed(let call):
            return "libsodium call \(call) failed"
        }
    }
}
