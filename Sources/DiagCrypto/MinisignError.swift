import DiagSupport

/// A failure to read, write, sign with or verify minisign keys and signatures.
public enum MinisignError: DiagnosticError, Equatable {
    /// A public key file or string is malformed. `source` names the file or the origin of the text.
    case invalidPublicKey(source: String, reason: String)
    /// A secret key file is malformed or damaged.
    case invalidSecretKey(source: String, reason: String)
    /// A secret key is protected with a password (`kdf_alg` "Sc"), which waka-diag cannot decrypt.
    case encryptedSecretKey(source: String)
    /// A signature text is malformed.
    case invalidSignature(reason: String)
    /// The signature is legacy (not prehashed) and the caller asked for prehashed signatures only.
    case legacySignatureRejected
    /// The signature was made by another key. Both ids are in minisign 0.11's format.
    case keyIDMismatch(file: String, signatureKeyID: String, publicKeyID: String)
    /// The signature does not match the file's content under the public key.
    case signatureVerificationFailed(file: String)
    /// The global signature does not cover the trusted comment as written.
    case commentSignatureVerificationFailed(file: String)
    /// A comment to sign contains a line break or NUL byte, or is longer than minisign can read back.
    case invalidComment(kind: String, reason: String)
    /// A key file exists and `force` was not given.
    case keyFileExists(path: String)
    /// A signature made a moment ago did not verify with the signing key's own public key.
    case signatureSelfCheckFailed
    /// libsodium reported failure for a call that only fails when the system is broken.
    case libsodiumFailed(call: String)
    /// `sodium_malloc` could not allocate locked memory for a secret.
    case secureMemoryUnavailable(bytes: Int)

    public var exitStatus: ExitStatus {
        switch self {
        case .invalidPublicKey, .invalidSecretKey, .encryptedSecretKey, .invalidSignature: return .dataError
        case .legacySignatureRejected, .keyIDMismatch, .signatureVerificationFailed,
            .commentSignatureVerificationFailed:
            return .checkFailed
        case .invalidComment: return .usage
        case .keyFileExists: return .cannotCreate
        case .signatureSelfCheckFailed, .libsodiumFailed, .secureMemoryUnavailable: return .ioError
        }
    }

    public var description: String {
        switch self {
        case .invalidPublicKey(let source, let reason):
            return "invalid minisign public key in \(source): \(reason)"
        case .invalidSecretKey(let source, let reason):
            return "invalid minisign secret key in \(source): \(reason)"
        case .encryptedSecretKey(let source):
            return "secret key \(source) is encrypted with a password, which waka-diag cannot use; "
                + "create an unencrypted key with `waka-diag keygen` or `minisign -G -W`"
        case .invalidSignature(let reason):
            return "invalid minisign signature: \(reason)"
        case .legacySignatureRejected:
            return "legacy (non-prehashed) signature found; sign the file again with minisign 0.10 or later, or waka-diag"
        case .keyIDMismatch(let file, let signatureKeyID, let publicKeyID):
            return "signature key id for \(file) is \(signatureKeyID) but the key id in the public key is "
                + "\(publicKeyID); verify with the public key of the key that signed it"
        case .signatureVerificationFailed(let file):
            return "signature verification failed for \(file): the file was changed after signing, or the signature is damaged"
        case .commentSignatureVerificationFailed(let file):
            return "comment signature verification failed for \(file): the trusted comment was changed after signing"
        case .invalidComment(let kind, let reason):
            return "invalid \(kind) comment: \(reason)"
        case .keyFileExists(let path):
            return "\(path) already exists; pass --force to replace it"
        case .signatureSelfCheckFailed:
            return "the new signature did not verify with the signing key's public key; the secret key file may be damaged"
        case .libsodiumFailed(let call):
            return "libsodium call \(call) failed"
        case .secureMemoryUnavailable(let bytes):
            return "cannot allocate \(bytes) bytes of protected memory for a secret key (sodium_malloc failed); "
                + "check the locked-memory limit (ulimit -l)"
        }
    }
}
