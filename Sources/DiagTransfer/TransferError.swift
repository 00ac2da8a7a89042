import DiagSupport

/// A reason `upload` or `receive` stopped, with a message that names the value at fault and the
/// setting or option that changes the outcome.
public enum TransferError: DiagnosticError, Equatable {
    /// The sharing policy forbids this upload. `setting` names what the operator can change.
    case sharingRefused(reason: String, setting: String)
    /// The operator did not approve the upload, or could not be asked.
    case notApproved(reason: String)
    /// The destination URL is malformed or uses a scheme or host that is not allowed.
    case invalidDestination(url: String, reason: String)
    /// The bundle failed local verification, so it is not sent.
    case bundleInvalid(path: String, reason: String)
    /// The receiver responded with an error status. `message` is the receiver's error text.
    case rejectedByReceiver(status: Int, message: String)
    /// The connection failed or the receiver's response could not be parsed.
    case transferFailed(reason: String)
    /// TLS failed in a way that running again cannot fix: an untrusted or misnamed server
    /// certificate, or an unusable CA or client certificate file. `reason` names the option to change.
    case tlsFailed(reason: String)
    /// The receiver acknowledged a different SHA-256 than the one sent.
    case acknowledgementMismatch(sent: String, acknowledged: String)
    /// A feature cannot be provided on this platform.
    case unsupported(reason: String)
    /// The client stopped on purpose after a number of chunks (a test hook), leaving a resumable upload.
    case stoppedAfterChunks(count: Int, offset: Int64)

    public var exitStatus: ExitStatus {
        switch self {
        case .sharingRefused, .notApproved, .unsupported, .tlsFailed: return .configuration
        case .invalidDestination: return .usage
        case .bundleInvalid, .acknowledgementMismatch: return .checkFailed
        // A refusal (4xx) stays a refusal on a second try, unlike a broken transfer.
        case .rejectedByReceiver(let status, _) where status == 401 || status == 403: return .permission
        case .rejectedByReceiver(let status, _) where (400..<500).contains(status): return .dataError
        case .rejectedByReceiver, .transferFailed, .stoppedAfterChunks: return .ioError
        }
    }

    public var description: String {
        switch self {
        case .sharingRefused(let reason, let setting):
            return "upload refused: \(reason); to change this, \(setting)"
        case .notApproved(let reason):
            return "upload not sent: \(reason)"
        case .invalidDestination(let url, let reason):
            return "invalid destination '\(url)' for --to: \(reason)"
        case .bundleInvalid(let path, let reason):
            return "bundle \(path) failed local verification, so it was not sent: \(reason)"
        case .rejectedByReceiver(let status, let message):
            return "the receiver rejected the upload (HTTP \(status)): \(message)"
        case .transferFailed(let reason):
            return "upload failed: \(reason); run the same command again to resume"
        case .tlsFailed(let reason):
            return "upload failed: \(reason)"
        case .acknowledgementMismatch(let sent, let acknowledged):
            return "upload failed: the receiver acknowledged SHA-256 \(acknowledged) but \(sent) was sent; "
                + "do not rely on the stored copy and send the bundle again"
        case .unsupported(let reason):
            return reason
        case .stoppedAfterChunks(let count, let offset):
            return "upload stopped after \(count) chunks at byte \(offset); run the same command again to resume"
        }
    }
}
