import DiagSupport
import Foundation
import Testing

/// Determinism and tamper detection, on bundles made from the demo config folder with a fixed clock.
@Suite struct BundleIntegrityTests {
    /// Collects the demo configs into `out` with fixed keys and clock; returns the bundle path.
    static func collectConfigs(work: URL, keys: (secret: URL, public: URL), out: String) throws -> URL {
        let output = try TestSupport.wakaDiag(
            [
                "collect", "--config", TestSupport.repositoryRoot.appendingPathComponent("demo/configs").path,
                "--region", "eu-west-1", "--site", "test-site", "--mode", "partner", "--now", "2026-12-04T10:00:00Z",
                "--secret-key", keys.secret.path, "--pseudonym-key", work.appendingPathComponent("keys/pseudonym.key").path,
                "--out", work.appendingPathComponent(out).path, "--json",
            ], home: work)
        // Exit 2: demo/configs contains a binary keystore that is left out on purpose.
        #expect(output.status == 2, "collect exited \(output.status): \(output.stderr)")
        let result = try JSONValue.parse(output.stdout)
        return URL(fileURLWithPath: try #require(result["bundle"]?.stringValue))
    }

    @Test func sameInputsGiveIdenticalBytes() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let first = try Self.collectConfigs(work: work, keys: keys, out: "one")
        let second = try Self.collectConfigs(work: work, keys: keys, out: "two")
        #expect(first.lastPathComponent == "waka-diag-test-site-20261204T100000Z.tar.gz")
        #expect(try Data(contentsOf: first) == Data(contentsOf: second))
        #expect(try Data(contentsOf: URL(fileURLWithPath: first.path + ".minisig"))
            == Data(contentsOf: URL(fileURLWithPath: second.path + ".minisig")))

        // The gzip header carries no file name and a zero timestamp.
        let header = [UInt8](try Data(contentsOf: first).prefix(10))
        #expect(header[0] == 0x1F)
        #expect(header[1] == 0x8B)
        #expect(header[3] & 0x08 == 0, "gzip header has FNAME set")
        #expect(header[4...7].allSatisfy { $0 == 0 }, "gzip header has a timestamp")
    }

    @Test func flippedByteFailsVerification() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let bundle = try Self.collectConfigs(work: work, keys: keys, out: "out")
        let original = try Data(contentsOf: bundle)
        let signature = URL(fileURLWithPath: bundle.path + ".minisig")

        for position in [0, 5, original.count / 3, original.count / 2, original.count - 9, original.count - 1] {
            var tampered = original
            tampered[position] ^= 0x01
            let copy = work.appendingPathComponent("tampered-\(position).tar.gz")
            try tampered.write(to: copy)
            try FileManager.default.copyItem(at: signature, to: URL(fileURLWithPath: copy.path + ".minisig"))
            let verify = try TestSupport.wakaDiag(["verify", copy.path, "--public-key", keys.public.path], home: work)
            #expect(verify.status == 1, "verify accepted a bundle with byte \(position) flipped")
            #expect(verify.stdout.contains("FAIL signature"))
        }
    }

    @Test func repackedEditFailsVerification() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let bundle = try Self.collectConfigs(work: work, keys: keys, out: "out")
        let repacked = work.appendingPathComponent("repacked.tar.gz")
        let script = """
            import io, sys, tarfile
            source, target = sys.argv[1], sys.argv[2]
            with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
                for member in old.getmembers():
                    data = old.extractfile(member).read() if member.isfile() else None
                    if data is not None and member.name.endswith("SUMMARY.md"):
                        data = data.replace(b"Site", b"Sitf", 1)
                        member.size = len(data)
                    new.addfile(member, io.BytesIO(data) if data is not None else None)
            """
        let python = try TestSupport.run("/usr/bin/env", ["python3", "-c", script, bundle.path, repacked.path])
        #expect(python.status == 0, "\(python.stderr)")
        try FileManager.default.copyItem(
            at: URL(fileURLWithPath: bundle.path + ".minisig"), to: URL(fileURLWithPath: repacked.path + ".minisig"))

        let verify = try TestSupport.wakaDiag(["verify", repacked.path, "--public-key", keys.public.path, "--json"], home: work)
        #expect(verify.status == 1)
        let report = try JSONValue.parse(verify.stdout)
        let failed = (report["checks"]?.arrayValue ?? []).filter { $0["passed"] == false }.compactMap { $0["check"]?.stringValue }
        #expect(failed.contains("signature"))
        #expect(failed.contains("files"), "the edited SUMMARY.md no longer matches its SHA-256, so 'files' must fail too")
    }

    @Test func wrongPublicKeyNamesKeyIDs() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let bundle = try Self.collectConfigs(work: work, keys: keys, out: "out")
        let otherFolder = work.appendingPathComponent("other")
        let other = try TestSupport.makeKeys(in: otherFolder, home: work)
        let verify = try TestSupport.wakaDiag(["verify", bundle.path, "--public-key", other.public.path], home: work)
        #expect(verify.status == 1)
        #expect(verify.stdout.lowercased().contains("key id"))
    }

    /// Without --public-key, verify uses the site's key when there is one and prints which. A
    /// missing site key or signature gets a message with the fix.
    @Test func verifyDefaultsToTheSiteKey() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let bundle = try Self.collectConfigs(work: work, keys: keys, out: "out")

        let noSiteKey = try TestSupport.wakaDiag(["verify", bundle.path], home: work)
        #expect(noSiteKey.status == 64)
        #expect(noSiteKey.stderr.contains("'verify' needs --public-key: there is no site key at"), "\(noSiteKey.stderr)")

        let siteFolder = work.appendingPathComponent(".local/share/waka-diag")
        try FileManager.default.createDirectory(at: siteFolder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: keys.public, to: siteFolder.appendingPathComponent("signing.pub"))
        let siteKey = try TestSupport.wakaDiag(["verify", bundle.path], home: work)
        #expect(siteKey.status == 0, "\(siteKey.stdout) \(siteKey.stderr)")
        #expect(siteKey.stdout.contains("the site's public key, \(siteFolder.path)/signing.pub"), "\(siteKey.stdout)")

        try FileManager.default.removeItem(atPath: bundle.path + ".minisig")
        let unsigned = try TestSupport.wakaDiag(["verify", bundle.path], home: work)
        #expect(unsigned.status == 66)
        #expect(unsigned.stderr.contains("\(bundle.path).minisig is missing"), "\(unsigned.stderr)")
        #expect(unsigned.stderr.contains("--signature PATH"))
    }
}
