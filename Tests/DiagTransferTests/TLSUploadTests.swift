import DiagCrypto
import DiagSupport
import Foundation
import Testing

@testable import DiagTransfer

/// Uploads over HTTPS to an in-process receiver behind `Fixtures/tls_proxy.py`, with a CA and
/// certificates made for the test, all on 127.0.0.1.
@Suite struct TLSUploadTests {
    /// One PKI for every test of the suite; none of them changes its files.
    static let pki = Result { try TestPKI() }

    /// The receiver, the PKI and a proxy presenting the server certificate.
    struct Stack {
        let receiver: TestReceiver
        let pki: TestPKI
        let proxy: TLSProxy
        let folder: TemporaryFolder

        init(requireClientCertificate: Bool = false, misnamed: Bool = false) throws {
            receiver = try TestReceiver()
            pki = try TLSUploadTests.pki.get()
            folder = try TemporaryFolder()
            proxy = try TLSProxy(
                certificate: misnamed ? pki.misnamedCertificate : pki.serverCertificate,
                key: misnamed ? pki.misnamedKey : pki.serverKey, upstreamPort: Int(receiver.server.port),
                requireClientCertificateFrom: requireClientCertificate ? pki.caCertificate : nil, folder: folder)
        }

        func bundle(blobBytes: Int = 150_000) throws -> URL {
            try TestBundles.make(in: folder.url, signedBy: receiver.trustedKey, options: .init(blobBytes: blobBytes))
        }

        func uploader(
            _ bundle: URL, ca: URL?, clientCertificate: URL? = nil, clientKey: URL? = nil, stopAfterChunks: Int? = nil
        ) -> BundleUploader {
            BundleUploader(
                bundle: bundle, destination: proxy.baseURL, publicKey: receiver.trustedKey.publicKey,
                policy: SharingPolicy(allowedRegions: ["eu-west"]), destinationRegion: "eu-west", certificateAuthority: ca,
                clientCertificate: clientCertificate, clientKey: clientKey, auditLog: AuditLog(url: folder.path("audit.log")),
                chunkBytes: 64 << 10, requestTimeout: 10, stopAfterChunks: stopAfterChunks)
        }

        /// Returns the `result` field of each audit record, in order.
        func auditResults() throws -> [String] {
            let text = String(decoding: try Data(contentsOf: folder.path("audit.log")), as: UTF8.self)
            return try text.split(separator: "\n").map { try JSONValue.parse(String($0))["details"]?["result"]?.stringValue ?? "" }
        }

        /// Expects that the receiver neither stored nor staged anything.
        func expectNothingReceived(sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(receiver.storedBundles(region: "eu-west").isEmpty, sourceLocation: sourceLocation)
            #expect(receiver.stagedFiles().isEmpty, sourceLocation: sourceLocation)
        }
    }

