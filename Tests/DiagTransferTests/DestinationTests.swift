import DiagSupport
import Foundation
import Testing

@testable import DiagTransfer

@Suite struct DestinationTests {
    @Test(arguments: [
        ("localhost", true), ("LOCALHOST", true), ("127.0.0.1", true), ("127.255.3.4", true), ("[::1]", true),
        ("::1", true), ("0:0:0:0:0:0:0:1", true), ("128.0.0.1", false), ("10.0.0.1", false), ("127.0.0", false),
        ("127.0.0.1.example.invalid", false), ("localhost.example.invalid", false), ("::ffff:127.0.0.1", false),
        ("example.invalid", false), ("", false), ("0127.0.0.1", false),
    ])
    func loopbackHosts(host: String, expected: Bool) {
        #expect(UploadDestination.isLoopbackHost(host) == expected)
    }

    @Test func httpToRemoteHostIsRefused() {
        #expect(throws: TransferError.self) { _ = try UploadDestination("http://example.invalid/upload") }
        #expect(throws: TransferError.self) { _ = try UploadDestination("ftp://127.0.0.1/") }
        #expect(throws: TransferError.self) { _ = try UploadDestination("https://user:secret@example.invalid/") }
        #expect(throws: TransferError.self) { _ = try UploadDestination("example.invalid") }
        #expect(throws: TransferError.self) { _ = try UploadDestination("https://example.invalid/?a=b") }
    }

    @Test func allowedDestinations() throws {
        #expect(try UploadDestination("https://example.invalid/waka").isLoopback == false)
        #expect(try UploadDestination("http://127.0.0.1:8080").isLoopback)
        #expect(try UploadDestination("http://[::1]:8080/").isLoopback)
        #expect(try UploadDestination("HTTP://localhost:1").isLoopback)
    }

    @Test func uploadURLJoinsBaseAndID() throws {
        let destination = try UploadDestination("http://127.0.0.1:9/base/")
        #expect(destination.uploadURL("ab", suffix: "/complete").absoluteString == "http://127.0.0.1:9/base/v1/uploads/ab/complete")
    }

    /// The bundle path does not exist, so a refusal that reads it first would fail differently;
    /// the destination is checked first, from its text alone.
    @Test func httpRefusalComesBeforeAnythingElse() async throws {
        let folder = try TemporaryFolder()
        let uploader = BundleUploader(
            bundle: folder.path("missing.tar.gz"), destination: "http://example.invalid:8080/",
            policy: SharingPolicy(enabled: true, allowedRegions: ["eu-west"]), destinationRegion: "eu-west",
            auditLog: AuditLog(url: folder.path("audit.log")))
        do {
            _ = try await uploader.run(approval: .approved)
            Issue.record("http to example.invalid was not refused")
        } catch let error as TransferError {
            guard case .invalidDestination(_, let reason) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(reason.contains("loopback"))
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path("audit.log").path))
    }

    /// The CA file is checked before the bundle is read, and nothing is sent or audited.
    @Test func missingCAFileIsRejectedFirst() throws {
        let folder = try TemporaryFolder()
        let uploader = BundleUploader(
            bundle: folder.path("missing.tar.gz"), destination: "https://example.invalid/",
            certificateAuthority: folder.path("ca.pem"), auditLog: AuditLog(url: folder.path("audit.log")))
        #expect(throws: DiagError.noInput("--ca \(folder.path("ca.pem").path) does not exist; give the path of a PEM file")) {
            _ = try uploader.prepare()
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path("audit.log").path))
    }

    @Test func listenAddresses() throws {
        let v4 = try ListenAddress("127.0.0.1:8443")
        #expect(v4.host == "127.0.0.1")
        #expect(v4.port == 8443)
        #expect(!v4.isIPv6)
        let v6 = try ListenAddress("[::1]:0")
        #expect(v6.isIPv6)
        #expect(v6.description == "[::1]:0")

        #expect(throws: DiagError.self) { _ = try ListenAddress("0.0.0.0:8443") }
        #expect(throws: DiagError.self) { _ = try ListenAddress("localhost:8443") }
        #expect(throws: DiagError.self) { _ = try ListenAddress("127.0.0.1") }
        #expect(throws: DiagError.self) { _ = try ListenAddress("127.0.0.1:70000") }
        #expect(throws: DiagError.self) { _ = try ListenAddress("::1:8443") }
        #expect(try ListenAddress("0.0.0.0:8443", allowRemote: true).host == "0.0.0.0")
    }
}
