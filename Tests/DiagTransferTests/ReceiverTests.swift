import DiagCrypto
import DiagSupport
import Foundation
import Testing

@testable import DiagTransfer

/// Checks what the receiver rejects, sending with `RawUpload` so the client's own checks do not stop it first.
@Suite struct ReceiverTests {
    func signature(of file: URL) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: file.path + ".minisig")), as: UTF8.self)
    }

    @Test func rawUploadOfGoodBundleIsAccepted() async throws {
        let receiver = try TestReceiver()
        let folder = try TemporaryFolder()
        let bundle = try TestBundles.make(in: folder.url, signedBy: receiver.trustedKey)

        let outcome = try await RawUpload.send(bundle, signature: try signature(of: bundle), to: receiver.baseURL)
        let answer = try outcome.get()
        #expect(answer["region"]?.stringValue == "eu-west")
        #expect(answer["stored"]?.stringValue == "eu-west/\(bundle.lastPathComponent)")
    }

    @Test func unsignedUploadIsRejected() async throws {
        let receiver = try TestReceiver()
        let folder = try TemporaryFolder()
        let bundle = try TestBundles.make(in: folder.url, signedBy: receiver.trustedKey)

        let outcome = try await RawUpload.send(bundle, signature: nil, to: receiver.baseURL)
        guard case .failure(let failure) = outcome else {
            Issue.record("an unsigned upload was accepted")
            return
        }
        #expect(failure.status == 422)
        #expect(failure.message.contains("no minisign signature"))
        #expect(receiver.stagedFiles().isEmpty)
        #expect(receiver.log.contains { $0.hasPrefix("rejected upload sha256=") && $0.contains("no minisign signature") })
    }

    @Test func untrustedKeyIsRejected() async throws {
        let receiver = try TestReceiver()
        let folder = try TemporaryFolder()
        let stranger = try MinisignSecretKey.generate()
        let bundle = try TestBundles.make(in: folder.url, signedBy: stranger)

        let outcome = try await RawUpload.send(bundle, signature: try signature(of: bundle), to: receiver.baseURL)
        guard case .failure(let failure) = outcome else {
            Issue.record("a bundle signed by an untrusted key was accepted")
            return
        }
        #expect(failure.status == 403)
        #expect(failure.message.contains(stranger.publicKey.keyIDText))
        #expect(receiver.storedBundles(region: "eu-west").isEmpty)
    }

    @Test func signatureOfOtherFileIsRejected() async throws {
        let receiver = try TestReceiver()
        let folder = try TemporaryFolder()
        let bundle = try TestBundles.make(in: folder.url, signedBy: receiver.trustedKey)
        let other = try TestBundles.make(
            in: folder.url, signedBy: receiver.trustedKey, options: .init(name: "waka-diag-other-20260101T000000Z"))

        let outcome = try await RawUpload.send(bundle, signature: try signature(of: other), to: receiver.baseURL)
        guard case .failure(let failure) = outcome else {
            Issue.record("a bundle with another file's signature was accepted")
            return
        }
        #expect(failure.status == 422)
        #expect(failure.message.contains("signature check failed"))
        #expect(receiver.stagedFiles().isEmpty)
    }

    @Test func tamperedBundleIsRejected() async throws {
        let receiver = try TestReceiver()
        let folder = try TemporaryFolder()
        let bundle = try TestBundles.make(in: folder.url, signedBy: receiver.trustedKey, options: .init(tamperManifest: true))

        let outcome = try await RawUpload.send(bundle, signature: try signature(of: bundle), to: receiver.baseURL)
        guard case .failure(let failure) = outcome else {
            Issue.record("a bundle whose manifest does not match was accepted")
            return
        }
        #expect(failure.status == 422)
        #expect(failure.message.contains("SUMMARY.md does not match its SHA-256"))
        #expect(receiver.storedBundles(region: "eu-west").isEmpty)
        #expect(receiver.stagedFiles().isEmpty)
        #expect(receiver.log.contains { $0.contains("region=eu-west") && $0.contains("does not match its manifest") })
    }

    @Test func oversizedBundleIsRejected() async throws {
        let receiver = try TestReceiver(maximumBytes: 4096)
        let folder = try TemporaryFolder()
        let bundle = try TestBundles.make(in: folder.url, signedBy: receiver.trustedKey, options: .init(blobBytes: 20_000))

        let outcome = try await RawUpload.send(bundle, signature: try signature(of: bundle), to: receiver.baseURL)
        guard case .failure(let failure) = outcome else {
            Issue.record("a bundle over --max-bytes was accepted")
            return
        }
        #expect(failure.status == 413)
        #expect(failure.message.contains("--max-bytes"))
        #expect(receiver.stagedFiles().isEmpty)
    }

    @Test func bytesNotMatchingIDAreRejected() async throws {
        let receiver = try TestReceiver()
        let folder = try TemporaryFolder()
        let bundle = try TestBundles.make(in: folder.url, signedBy: receiver.trustedKey)
        let data = try Data(contentsOf: bundle)
        let wrongID = String(repeating: "ab", count: 32)
        let transport = UploadTransport(requestTimeout: 10)
        let url = URL(string: "\(receiver.baseURL)\(UploadProtocol.uploadsPath)/\(wrongID)")!
        let create: JSONValue = ["name": .string(bundle.lastPathComponent), "size": JSONValue(data.count), "signature": .string(try signature(of: bundle))]

        let (created, _) = try await transport.send("POST", url, body: create.serialized(pretty: false))
        #expect(created == 201)
        let (appended, _) = try await transport.send("PATCH", url, headers: [UploadProtocol.offsetHeader: "0"], body: data)
        #expect(appended == 200)
        let (completed, body) = try await transport.send("POST", URL(string: url.absoluteString + "/complete")!, body: Data("{}".utf8))
        #expect(completed == 422)
        #expect(String(decoding: body, as: UTF8.self).contains("not the upload id"))
        #expect(receiver.stagedFiles().isEmpty)
    }

    @Test func wrongOffsetGetsConflict() async throws {
        let receiver = try TestReceiver()
        let folder = try TemporaryFolder()
        let bundle = try TestBundles.make(in: folder.url, signedBy: receiver.trustedKey)
        let data = try Data(contentsOf: bundle)
        let id = Sodium.sha256(data).hexString
        let transport = UploadTransport(requestTimeout: 10)
        let url = URL(string: "\(receiver.baseURL)\(UploadProtocol.uploadsPath)/\(id)")!
        let create: JSONValue = ["name": .string(bundle.lastPathComponent), "size": JSONValue(data.count), "signature": .string(try signature(of: bundle))]

        _ = try await transport.send("POST", url, body: create.serialized(pretty: false))
        let (status, body) = try await transport.send("PATCH", url, headers: [UploadProtocol.offsetHeader: "10"], body: data.prefix(10))
        #expect(status == 409)
        #expect(try JSONValue.parse(body)["offset"]?.intValue == 0)
        let (early, _) = try await transport.send("POST", URL(string: url.absoluteString + "/complete")!, body: Data("{}".utf8))
        #expect(early == 409)
        let (missing, _) = try await transport.send("GET", URL(string: "\(receiver.baseURL)/v1/uploads/\(String(repeating: "0", count: 64))")!)
        #expect(missing == 404)
        let (unknown, _) = try await transport.send("GET", URL(string: "\(receiver.baseURL)/etc/passwd")!)
        #expect(unknown == 404)
    }

    @Test func trustedKeysFolderWithoutKeysFails() throws {
        let folder = try TemporaryFolder()
        #expect(throws: DiagError.self) { _ = try TrustedKeys.load(folder: folder.url) }
        #expect(throws: DiagError.self) { _ = try TrustedKeys.load(folder: folder.path("missing")) }
    }
}
