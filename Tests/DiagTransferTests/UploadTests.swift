import DiagCrypto
import DiagSupport
import Foundation
import Testing

@testable import DiagTransfer

/// Uploads to a receiver started in this process on 127.0.0.1.
@Suite struct UploadTests {
    static let euPolicy = SharingPolicy(allowedRegions: ["eu-west", "eu-central"])

    func uploader(
        _ bundle: URL, to receiver: TestReceiver, folder: TemporaryFolder, policy: SharingPolicy = euPolicy,
        toRegion: String? = "eu-west", enableSharing: Bool = false, chunkBytes: Int = 64 << 10, stopAfterChunks: Int? = nil
    ) -> BundleUploader {
        BundleUploader(
            bundle: bundle, destination: receiver.baseURL, publicKey: receiver.trustedKey.publicKey, policy: policy,
            destinationRegion: toRegion, enableSharing: enableSharing, auditLog: AuditLog(url: folder.path("audit/audit.log")),
            chunkBytes: chunkBytes, stopAfterChunks: stopAfterChunks)
    }

    @Test func uploadIsStoredUnderRegion() async throws {
        let receiver = try TestReceiver()
        let folder = try TemporaryFolder()
        let bundle = try TestBundles.make(
            in: folder.url, signedBy: receiver.trustedKey, options: .init(region: "eu-central", blobBytes: 200_000))

        let result = try await uploader(bundle, to: receiver, folder: folder).run(approval: .approved)

        let local = try SealedBundle.digest(of: bundle).1
        #expect(result.sha256 == local)
        #expect(result.acknowledgedSHA256 == local)
        #expect(result.region == "eu-central")
        #expect(result.resumedFrom == 0)
        #expect(receiver.storedBundles(region: "eu-central") == [bundle.lastPathComponent])
        let stored = receiver.store.appendingPathComponent("eu-central/\(bundle.lastPathComponent)")
        #expect(try SealedBundle.digest(of: stored).1 == local)
        #expect(FileManager.default.fileExists(atPath: stored.path + ".minisig"))
        #expect(FileSafety.mode(of: stored) == 0o600)
        #expect(FileSafety.mode(of: receiver.store.appendingPathComponent(".staging")) == 0o700)
        #expect(receiver.stagedFiles().isEmpty)
        #expect(receiver.log.contains { $0.contains("accepted upload sha256=\(local) region=eu-central") })
    }

    /// Uses the default 1 MiB chunks, for which libcurl may send `Expect: 100-continue`.
    @Test func defaultChunksSpanLargeBundle() async throws {
        let receiver = try TestReceiver()
        let folder = try TemporaryFolder()
        let bundle = try TestBundles.make(in: folder.url, signedBy: receiver.trustedKey, options: .init(blobBytes: 2_500_000))

        let result = try await uploader(bundle, to: receiver, folder: folder, chunkBytes: UploadProtocol.defaultChunkBytes)
            .run(approval: .approved)
        #expect(result.bytes > 2_500_000)
        #expect(result.acknowledgedSHA256 == (try SealedBundle.digest(of: bundle).1))
        #expect(receiver.storedBundles(region: "eu-west") == [bundle.lastPathComponent])
    }

    @Test func cutOffUploadResumes() async throws {
        let receiver = try TestReceiver()
        let folder = try TemporaryFolder()
        let bundle = try TestBundles.make(in: folder.url, signedBy: receiver.trustedKey, options: .init(blobBytes: 300_000))
        let chunk = 64 << 10

        await #expect(throws: TransferError.stoppedAfterChunks(count: 2, offset: Int64(2 * chunk))) {
            _ = try await uploader(bundle, to: receiver, folder: folder, chunkBytes: chunk, stopAfterChunks: 2).run(approval: .approved)
        }
        #expect(receiver.storedBundles(region: "eu-west").isEmpty)
        let id = try SealedBundle.digest(of: bundle).1
        #expect(receiver.receiver.staging.offset(id) == Int64(2 * chunk))

