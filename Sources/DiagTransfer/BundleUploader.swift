import DiagCrypto
import DiagSupport
import Foundation

/// Sends one sealed bundle to a receiver once the destination, the bundle and the sharing policy
/// pass their checks and the operator approves. Every attempt is recorded in the audit log.
public struct BundleUploader: Sendable {
    public var bundle: URL
    /// The `--to` value: a receiver URL, or the name of a destination in the profile.
    public var destination: String
    public var publicKey: MinisignPublicKey?
    public var policy: SharingPolicy
    public var destinationRegion: String?
    /// True when `--enable-sharing` was given.
    public var enableSharing: Bool
    /// The `--ca` file: PEM certificates of the CAs trusted for an HTTPS receiver, in place of
    /// the system's CA store.
    public var certificateAuthority: URL?
    /// The `--client-cert` file, a PEM certificate presented when the receiver requests one.
    public var clientCertificate: URL?
    /// The `--client-key` file, the unencrypted PEM private key of `clientCertificate`.
    public var clientKey: URL?
    public var auditLog: AuditLog
    public var chunkBytes: Int
    public var requestTimeout: TimeInterval
    /// Stops the transfer after this many chunks, leaving a resumable upload; a test hook.
    public var stopAfterChunks: Int?
    /// Receives progress lines for the operator.
    public var progress: @Sendable (String) -> Void

    public init(
        bundle: URL, destination: String, publicKey: MinisignPublicKey? = nil, policy: SharingPolicy = SharingPolicy(),
        destinationRegion: String? = nil, enableSharing: Bool = false, certificateAuthority: URL? = nil,
        clientCertificate: URL? = nil, clientKey: URL? = nil, auditLog: AuditLog = .standard(), chunkBytes: Int = UploadProtocol.defaultChunkBytes,
        requestTimeout: TimeInterval = 60, stopAfterChunks: Int? = nil, progress: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.bundle = bundle
        self.destination = destination
        self.publicKey = publicKey
        self.policy = policy
        self.destinationRegion = destinationRegion
        self.enableSharing = enableSharing
        self.certificateAuthority = certificateAuthority
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.auditLog = auditLog
        self.chunkBytes = chunkBytes
        self.requestTimeout = requestTimeout
        self.stopAfterChunks = stopAfterChunks
        self.progress = progress
    }

    /// An upload that passed every local check, with the summary shown before asking.
    public struct Plan: Sendable {
        public var bundle: SealedBundle
        public var destination: UploadDestination
        public var destinationRegion: String

        public var summary: String {
            let key = bundle.signatureVerified ? "verified with the given public key" : "present, not verified (no --public-key)"
            return """
                about to send:
                  file         \(bundle.file.path)
                  size         \(bundle.size) bytes
                  sha256       \(bundle.sha256)
                  signature    \(bundle.file.path).minisig, \(key)
                  bundle       \(bundle.bundleName): mode \(bundle.mode.rawValue), region \(bundle.region), site \(bundle.site)\(bundle.isEncrypted ? ", age-encrypted" : "")
                  destination  \(destination.url.absoluteString) (region \(destinationRegion))
                """
        }
    }

    /// The receiver's acknowledgement of a completed upload.
    public struct Result: Sendable {
        public var sha256: String
        public var acknowledgedSHA256: String
        public var region: String
        public var stored: String
        public var bytes: Int64
        /// The offset the transfer started from; more than 0 when an earlier upload was resumed.
        public var resumedFrom: Int64
    }

    /// Checks everything that can be checked without the network, in an order that rejects a bad
    /// destination before the bundle is even read: the URL, the TLS files, the bundle, the policy.
    public func prepare() throws -> Plan {
        let listed = policy.destination(matching: destination)
        let target = try UploadDestination(listed?.url ?? destination)
        _ = try tlsFiles()

        let sealed = try SealedBundle.open(bundle, publicKey: publicKey)
        let region: String?
        do {
            region = try policy.destinationRegion(for: destination, toRegion: destinationRegion)
            try policy.check(mode: sealed.mode, bundleRegion: sealed.region, destinationRegion: region, enabledByOption: enableSharing)
        } catch {
            audit(sealed, target: target, result: "refused", extra: ["reason": .string(error.operatorMessage)])
            throw error
        }
        return Plan(bundle: sealed, destination: target, destinationRegion: region ?? "")
    }

    /// Prepares the upload, requests the operator's approval, and sends the bundle.
    public func run(approval: UploadApproval) async throws -> Result {
        let plan = try prepare()
        try approve(plan, approval: approval)
        return try await send(plan)
    }

    /// Shows the plan's summary through `approval` and throws `TransferError.notApproved`, after
    /// recording it in the audit log, unless the operator approved.
    public func approve(_ plan: Plan, approval: UploadApproval) throws {
        do {
            try approval.confirm(plan.summary)
        } catch {
            audit(plan.bundle, target: plan.destination, result: "not approved", extra: ["reason": .string(error.operatorMessage)])
            throw error
        }
    }

    /// Sends a prepared bundle, resuming from the receiver's offset, and audits the outcome.
    ///
    /// A `started` record is written first and must succeed, so nothing leaves without a trace in
    /// the audit log. The final record is best effort, and a failure to write it goes to `progress`.
    public func send(_ plan: Plan) async throws -> Result {
        try appendAudit(plan.bundle, target: plan.destination, result: "started", extra: [:])
        do {
            let result = try await transfer(plan)
            audit(
                plan.bundle, target: plan.destination, result: "accepted",
                extra: ["stored": .string(result.stored), "resumed_from": .int(result.resumedFrom)])
            return result
        } catch {
            audit(plan.bundle, target: plan.destination, result: "failed", extra: ["reason": .string(error.operatorMessage)])
            throw error
        }
    }

    func audit(_ sealed: SealedBundle, target: UploadDestination, result: String, extra: [String: JSONValue]) {
        do {
            try appendAudit(sealed, target: target, result: result, extra: extra)
        } catch {
            progress("warning: \(error.operatorMessage)")
        }
    }

    func appendAudit(_ sealed: SealedBundle, target: UploadDestination, result: String, extra: [String: JSONValue]) throws {
        var details: [String: JSONValue] = [
            "result": .string(result), "file": .string(sealed.file.lastPathComponent), "mode": .string(sealed.mode.rawValue),
            "region": .string(sealed.region), "size": .int(sealed.size),
        ]
        details.merge(extra) { $1 }
        try auditLog.append(
            action: "upload", bundleSHA256: sealed.sha256, destination: target.url.absoluteString, details: .object(details))
    }
}
