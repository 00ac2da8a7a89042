import DiagRedaction
import DiagSupport
import Foundation
import Testing

/// Mistakes an operator makes on the command line fail before any source is contacted, with the
/// value at fault and the fix in the message.
@Suite struct OperatorMistakeTests {
    @Test func outputFolderThatIsAFileFailsFirst() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let file = work.appendingPathComponent("outfile")
        try Data("x".utf8).write(to: file)
        let configs = TestSupport.repositoryRoot.appendingPathComponent("demo/configs").path

        for out in [file.path, file.appendingPathComponent("sub").path] {
            let collect = try TestSupport.wakaDiag(
                ["collect", "--config", configs, "--region", "eu-west-1", "--secret-key", keys.secret.path, "--out", out], home: work)
            #expect(collect.status == 73)
            #expect(collect.stderr.contains("--out \(out)"), "\(collect.stderr)")
            #expect(collect.stderr.contains("not a folder"), "\(collect.stderr)")
            #expect(!collect.stderr.contains("NSCocoaErrorDomain"))
        }
        let redact = try TestSupport.wakaDiag(
            ["redact", configs + "/alertmanager-prod.yml", "--out", file.path,
             "--pseudonym-key", work.appendingPathComponent("pseudonym.key").path], home: work)
        #expect(redact.status == 73)
        #expect(redact.stderr.contains("not a folder"), "\(redact.stderr)")
        #expect(try String(contentsOf: file, encoding: .utf8) == "x")
    }

    @Test func explainOfBinaryFileNamesOutcome() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let binary = work.appendingPathComponent("blob.log")
        try Data([0x41, 0x00, 0x42, 0x0A]).write(to: binary)
        // The compiled-pattern cache may appear; nothing else may.
        let written = { try FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0 != ".cache" }.sorted() }
        let before = try written()

        let explain = try TestSupport.wakaDiag(["rules", "explain", binary.path], home: work)
        #expect(explain.status == 65)
        #expect(explain.stderr.contains("blob.log: it contains NUL bytes"), "\(explain.stderr)")
        #expect(explain.stderr.contains("redact and collect would leave this file out; export its content as text first"), "\(explain.stderr)")
        #expect(!explain.stderr.contains("it was left out"), "a dry run leaves nothing out: \(explain.stderr)")
        #expect(try written() == before)
    }

    /// A layer that switches a rule off, checked on its own, passes as a base ruleset. The
    /// output notes that and prints the command that checks it as a layer.
    @Test func layerCheckedAloneSaysHowToCheckItAsALayer() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let layer = work.appendingPathComponent("site-rules.yaml")
        try """
            version: 1
            id: site-rules
            description: Rules for one site
            rules:
              - id: phone-nanp
                kind: phone
                description: North American numbers; none occur at this site
                pattern: '\\([2-9][0-9]{2}\\) ?[0-9]{3}-[0-9]{4}'
                examples: {redact: ['call (415) 555-0100']}
                enabled: false
                reason: "order ids looked like phone numbers"

            """.write(to: layer, atomically: true, encoding: .utf8)

        let alone = try TestSupport.wakaDiag(["rules", "check", layer.path], home: work)
        #expect(alone.status == 0, "\(alone.stderr)")
        #expect(alone.stderr.contains("was checked as a base ruleset"), "\(alone.stderr)")
        let base = TestSupport.repositoryRoot.appendingPathComponent("Redaction/default.yaml").path
        // The command it prints works from any folder: it names the shipped ruleset by its full path.
        #expect(alone.stderr.contains("run: waka-diag rules check \(base) --extra-rules \(layer.path)"), "\(alone.stderr)")
        #expect(alone.stdout.contains(": valid, 1 rule (0 enabled), 0 keywords"), "\(alone.stdout)")

        let layered = try TestSupport.wakaDiag(["rules", "check", base, "--extra-rules", layer.path], home: work)
        #expect(layered.status == 0, "\(layered.stderr)")
        #expect(!layered.stderr.contains("checked as a base"), "\(layered.stderr)")
    }

    /// A layer that only switches rules off cannot be checked alone. The error prints the command
    /// that checks it on top of the shipped ruleset, with full paths.
    @Test func switchOffLayerCheckedAloneNamesTheCommand() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let layer = work.appendingPathComponent("off.yaml")
        try Data("version: 1\nid: site\ndescription: Site switches.\nswitch-off:\n  - {id: phone-nanp, reason: none here}\n".utf8).write(to: layer)

        let alone = try TestSupport.wakaDiag(["rules", "check", layer.path], home: work)
        #expect(alone.status == 65)
        let base = TestSupport.repositoryRoot.appendingPathComponent("Redaction/default.yaml").path
        #expect(alone.stderr.contains("'waka-diag rules check \(base) --extra-rules \(layer.path)'"), "\(alone.stderr)")
        let layered = try TestSupport.wakaDiag(["rules", "check", base, "--extra-rules", layer.path], home: work)
        #expect(layered.status == 0, "\(layered.stderr)")
        #expect(layered.stdout.contains("(\(try Ruleset.load(default: URL(fileURLWithPath: base)).rules.count - 1) enabled)"), "\(layered.stdout)")
    }

    /// A missing ruleset file is named with the option that gave it.
    @Test func missingRulesetNamesItsOption() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let input = work.appendingPathComponent("a.log")
        try Data("ok\n".utf8).write(to: input)
        let missing = work.appendingPathComponent("nope.yaml").path

        let base = try TestSupport.wakaDiag(["redact", input.path, "--out", work.appendingPathComponent("o").path, "--rules", missing], home: work)
        #expect(base.status == 66)
        #expect(base.stderr.contains("--rules \(missing) does not exist"), "\(base.stderr)")
        let layered = try TestSupport.wakaDiag(["redact", input.path, "--out", work.appendingPathComponent("o").path, "--extra-rules", missing], home: work)
        #expect(layered.status == 66)
        #expect(layered.stderr.contains("--extra-rules \(missing) does not exist"), "\(layered.stderr)")
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("o").path))
    }

    @Test func mistypedOptionGetsASuggestion() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }

        let typo = try TestSupport.wakaDiag(["collect", "--promethus", "http://127.0.0.1:9", "--region", "eu-west-1"], home: work)
        #expect(typo.status == 64)
        #expect(typo.stderr.contains("unknown option '--promethus' for 'collect'; did you mean --prometheus?"), "\(typo.stderr)")

        let unrelated = try TestSupport.wakaDiag(["collect", "--zzzzzz", "--region", "eu-west-1"], home: work)
        #expect(unrelated.status == 64)
        #expect(unrelated.stderr.contains("run 'waka-diag help collect'"), "\(unrelated.stderr)")
        #expect(!unrelated.stderr.contains("did you mean"))

        let shortened = try TestSupport.wakaDiag(["verify", "x.tar.gz", "--pubkey", "k.pub"], home: work)
        #expect(shortened.status == 64)
        #expect(shortened.stderr.contains("did you mean --public-key?"), "\(shortened.stderr)")

        let command = try TestSupport.wakaDiag(["colect", "--region", "eu-west-1"], home: work)
        #expect(command.status == 64)
        #expect(command.stderr.contains("unknown command 'colect'; did you mean 'collect'?"), "\(command.stderr)")
    }

    @Test func missingRedactInputWritesNothing() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let out = work.appendingPathComponent("redacted")
        let missing = work.appendingPathComponent("nope.log").path
        let key = ["--pseudonym-key", work.appendingPathComponent("pseudonym.key").path]

        let redact = try TestSupport.wakaDiag(["redact", missing, "--out", out.path] + key, home: work)
        #expect(redact.status == 66)
        #expect(redact.stderr.contains("\(missing) does not exist"), "\(redact.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))

        let folder = try TestSupport.wakaDiag(["redact", work.path, "--out", out.path] + key, home: work)
        #expect(folder.status == 66)
        #expect(folder.stderr.contains("is a folder"), "\(folder.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))

        // A file that cannot be redacted leaves no folder behind either.
        let binary = work.appendingPathComponent("blob.log")
        try Data([0x41, 0x00, 0x42]).write(to: binary)
        let failed = try TestSupport.wakaDiag(["redact", binary.path, "--out", out.path] + key, home: work)
        #expect(failed.status == 65)
        #expect(!FileManager.default.fileExists(atPath: out.path))

        // An existing copy is never overwritten.
        let input = work.appendingPathComponent("app.log")
        try Data("password=hunter2-secret\n".utf8).write(to: input)
        let first = try TestSupport.wakaDiag(["redact", input.path, "--out", out.path] + key, home: work)
        #expect(first.status == 0, "\(first.stderr)")
        let copy = try Data(contentsOf: out.appendingPathComponent("app.log"))
        let again = try TestSupport.wakaDiag(["redact", input.path, "--out", out.path] + key, home: work)
        #expect(again.status == 73)
        #expect(again.stderr.contains("already exists"), "\(again.stderr)")
        #expect(try Data(contentsOf: out.appendingPathComponent("app.log")) == copy)
    }

    @Test func unmapExplainsSecretMarkers() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let map = ["--pseudonym-map", work.appendingPathComponent("pseudonyms.json").path]

        for marker in ["<redacted:secret-value:8c5208be>", "<redacted:not-allowlisted>"] {
            let unmap = try TestSupport.wakaDiag(["unmap", marker] + map, home: work)
            #expect(unmap.status == 1)
            #expect(unmap.stderr.contains("never recorded in the pseudonym map"), "\(unmap.stderr)")
        }
        // A pseudonym of a shaped kind is only missing from this map, which must exist.
        let input = work.appendingPathComponent("app.log")
        try Data("tenant_id=acme-42\n".utf8).write(to: input)
        let redact = try TestSupport.wakaDiag(
            ["redact", input.path, "--out", work.appendingPathComponent("out").path,
             "--pseudonym-key", work.appendingPathComponent("pseudonym.key").path] + map, home: work)
        #expect(redact.status == 0, "\(redact.stderr)")
        let tenant = try TestSupport.wakaDiag(["unmap", "tenant-00000000"] + map, home: work)
        #expect(tenant.status == 1)
        #expect(tenant.stderr.contains("another pseudonym key"), "\(tenant.stderr)")
    }

    @Test func windowInTheFutureIsRejected() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let configs = TestSupport.repositoryRoot.appendingPathComponent("demo/configs").path
        let base = ["collect", "--config", configs, "--region", "eu-west-1", "--secret-key", keys.secret.path,
                    "--now", "2026-12-04T20:00:00Z", "--out", work.appendingPathComponent("out").path]

        let future = try TestSupport.wakaDiag(base + ["--from", "2027-01-01T00:00:00Z", "--to", "2027-01-01T01:00:00Z"], home: work)
        #expect(future.status == 64)
        #expect(future.stderr.contains("--from 2027-01-01T00:00:00Z is after the collection time"), "\(future.stderr)")

        let openEnded = try TestSupport.wakaDiag(base + ["--from", "2026-12-05T00:00:00Z"], home: work)
        #expect(openEnded.status == 64)
        #expect(openEnded.stderr.contains("the default --to"), "\(openEnded.stderr)")

        let endOnly = try TestSupport.wakaDiag(base + ["--to", "2026-12-04T19:00:00Z"], home: work)
        #expect(endOnly.status == 64)
        #expect(endOnly.stderr.contains("--to '2026-12-04T19:00:00Z' needs --from"), "\(endOnly.stderr)")
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("out").path))
    }

    @Test func rulesListShowsWholeCells() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let output = try TestSupport.wakaDiag(["rules", "list"], home: work)
        #expect(output.status == 0)
        let lines = output.stdout.split(separator: "\n").map(String.init)
        let basic = try #require(lines.first { $0.hasPrefix("basic-credentials ") })
        #expect(basic.contains(" pattern+basic-credentials "))
        #expect(basic.hasSuffix(" yes"))
        let column = try #require(lines.first?.range(of: "enabled")).lowerBound.utf16Offset(in: lines[0])
        for line in lines.dropFirst() where !line.hasPrefix("plus ") {
            #expect(line.count > column, "\(line)")
        }
    }

    @Test func reviewListPrintsJSON() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let collected = try TestSupport.wakaDiag(
            ["collect", "--config", TestSupport.repositoryRoot.appendingPathComponent("demo/configs").path, "--region", "eu-west-1",
             "--secret-key", keys.secret.path, "--out", work.appendingPathComponent("out").path, "--json"], home: work)
        let bundle = try #require(try JSONValue.parse(Data(collected.stdout.utf8))["bundle"]?.stringValue)

        let listed = try TestSupport.wakaDiag(["review", bundle, "--list", "--json"], home: work)
        #expect(listed.status == 0)
        let files = try #require(try JSONValue.parse(Data(listed.stdout.utf8))["files"]?.arrayValue)
        let manifest = try #require(files.first { $0["path"] == "manifest.json" })
        #expect(manifest["sha256"]?.stringValue?.count == 64)
        #expect((manifest["size"]?.intValue ?? 0) > 0)
    }

    @Test func unreachableSourceNamesItsURL() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        let output = try TestSupport.wakaDiag(
            ["collect", "--prometheus", "http://127.0.0.1:1", "--region", "eu-west-1", "--secret-key", keys.secret.path,
             "--out", work.appendingPathComponent("out").path], home: work)
        // The only source failed, so the bundle contains little beyond the failure report.
        #expect(output.status == 69)
        #expect(output.stderr.contains("every source failed (1 of 1)"), "\(output.stderr)")
        #expect(output.stderr.contains("    http://127.0.0.1:1: "), "\(output.stderr)")
        #expect(output.stderr.contains("connection refused"), "\(output.stderr)")

        let quiet = try TestSupport.wakaDiag(
            ["collect", "--prometheus", "http://127.0.0.1:1", "--region", "eu-west-1", "--secret-key", keys.secret.path,
             "--out", work.appendingPathComponent("quiet").path, "--quiet"], home: work)
        #expect(quiet.status == 69)
        #expect(quiet.stderr.contains("warning: every source failed"), "\(quiet.stderr)")
        #expect(quiet.stdout.hasSuffix(".tar.gz\n"), "\(quiet.stdout)")
    }
}