    /// Runs the upload and returns the `TransferError` it throws, recording an issue otherwise.
    static func failure(of uploader: BundleUploader, sourceLocation: SourceLocation = #_sourceLocation) async -> TransferError? {
        do {
            _ = try await uploader.run(approval: .approved)
            Issue.record("the upload succeeded", sourceLocation: sourceLocation)
        } catch let error as TransferError {
            return error
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    @Test func uploadWithCAStoresExactBytes() async throws {
        let stack = try Stack()
        let bundle = try stack.bundle()

        let result = try await stack.uploader(bundle, ca: stack.pki.caCertificate).run(approval: .approved)

        let sent = try Data(contentsOf: bundle)
        #expect(result.acknowledgedSHA256 == Sodium.sha256(sent).hexString)
        #expect(result.bytes == Int64(sent.count))
        let stored = stack.receiver.store.appendingPathComponent("eu-west/\(bundle.lastPathComponent)")
        #expect(try Data(contentsOf: stored) == sent)
        let signature = try Data(contentsOf: URL(fileURLWithPath: bundle.path + ".minisig"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: stored.path + ".minisig")) == signature)
        #expect(stack.receiver.stagedFiles().isEmpty)
        #expect(try stack.auditResults() == ["started", "accepted"])
    }

    @Test func missingCAFailsWithCertificateError() async throws {
        let stack = try Stack()
        let bundle = try stack.bundle()

        let error = try #require(await Self.failure(of: stack.uploader(bundle, ca: nil)))

        guard case .tlsFailed(let reason) = error else {
            Issue.record("expected tlsFailed, got \(error)")
            return
        }
        #expect(reason.contains("cannot verify the certificate of 127.0.0.1:\(stack.proxy.port)"))
        #expect(reason.contains("pass --ca FILE"))
        #expect(error.exitStatus == .configuration)
        #expect(!error.description.contains("resume"), "a certificate error is not fixed by running again")
        stack.expectNothingReceived()
        #expect(try stack.auditResults() == ["started", "failed"])
    }

    @Test func wrongCAFailsWithCertificateError() async throws {
        let stack = try Stack()
        let bundle = try stack.bundle()
        let wrong = stack.pki.otherCACertificate

        let error = try #require(await Self.failure(of: stack.uploader(bundle, ca: wrong)))

        guard case .tlsFailed(let reason) = error else {
            Issue.record("expected tlsFailed, got \(error)")
            return
        }
        #expect(reason.contains("is not signed by a CA in --ca \(wrong.path)"))
        #expect(reason.contains("pass the PEM certificate of the CA that signed the receiver's certificate"))
        #expect(error.exitStatus == .configuration)
        stack.expectNothingReceived()
    }

    @Test func misnamedCertificateIsRejected() async throws {
        let stack = try Stack(misnamed: true)
        let bundle = try stack.bundle(blobBytes: 0)

        let error = try #require(await Self.failure(of: stack.uploader(bundle, ca: stack.pki.caCertificate)))

        guard case .tlsFailed(let reason) = error else {
            Issue.record("expected tlsFailed, got \(error)")
            return
        }
        #expect(reason.contains("does not name that host"))
        #expect(reason.contains("--to URL"))
        stack.expectNothingReceived()
    }

    @Test func cutOffTLSUploadStaysStagedThenResumes() async throws {
        let stack = try Stack()
        let bundle = try stack.bundle(blobBytes: 300_000)
        let id = try SealedBundle.digest(of: bundle).1

        await #expect(throws: TransferError.stoppedAfterChunks(count: 2, offset: Int64(2 * (64 << 10)))) {
            _ = try await stack.uploader(bundle, ca: stack.pki.caCertificate, stopAfterChunks: 2).run(approval: .approved)
        }
        // Half the bundle is staged, and nothing in the store looks complete.
        #expect(stack.receiver.storedBundles(region: "eu-west").isEmpty)
        #expect(stack.receiver.receiver.staging.offset(id) == Int64(2 * (64 << 10)))

        let result = try await stack.uploader(bundle, ca: stack.pki.caCertificate).run(approval: .approved)
        #expect(result.resumedFrom == Int64(2 * (64 << 10)))
        let stored = stack.receiver.store.appendingPathComponent("eu-west/\(bundle.lastPathComponent)")
        #expect(try Data(contentsOf: stored) == Data(contentsOf: bundle))
        #expect(stack.receiver.stagedFiles().isEmpty)
    }

    @Test func requiredClientCertificate() async throws {
        let stack = try Stack(requireClientCertificate: true)
        let bundle = try stack.bundle(blobBytes: 0)

        // libcurl reports the server's TLS 1.3 alert, or only the closed socket when it did not
        // read the alert in time. Both messages name the missing client certificate.
        let error = try #require(await Self.failure(of: stack.uploader(bundle, ca: stack.pki.caCertificate)))
        switch error {
        case .tlsFailed(let reason), .transferFailed(let reason):
            #expect(reason.contains("pass --client-cert FILE and --client-key FILE"), "\(reason)")
        default:
            Issue.record("expected tlsFailed or transferFailed, got \(error)")
        }
        stack.expectNothingReceived()

        let result = try await stack.uploader(
            bundle, ca: stack.pki.caCertificate, clientCertificate: stack.pki.clientCertificate, clientKey: stack.pki.clientKey
        ).run(approval: .approved)
        #expect(result.acknowledgedSHA256 == (try SealedBundle.digest(of: bundle).1))
        #expect(stack.receiver.storedBundles(region: "eu-west") == [bundle.lastPathComponent])
    }

    @Test func unusableTLSFilesFailBeforeSending() async throws {
        let stack = try Stack()
        let bundle = try stack.bundle(blobBytes: 0)
        let notPEM = stack.folder.path("not-a-ca.pem")
        try Data("not a certificate\n".utf8).write(to: notPEM)
        let missing = stack.folder.path("missing.pem")

        // A missing file or half a client identity stops the upload before the bundle is read.
        #expect(throws: DiagError.noInput("--ca \(missing.path) does not exist; give the path of a PEM file")) {
            _ = try stack.uploader(bundle, ca: missing).prepare()
        }
        #expect(throws: DiagError.usage("--client-cert needs --client-key with the certificate's private key")) {
            _ = try stack.uploader(bundle, ca: nil, clientCertificate: stack.pki.clientCertificate).prepare()
        }

        // A file that is not PEM fails on the first request, naming the option.
        let error = try #require(await Self.failure(of: stack.uploader(bundle, ca: notPEM)))
        guard case .tlsFailed(let reason) = error else {
            Issue.record("expected tlsFailed, got \(error)")
            return
        }
        #expect(reason.contains("--ca \(notPEM.path)"), "\(reason)")
        stack.expectNothingReceived()
    }
}
