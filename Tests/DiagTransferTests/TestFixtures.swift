import DiagArchive
import DiagCore
import DiagCrypto
import DiagSupport
import Foundation

@testable import DiagTransfer
import TestCleanup

/// A temporary folder removed when the value is released.
final class TemporaryFolder: @unchecked Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("waka-diag-transfer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        ExitCleanup.register(url)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    func path(_ relative: String) -> URL { url.appendingPathComponent(relative) }
}

/// Builds signed bundles the way `collect` lays them out, without the collection pipeline.
enum TestBundles {
    struct Options {
        var name = "waka-diag-site-20260101T000000Z"
        var mode = "saas"
        var region = "eu-west"
        /// Random, incompressible bytes added as `data/blob.bin`, so the tarball spans several chunks.
        var blobBytes = 0
        /// Lists a wrong SHA-256 for `SUMMARY.md` in the manifest; the bundle is still signed.
        var tamperManifest = false
    }

    /// Writes `NAME.tar.gz` and `NAME.tar.gz.minisig` into `folder` and returns the tarball's URL.
    ///
    /// The manifest has every field `Schemas/manifest.schema.json` requires, because local
    /// verification checks the bundle's JSON documents against their schemas. The other files are
    /// not JSON, so no other schema applies.
    static func make(in folder: URL, signedBy key: MinisignSecretKey, options: Options = Options()) throws -> URL {
        var files: [ArchiveEntry] = [
            ArchiveEntry(path: "SUMMARY.md", data: Data("# Diagnostics\n\nNo identifiers here.\n".utf8)),
            ArchiveEntry(path: "config/app.yaml", data: Data("retention: 14d\n".utf8)),
        ]
        if options.blobBytes > 0 {
            files.append(ArchiveEntry(path: "data/blob.bin", data: Data(Sodium.randomBytes(options.blobBytes))))
        }
        let listed: [JSONValue] = files.map { file in
            var digest = Sodium.sha256(file.data).hexString
            if options.tamperManifest && file.path == "SUMMARY.md" { digest = String(repeating: "0", count: 64) }
            return ["path": .string(file.path), "size": JSONValue(file.data.count), "sha256": .string(digest)]
        }
        let manifest: JSONValue = [
            "schema": .string(BundleLayout.manifestSchema), "format_version": 1, "bundle": .string(options.name),
            "tool": ["name": "waka-diag", "version": "0.0.0-test"], "created": "2026-01-01T00:00:00Z",
            "mode": .string(options.mode), "region": .string(options.region), "site": "test-site",
            "window": ["start": "2025-12-31T23:00:00Z", "end": "2026-01-01T00:00:00Z", "seconds": 3600],
            "sources": [], "files": .array(listed), "left_out": [],
            "ruleset": ["id": "test", "sha256": .string(String(repeating: "a", count: 64)), "rules": 0, "operator_keywords": 0, "disabled": []],
            "redaction": ["replacements": 0, "report": "redaction/report.json"], "settings": [:],
            "schema_versions": ["manifest": 1],
        ]
        files.append(ArchiveEntry(path: "manifest.json", data: manifest.serialized()))

        let tarball = folder.appendingPathComponent("\(options.name).tar.gz")
        try DeterministicTarGz.write(
            entries: files, rootFolder: options.name, modificationTime: Date(timeIntervalSince1970: 1_767_225_600), to: tarball)
        let signature = try Minisign.sign(
            fileAt: tarball, secretKey: key, trustedComment: "timestamp:1767225600\tfile:\(tarball.lastPathComponent)\thashed")
        try Data(signature.utf8).write(to: URL(fileURLWithPath: tarball.path + ".minisig"))
        return tarball
    }
}

/// Collects log lines from a receiver.
final class LogSink: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func record(_ line: String) {
        lock.lock()
        lines.append(line)
        lock.unlock()
    }

    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }
}

/// A receiver on 127.0.0.1 with a free port, a store, one trusted key and a captured log.
final class TestReceiver: @unchecked Sendable {
    let folder: TemporaryFolder
    let trustedKey: MinisignSecretKey
    let receiver: UploadReceiver
    let server: HTTPServer
    let sink = LogSink()

    init(maximumBytes: Int64 = 64 << 20, ageIdentity: String? = nil, limits: HTTPServer.Limits = HTTPServer.Limits()) throws {
        folder = try TemporaryFolder()
        trustedKey = try MinisignSecretKey.generate()
        let keys = folder.path("trusted")
        try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true)
        try Data(trustedKey.publicKey.fileText.utf8).write(to: keys.appendingPathComponent("sender.pub"))

        let sink = self.sink
        let configuration = UploadReceiver.Configuration(
            store: folder.path("store"), trustedKeys: try TrustedKeys.load(folder: keys), maximumBytes: maximumBytes,
            ageIdentity: ageIdentity, log: { sink.record($0) })
        receiver = try UploadReceiver(configuration: configuration)
        server = try receiver.listen(on: try ListenAddress("127.0.0.1:0"), limits: limits)
    }

    deinit {
        server.stop(grace: 1)
    }

    var log: [String] { sink.all }

    var baseURL: String { "http://127.0.0.1:\(server.port)" }
    var store: URL { folder.path("store") }

    /// Lists the bundle files stored for `region`, without their signatures.
    func storedBundles(region: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: store.appendingPathComponent(region).path)) ?? []
        return names.filter { !$0.hasSuffix(".minisig") }.sorted()
    }

    /// Lists the files left in the staging folder, apart from acceptance records.
    func stagedFiles() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: store.appendingPathComponent(".staging").path)) ?? []
        return names.filter { !$0.hasSuffix(".accepted.json") }.sorted()
    }
}

/// Speaks the upload protocol without the client's local checks, so tests can send what the
/// client would refuse to send.
enum RawUpload {
    struct Failure: Error {
        var status: Int
        var message: String
    }

    /// Creates, sends and completes an upload of `file` with `signature` (nil sends none), and
    /// returns the completion response or the first error response.
    static func send(_ file: URL, name: String? = nil, signature: String?, to base: String) async throws -> Result<JSONValue, Failure> {
        let data = try Data(contentsOf: file)
        let id = Sodium.sha256(data).hexString
        let transport = UploadTransport(requestTimeout: 10)
        let url = URL(string: "\(base)\(UploadProtocol.uploadsPath)/\(id)")!

        var create: [String: JSONValue] = ["name": .string(name ?? file.lastPathComponent), "size": JSONValue(data.count)]
        if let signature { create["signature"] = .string(signature) }
        let steps: [(String, URL, [String: String], Data)] = [
            ("POST", url, ["Content-Type": "application/json"], JSONValue.object(create).serialized(pretty: false)),
            ("PATCH", url, [UploadProtocol.offsetHeader: "0"], data),
            ("POST", URL(string: url.absoluteString + "/complete")!, [:], Data("{}".utf8)),
        ]
        var last: JSONValue = .null
        for (method, target, headers, body) in steps {
            let (status, answer) = try await transport.send(method, target, headers: headers, body: body)
            let value = (try? JSONValue.parse(answer)) ?? .null
            guard (200..<300).contains(status) else {
                return .failure(Failure(status: status, message: value["error"]?.stringValue ?? ""))
            }
            last = value
        }
        return .success(last)
    }
}