        let result = try await uploader(bundle, to: receiver, folder: folder, chunkBytes: chunk).run(approval: .approved)
        #expect(result.resumedFrom == Int64(2 * chunk))
        #expect(result.acknowledgedSHA256 == id)
        #expect(receiver.storedBundles(region: "eu-west") == [bundle.lastPathComponent])
    }

    @Test func completedUploadSentAgainIsAcknowledged() async throws {
        let receiver = try TestReceiver()
        let folder = try TemporaryFolder()
        let bundle = try TestBundles.make(in: folder.url, signedBy: receiver.trustedKey)

        let first = try await uploader(bundle, to: receiver, folder: folder).run(approval: .approved)
        let second = try await uploader(bundle, to: receiver, folder: folder).run(approval: .approved)
        #expect(second.acknowledgedSHA256 == first.sha256)
        #expect(second.stored == first.stored)
        #expect(receiver.storedBundles(region: "eu-west") == [bundle.lastPathComponent])
    }

    @Test func selfHostedNeedsSharingEnabled() async throws {
        let receiver = try TestReceiver()
        let folder = try TemporaryFolder()
        let bundle = try TestBundles.make(in: folder.url, signedBy: receiver.trustedKey, options: .init(mode: "self-hosted"))

        do {
            _ = try await uploader(bundle, to: receiver, folder: folder).run(approval: .approved)
            Issue.record("a self-hosted bundle was sent without sharing enabled")
        } catch let error as TransferError {
            guard case .sharingRefused(_, let setting) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(setting.contains("--enable-sharing"))
            #expect(setting.contains("sharing: {enabled: true}"))
        }
        #expect(receiver.storedBundles(region: "eu-west").isEmpty)
        #expect(receiver.stagedFiles().isEmpty)

        let result = try await uploader(bundle, to: receiver, folder: folder, enableSharing: true).run(approval: .approved)
        #expect(result.region == "eu-west")

        let profile = folder.path("profile.yaml")
        try Data("sharing:\n  enabled: true\n  allowed_regions: [eu-west]\n".utf8).write(to: profile)
        let policy = try SharingPolicy.load(profileAt: profile)
        let viaProfile = try uploader(bundle, to: receiver, folder: folder, policy: policy).prepare()
        #expect(viaProfile.bundle.mode == .selfHosted)
    }

    @Test func regionOutsideAllowedIsRefused() async throws {
        let receiver = try TestReceiver()
        let folder = try TemporaryFolder()
        let bundle = try TestBundles.make(in: folder.url, signedBy: receiver.trustedKey)
        let usBundle = try TestBundles.make(
            in: folder.url, signedBy: receiver.trustedKey, options: .init(name: "waka-diag-us-20260101T000000Z", region: "us-east"))

        let cases: [(URL, String?, String)] = [
            (bundle, "us-east", "destination's region us-east"),
            (usBundle, "eu-west", "bundle's region us-east"),
            (bundle, nil, "destination's region is unknown"),
        ]
        for (file, toRegion, expected) in cases {
            do {
                _ = try await uploader(file, to: receiver, folder: folder, toRegion: toRegion).run(approval: .approved)
                Issue.record("upload of \(file.lastPathComponent) to \(toRegion ?? "nil") was not refused")
            } catch let error as TransferError {
                #expect(error.description.contains(expected), "\(error.description)")
                #expect(error.exitStatus == .configuration)
            }
        }
        #expect(receiver.storedBundles(region: "eu-west").isEmpty)
        #expect(receiver.storedBundles(region: "us-east").isEmpty)
    }

    @Test func noYesAndNoTerminalIsRefused() async throws {
        let receiver = try TestReceiver()
        let folder = try TemporaryFolder()
        let bundle = try TestBundles.make(in: folder.url, signedBy: receiver.trustedKey)
        let approval = UploadApproval.forTerminal(yes: false, inputIsTerminal: false, errorIsTerminal: true)

        await #expect(throws: TransferError.self) {
            _ = try await uploader(bundle, to: receiver, folder: folder).run(approval: approval)
        }
        #expect(receiver.stagedFiles().isEmpty)
        #expect(receiver.storedBundles(region: "eu-west").isEmpty)

        let shown = LogSink()
        let declined = UploadApproval.ask { summary in
            shown.record(summary)
            return false
        }
        await #expect(throws: TransferError.notApproved(reason: "the operator declined")) {
            _ = try await uploader(bundle, to: receiver, folder: folder).run(approval: declined)
        }
        #expect(receiver.stagedFiles().isEmpty)
        let summary = try #require(shown.all.first)
        #expect(summary.contains(bundle.path))
        #expect(summary.contains(try SealedBundle.digest(of: bundle).1))
        #expect(summary.contains("destination  \(receiver.baseURL)"))
    }

    @Test func auditLogRecordsUploads() async throws {
        let receiver = try TestReceiver()
        let folder = try TemporaryFolder()
        let bundle = try TestBundles.make(in: folder.url, signedBy: receiver.trustedKey)
        let log = folder.path("audit/audit.log")

        _ = try await uploader(bundle, to: receiver, folder: folder).run(approval: .approved)
        _ = try? await uploader(bundle, to: receiver, folder: folder, toRegion: "ap-south").run(approval: .approved)

        #expect(FileSafety.mode(of: log) == 0o600)
        #expect(FileSafety.mode(of: log.deletingLastPathComponent()) == 0o700)
        let lines = String(decoding: try Data(contentsOf: log), as: UTF8.self).split(separator: "\n")
        let records = try lines.map { try JSONValue.parse(String($0)) }
        #expect(records.map { $0["details"]?["result"]?.stringValue } == ["started", "accepted", "refused"])
        let digest = try SealedBundle.digest(of: bundle).1
        for record in records {
            #expect(record["action"]?.stringValue == "upload")
            #expect(record["bundle_sha256"]?.stringValue == digest)
            #expect(record["destination"]?.stringValue == receiver.baseURL)
            #expect(record["user"]?.stringValue?.isEmpty == false)
            #expect(record["time"]?.stringValue.flatMap(Timestamp.parse) != nil)
        }
    }
}

