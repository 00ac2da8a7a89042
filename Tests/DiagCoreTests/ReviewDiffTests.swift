import DiagSupport
import Foundation
import Testing

/// `review --diff` and the review summary through the real binary.
@Suite struct ReviewDiffTests {
    @Test func diffShowsExcludedFileAsRemoved() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let bundle = try ReviewResealTests.collect(work: work, keys: keys)
        let excluded = try #require(try ReviewResealTests.paths(bundle, home: work).first { $0.hasSuffix(".ini") })
        let resealed = try ReviewResealTests.reseal(
            bundle, ["--exclude", excluded], keys: keys, out: work.appendingPathComponent("reviewed"), home: work)

        let text = try TestSupport.wakaDiag(["review", bundle.path, "--diff", resealed.path], home: work)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("  - \(excluded) ("), "the excluded file is not shown as removed:\n\(text.stdout)")
        #expect(text.stdout.contains("files: 0 added, 1 removed"))
        #expect(text.stdout.contains("  ~ manifest.json "))
        #expect(text.stdout.contains("sources: no status changed"))

        let json = try TestSupport.wakaDiag(["review", bundle.path, "--diff", resealed.path, "--json"], home: work)
        let diff = try JSONValue.parse(json.stdout)
        let removed = (diff["files"]?["removed"]?.arrayValue ?? []).compactMap { $0["path"]?.stringValue }
        #expect(removed == [excluded])
        let changed = Set((diff["files"]?["changed"]?.arrayValue ?? []).compactMap { $0["path"]?.stringValue })
        #expect(changed.isSuperset(of: ["manifest.json", "SUMMARY.md", "report.html", "collection/errors.json"]))
        #expect(diff["files"]?["added"]?.arrayValue == [])

        // The other direction shows the file as added, and replacement counts that went with it.
        let reverse = try TestSupport.wakaDiag(["review", resealed.path, "--diff", bundle.path, "--json"], home: work)
        let back = try JSONValue.parse(reverse.stdout)
        #expect((back["files"]?["added"]?.arrayValue ?? []).compactMap { $0["path"]?.stringValue } == [excluded])
        let counts = back["replacements"]?.arrayValue ?? []
        #expect(counts.count > 0, "leaving out a redacted file changes the replacement counts")

        let same = try TestSupport.wakaDiag(["review", bundle.path, "--diff", bundle.path], home: work)
        #expect(same.stdout.contains("files: 0 added, 0 removed, 0 changed"))
    }

    @Test func diffRejectsOtherSiteWithoutForce() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let bundle = try ReviewResealTests.collect(work: work, keys: keys)
        let other = try ReviewResealTests.collect(work: work, keys: keys, site: "other-site", now: "2026-12-04T11:00:00Z", out: "other")

        let rejected = try TestSupport.wakaDiag(["review", bundle.path, "--diff", other.path], home: work)
        #expect(rejected.status == 65)
        #expect(rejected.stderr.contains("'test-site'"))
        #expect(rejected.stderr.contains("'other-site'"))
        #expect(rejected.stderr.contains("--force"))

        let forced = try TestSupport.wakaDiag(["review", bundle.path, "--diff", other.path, "--force"], home: work)
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stdout.contains("site: test-site -> other-site"))
        #expect(forced.stdout.contains("window end: 2026-12-04T10:00:00Z -> 2026-12-04T11:00:00Z"))
    }

    @Test func summaryShowsWarningsAndCut() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let bundle = try ReviewResealTests.collect(work: work, keys: keys)

        // Without warnings or a cut, the summary has neither heading.
        let plain = try TestSupport.wakaDiag(["review", bundle.path], home: work)
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout.contains("site    test-site"))
        #expect(!plain.stdout.contains("residual redaction warnings"))
        #expect(!plain.stdout.contains("cut by the size budget"))

        // A copy with both, repacked with a consistent manifest, as a later collect may write it.
        let edited = work.appendingPathComponent("edited.tar.gz")
        let script = """
            import hashlib, io, json, sys, tarfile
            source, target = sys.argv[1], sys.argv[2]
            with tarfile.open(source, "r:gz") as old:
                members = [(m, old.extractfile(m).read() if m.isfile() else None) for m in old.getmembers()]
            root = members[0][0].name.split("/")[0]
            files = {m.name[len(root) + 1:]: data for m, data in members if data is not None}
            files["redaction/warnings.json"] = json.dumps({"warnings": [
                {"file": "config/files/configs/app.env", "rule": "possible-secret", "message": "long random value under key NOTE"}]}).encode()
            manifest = json.loads(files.pop("manifest.json"))
            manifest["cut"] = [{"path": "metrics/summary.json", "bytes": 734003, "reason": "over the 512 KiB budget"}]
            manifest["files"] = [{"path": p, "size": len(d), "sha256": hashlib.sha256(d).hexdigest()} for p, d in sorted(files.items())]
            files["manifest.json"] = json.dumps(manifest).encode()
            with tarfile.open(target, "w:gz") as new:
                for path, data in sorted(files.items()):
                    info = tarfile.TarInfo(root + "/" + path)
                    info.size = len(data)
                    new.addfile(info, io.BytesIO(data))
            """
        let python = try TestSupport.run("/usr/bin/env", ["python3", "-c", script, bundle.path, edited.path])
        try #require(python.status == 0, "python3 could not repack the bundle: \(python.stderr)")

        // The made-up warnings.json need not match the schema that a later collect follows, so the
        // schema check may fail. The exit status is not checked, but the summary must list both.
        let summary = try TestSupport.wakaDiag(["review", edited.path], home: work)
        // Every bundle already has redaction/warnings.json, which the repacked one replaces.
        let fileCount = try ReviewResealTests.paths(bundle, home: work).count
        #expect(summary.stdout.contains("files (\(fileCount)):"), "\(summary.stdout)\(summary.stderr)")
        #expect(!summary.stdout.contains("FAIL files"))
        #expect(summary.stdout.contains("residual redaction warnings"))
        #expect(summary.stdout.contains("config/files/configs/app.env possible-secret long random value under key NOTE"))
        #expect(summary.stdout.contains("cut by the size budget:"))
        #expect(summary.stdout.contains("metrics/summary.json (734003) over the 512 KiB budget"))
        let json = try JSONValue.parse(try TestSupport.wakaDiag(["review", edited.path, "--json"], home: work).stdout)
        #expect(json["warnings"]?["warnings"]?.arrayValue?.count == 1)
    }
}
