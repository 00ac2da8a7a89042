import DiagRedaction
import DiagSupport
import Foundation
import Testing

/// Creating, reading and rejecting site secret files.
struct SiteSecretTests {
    static func mode(_ url: URL) -> mode_t {
        var info = stat()
        stat(url.path, &info)
        return info.st_mode & 0o777
    }

    @Test func createsPrivateFileInPrivateFolder() throws {
        let root = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let url = root.appendingPathComponent("keys/site-secret")

        let secret = try SiteSecret.loadOrCreate(at: url)
        #expect(secret.count == 32)
        #expect(Self.mode(url) == 0o600)
        #expect(Self.mode(url.deletingLastPathComponent()) == 0o700)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text == secret.hexString + "\n")
        #expect(try SiteSecret.loadOrCreate(at: url) == secret)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
        #expect(leftovers == ["site-secret"])
    }

    @Test func rejectsFileReadableByOthers() throws {
        let root = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        chmod(root.path, 0o700)
        let url = root.appendingPathComponent("site-secret")
        _ = try SiteSecret.loadOrCreate(at: url)
        chmod(url.path, 0o644)
        let error = try #require(throws: DiagError.self) { try SiteSecret.loadOrCreate(at: url) }
        #expect(error.exitStatus == .permission)
        #expect(error.description.contains("chmod 600"))
    }

    @Test func rejectsFolderWritableByOthers() throws {
        let root = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        chmod(root.path, 0o777)
        let error = try #require(throws: DiagError.self) {
            try SiteSecret.loadOrCreate(at: root.appendingPathComponent("site-secret"))
        }
        #expect(error.exitStatus == .permission)
    }

    @Test func rejectsMalformedContent() throws {
        let root = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        chmod(root.path, 0o700)
        let url = root.appendingPathComponent("site-secret")
        try FileSafety.writeAtomically(Data("not hex\n".utf8), to: url, mode: 0o600)
        let error = try #require(throws: DiagError.self) { try SiteSecret.loadOrCreate(at: url) }
        #expect(error.exitStatus == .dataError)
    }

    @Test func ephemeralSecretsDiffer() {
        let first = SiteSecret.ephemeral()
        #expect(first.count == 32)
        #expect(first != SiteSecret.ephemeral())
    }
}