/// Encrypted bundles: sent as `NAME.tar.gz.age` with a signature over the encrypted file.
@Suite struct EncryptedUploadTests {
    /// Encrypts `bundle` to `recipient` and signs the encrypted file with `key`.
    func encrypt(_ bundle: URL, to recipient: String, signedBy key: MinisignSecretKey) throws -> URL {
        let encrypted = URL(fileURLWithPath: bundle.path + ".age")
        try AgeEncryption.encrypt(fileAt: bundle, recipients: [recipient], to: encrypted)
        let signature = try Minisign.sign(fileAt: encrypted, secretKey: key, trustedComment: "file:\(encrypted.lastPathComponent)")
        try Data(signature.utf8).write(to: URL(fileURLWithPath: encrypted.path + ".minisig"))
        return encrypted
    }

    func uploader(_ file: URL, to receiver: TestReceiver, folder: TemporaryFolder) -> BundleUploader {
        BundleUploader(
            bundle: file, destination: receiver.baseURL, publicKey: receiver.trustedKey.publicKey,
            policy: SharingPolicy(allowedRegions: ["eu-west"]), destinationRegion: "eu-west",
            auditLog: AuditLog(url: folder.path("audit.log")))
    }

    @Test func receiverWithIdentityAcceptsEncryptedBundle() async throws {
        let (identity, recipient) = AgeKeys.generateIdentity()
        let receiver = try TestReceiver(ageIdentity: identity)
        let folder = try TemporaryFolder()
        let bundle = try TestBundles.make(in: folder.url, signedBy: receiver.trustedKey)
        let encrypted = try encrypt(bundle, to: recipient, signedBy: receiver.trustedKey)

        let result = try await uploader(encrypted, to: receiver, folder: folder).run(approval: .approved)
        #expect(result.acknowledgedSHA256 == Sodium.sha256(try Data(contentsOf: encrypted)).hexString)
        #expect(receiver.storedBundles(region: "eu-west") == [encrypted.lastPathComponent])
        #expect(receiver.stagedFiles().isEmpty)
    }

    @Test func receiverWithoutIdentityRejectsEncryptedBundle() async throws {
        let (_, recipient) = AgeKeys.generateIdentity()
        let receiver = try TestReceiver()
        let folder = try TemporaryFolder()
        let bundle = try TestBundles.make(in: folder.url, signedBy: receiver.trustedKey)
        let encrypted = try encrypt(bundle, to: recipient, signedBy: receiver.trustedKey)

        do {
            _ = try await uploader(encrypted, to: receiver, folder: folder).run(approval: .approved)
            Issue.record("an encrypted bundle was accepted by a receiver without an identity")
        } catch let error as TransferError {
            guard case .rejectedByReceiver(let status, let message) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(status == 422)
            #expect(message.contains("--identity"))
            #expect(error.exitStatus == .dataError, "a refusal is not retried like a broken transfer")
        }
        #expect(receiver.storedBundles(region: "eu-west").isEmpty)
        #expect(receiver.stagedFiles().isEmpty)
    }

    @Test(arguments: [(401, DiagSupport.ExitStatus.permission), (403, .permission), (413, .dataError), (503, .ioError)])
    func refusalExitStatus(status: Int, expected: DiagSupport.ExitStatus) {
        #expect(TransferError.rejectedByReceiver(status: status, message: "x").exitStatus == expected)
    }
}
