import DiagSupport
import Foundation
import Testing

/// `redact` with several files treats them as `collect` treats the files of one bundle.
@Suite struct RedactCommandTests {
    /// Runs `redact` on `inputs` into `out`, with a pseudonym key in `work`, and any `options`.
    static func redact(_ inputs: [String], out: URL, work: URL, options: [String] = []) throws -> TestSupport.Output {
        try TestSupport.wakaDiag(
            ["redact"] + inputs + ["--out", out.path, "--pseudonym-key", work.appendingPathComponent("pseudonym.key").path] + options,
            home: work)
    }

    /// About 5 MiB of health checks, so a file with them is streamed rather than read whole.
    static let streamedFiller = String(repeating: "GET /healthz 200 3ms\n", count: (5 << 20) / 21)

    /// Writes into `work` a streamed `big.log` (`head`, the filler, then `tail`) and a small
    /// `notes.txt`, and returns both with the output folder to redact them into.
    static func streamedAndSmall(in work: URL, head: String, tail: [UInt8] = [], notes: String) throws -> (big: URL, notes: URL, out: URL) {
        let big = work.appendingPathComponent("big.log")
        var data = Data((head + streamedFiller).utf8)
        data.append(contentsOf: tail)
        try data.write(to: big)
        let small = work.appendingPathComponent("notes.txt")
        try Data(notes.utf8).write(to: small)
        return (big, small, work.appendingPathComponent("out"))
    }

    @Test func keyValueSweptAcrossFiles() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let log = work.appendingPathComponent("edge.log")
        try Data("db connect password=hunter2xyz to primary\nretry with hunter2xyz after 5s\n".utf8).write(to: log)
        let notes = work.appendingPathComponent("edge.json")
        try Data(#"{"notes": "rotated from hunter2xyz last week", "tenant": "n/a"}"#.utf8).write(to: notes)
        let out = work.appendingPathComponent("out")

        let redact = try Self.redact([log.path, notes.path], out: out, work: work)
        #expect(redact.status == 0, "\(redact.stderr)")
        let redactedLog = try String(contentsOf: out.appendingPathComponent("edge.log"), encoding: .utf8)
        let redactedNotes = try String(contentsOf: out.appendingPathComponent("edge.json"), encoding: .utf8)
        #expect(!redactedLog.contains("hunter2xyz"))
        #expect(!redactedNotes.contains("hunter2xyz"), "\(redactedNotes)")

        // The same marker stands for the value in both files.
        let marker = try #require(redactedLog.range(of: #"<redacted:secret-value:[0-9a-f]{8}>"#, options: .regularExpression))
        #expect(redactedNotes.contains(String(redactedLog[marker])))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == ["edge.json", "edge.log"])
    }

    /// A user that only a command line's pattern finds (`psql -U ledger_rw`) is swept into the
    /// other files of the command, as one found by key is. A user name of letters alone
    /// (`recon`) is a service account whose name also spells paths and packages, so it is not.
    @Test func patternFoundUserSweptAcrossFiles() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let auth = work.appendingPathComponent("auth.log")
        try Data("sudo: COMMAND=/usr/bin/psql -h 10.40.3.55 -U ledger_rw -c select 1\nsudo: COMMAND=/usr/bin/psql -U recon -d ledger\n".utf8)
            .write(to: auth)
        let pool = work.appendingPathComponent("pgbouncer.log")
        try Data("LOG S-0x55d1c4a0: ledger/ledger_rw@10.40.3.55:5432 closing because: server conn crashed?\nLOG stats from /srv/recon/recon.log\n".utf8)
            .write(to: pool)
        let out = work.appendingPathComponent("out")

        let redact = try Self.redact([auth.path, pool.path], out: out, work: work)
        #expect(redact.status == 0, "\(redact.stderr)")
        let redactedAuth = try String(contentsOf: out.appendingPathComponent("auth.log"), encoding: .utf8)
        let redactedPool = try String(contentsOf: out.appendingPathComponent("pgbouncer.log"), encoding: .utf8)
        let user = try #require(redactedAuth.firstMatch(of: #/-U (user-[0-9a-f]{8}) -c/#)).1
        #expect(redactedPool.contains("ledger/\(user)@"), "\(redactedPool)")
        #expect(!redactedPool.contains("ledger_rw"))
        #expect(!redactedAuth.contains("-U recon"), "\(redactedAuth)")
        #expect(redactedPool.contains("/srv/recon/recon.log"), "\(redactedPool)")
    }

    /// A streamed file replaces a value found by key on its own line only, so with one among the
    /// inputs no sweep runs across the files, and the command prints a note.
    @Test func streamedFileTurnsTheSweepOff() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let (big, notes, out) = try Self.streamedAndSmall(
            in: work, head: "db connect password=hunter2xyz to primary\n", notes: "rotated from hunter2xyz last week\n")

        let redact = try Self.redact([big.path, notes.path], out: out, work: work)
        #expect(redact.status == 0, "\(redact.stderr)")
        #expect(redact.stderr.contains("note: a file is larger than 4 MiB and is streamed"), "\(redact.stderr)")
        let redactedBig = try String(contentsOf: out.appendingPathComponent("big.log"), encoding: .utf8)
        #expect(!redactedBig.contains("hunter2xyz"))
        #expect(try String(contentsOf: out.appendingPathComponent("notes.txt"), encoding: .utf8) == "rotated from hunter2xyz last week\n")
    }

    /// A copy that still contains a secret-looking value no rule replaced is named with its line on
    /// stderr, without the value, and each file's replacements are listed.
    @Test func residualWarningsNameFileAndLine() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let notes = work.appendingPathComponent("notes.txt")
        try Data("vendor call at 10:00\nthe vendor said passwd -> Xk29dLw8Qp7zA\n".utf8).write(to: notes)
        let env = work.appendingPathComponent("app.env")
        try Data("DB_PASSWORD=hunter2xyz\n".utf8).write(to: env)
        let out = work.appendingPathComponent("out")

        let redact = try Self.redact([notes.path, env.path], out: out, work: work)
        #expect(redact.status == 0, "\(redact.stderr)")
        let copy = out.appendingPathComponent("notes.txt").path
        #expect(redact.stderr.contains("warning: \(copy):2: secret-context, 13 bytes after passwd"), "\(redact.stderr)")
        #expect(!redact.stderr.contains("Xk29dLw8Qp7zA"))
        #expect(!redact.stderr.contains("app.env:"), "\(redact.stderr)")
        #expect(redact.stderr.contains("replacements per file:\n0       notes.txt\n1       app.env\n"), "\(redact.stderr)")
    }

    /// A copy's name loses its identifiers as the text does, keeps its extension, and the
    /// command prints where each copy went.
    @Test func copyNamesAreRedacted() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let names = ["db7.acme-bank.ng.log", "stmt_0123456789_2024-04.csv", "ada.obi@acme-bank.ng.txt", "notes.txt"]
        for name in names {
            try Data("GET /healthz 200 3ms\n".utf8).write(to: work.appendingPathComponent(name))
        }
        let out = work.appendingPathComponent("out")
        let map = work.appendingPathComponent("pseudonyms.json")

        let redact = try Self.redact(
            names.map { work.appendingPathComponent($0).path }, out: out, work: work, options: ["--pseudonym-map", map.path])
        #expect(redact.status == 0, "\(redact.stderr)")
        let copies = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(copies.count == 4)
        #expect(copies.contains("notes.txt"))
        for copy in copies {
            #expect(!copy.contains("acme-bank"), "\(copy)")
            #expect(!copy.contains("0123456789"), "\(copy)")
            #expect(!copy.contains("ada.obi"), "\(copy)")
            #expect(redact.stdout.contains(out.appendingPathComponent(copy).path + "\n"), "\(redact.stdout)")
        }
        let host = try #require(copies.first { $0.hasPrefix("host-") && $0.hasSuffix(".ng.log") })
        let statement = try #require(copies.first { $0.hasPrefix("stmt_") })
        #expect(statement.hasSuffix("_2024-04.csv"))
        let email = try #require(copies.first { $0.hasPrefix("user-") })
        #expect(email.hasSuffix(".ng.txt"))

        // The host pseudonym in the name unmaps like one in the text.
        let pseudonym = String(host.dropLast(".log".count))
        let unmapped = try TestSupport.wakaDiag(["unmap", pseudonym, "--pseudonym-map", map.path], home: work)
        #expect(unmapped.stdout == "db7.acme-bank.ng\n", "\(unmapped.stderr)")
    }

    /// A machine that only the text names by a key is known after the copy's name was made. The
    /// copy is renamed with the pseudonym the text got, and that pseudonym unmaps to the machine.
    @Test func copyNamedAfterMachineIsRenamed() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let transcript = work.appendingPathComponent("PowerShell_transcript.IKJ-FIN-LT042.Kx3f9Q2a.20241118093012.txt")
        try Data("**********************\nMachine: IKJ-FIN-LT042 (Microsoft Windows NT 10.0.22631.0)\nPS> Get-Service\n".utf8)
            .write(to: transcript)
        let out = work.appendingPathComponent("out")
        let map = work.appendingPathComponent("pseudonyms.json")

        let redact = try Self.redact([transcript.path], out: out, work: work, options: ["--pseudonym-map", map.path])
        #expect(redact.status == 0, "\(redact.stderr)")
        let copies = try FileManager.default.contentsOfDirectory(atPath: out.path)
        #expect(copies.count == 1)
        let copy = try #require(copies.first)
        #expect(!copy.contains("IKJ-FIN-LT042"), "\(copy)")
        #expect(!redact.stdout.contains("IKJ-FIN-LT042"))
        #expect(!redact.stderr.contains("IKJ-FIN-LT042"))
        #expect(redact.stdout == out.appendingPathComponent(copy).path + "\n", "\(redact.stdout)")
        let text = try String(contentsOf: out.appendingPathComponent(copy), encoding: .utf8)
        let pseudonym = try #require(text.firstMatch(of: #/Machine: (host-[0-9a-f]{8}) /#)).1
        #expect(copy == "PowerShell_transcript.\(pseudonym).Kx3f9Q2a.20241118093012.txt")
        let unmapped = try TestSupport.wakaDiag(["unmap", String(pseudonym), "--pseudonym-map", map.path], home: work)
        #expect(unmapped.stdout == "IKJ-FIN-LT042\n", "\(unmapped.stderr)")

        // A renamed copy whose new name another copy has already gets a number before its extension.
        let named = work.appendingPathComponent(copy)
        try Data("GET /healthz 200\n".utf8).write(to: named)
        let again = work.appendingPathComponent("again")
        let second = try Self.redact(
            [named.path, transcript.path], out: again, work: work, options: ["--pseudonym-map", map.path])
        #expect(second.status == 0, "\(second.stderr)")
        let renamed = "PowerShell_transcript.\(pseudonym).Kx3f9Q2a.20241118093012-2.txt"
        #expect(try FileManager.default.contentsOfDirectory(atPath: again.path).sorted() == [copy, renamed].sorted())
        #expect(try String(contentsOf: again.appendingPathComponent(copy), encoding: .utf8) == "GET /healthz 200\n")
        #expect(try String(contentsOf: again.appendingPathComponent(renamed), encoding: .utf8) == text)
        #expect(second.stdout.contains(again.appendingPathComponent(renamed).path + "\n"), "\(second.stdout)")
    }

    /// A streamed file that fails part way (invalid UTF-8 after a first block with identifiers)
    /// writes no copy and adds nothing to the counts the command prints.
    @Test func failedStreamedFileAddsNoCounts() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let (big, notes, out) = try Self.streamedAndSmall(
            in: work, head: "GET /api/v1/accounts from 10.20.30.40 tenant_id=acme-bank\n", tail: [0xC3, 0x28, 0x0A],
            notes: "called from 10.9.9.9\n")

        let redact = try Self.redact([big.path, notes.path], out: out, work: work)
        #expect(redact.status == 65, "\(redact.stderr)")
        #expect(redact.stderr.contains("big.log: cannot redact big.log: invalid UTF-8"), "\(redact.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("big.log").path))
        #expect(redact.stderr.contains("replacements per rule, all files:\n1       ipv4\n"), "\(redact.stderr)")
        #expect(!redact.stderr.contains("tenant-id"), "\(redact.stderr)")
    }

    /// Two inputs whose copies would have one name stop the command before anything is written,
    /// and the message names both inputs.
    @Test func clashingCopyNamesNameBothInputs() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        var inputs: [URL] = []
        for folder in ["a", "b"] {
            let directory = work.appendingPathComponent(folder)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            inputs.append(directory.appendingPathComponent("app.log"))
            try Data("GET /healthz 200\n".utf8).write(to: inputs.last!)
        }
        let out = work.appendingPathComponent("out")
        let redact = try Self.redact(inputs.map(\.path), out: out, work: work)
        #expect(redact.status == ExitStatus.usage.rawValue, "\(redact.stderr)")
        #expect(redact.stderr.contains("\(inputs[0].path) and \(inputs[1].path) would both be copied to \(out.path)/app.log"), "\(redact.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    /// A file that cannot be redacted is named with what went wrong and that no copy was written.
    @Test func unredactableFileSaysNoCopyWasWritten() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let broken = work.appendingPathComponent("values.yaml")
        try Data("password: {{ .Values.pw }\n  bad: [\n".utf8).write(to: broken)
        let out = work.appendingPathComponent("out")

        let redact = try Self.redact([broken.path], out: out, work: work)
        #expect(redact.status == 65, "\(redact.stderr)")
        #expect(redact.stderr.contains("cannot redact values.yaml: invalid YAML"), "\(redact.stderr)")
        #expect(redact.stderr.contains("; no redacted copy was written"), "\(redact.stderr)")
        #expect(redact.stderr.contains("; fix the YAML, or give the file a .txt name to redact it as plain text"), "\(redact.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("values.yaml").path))
    }

    /// The compiled line screens are kept in the cache between runs. Checking each rule's
    /// `screen` while the ruleset loads stores nothing there, so the screens are never evicted
    /// by the cache's file limit and a second run compiles nothing.
    @Test func secondRunLoadsTheScreensFromTheCache() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let log = work.appendingPathComponent("edge.log")
        try Data((Self.streamedFiller + "login failed password=Ikoyi-2024x\n").utf8).write(to: log)
        let cache = work.appendingPathComponent(".cache/waka-diag/hyperscan")

        let first = try Self.redact([log.path], out: work.appendingPathComponent("out1"), work: work)
        #expect(first.status == 0, "\(first.stderr)")
        let stored = try FileManager.default.contentsOfDirectory(atPath: cache.path).filter { $0.hasSuffix(".db") }.sorted()
        #expect(!stored.isEmpty)
        #expect(stored.count <= 3, "loading the ruleset stored \(stored.count) databases")
        let sizes = try stored.map { try FileManager.default.attributesOfItem(atPath: cache.appendingPathComponent($0).path)[.size] as? Int }

        let second = try Self.redact([log.path], out: work.appendingPathComponent("out2"), work: work)
        #expect(second.status == 0, "\(second.stderr)")
        let again = try FileManager.default.contentsOfDirectory(atPath: cache.path).filter { $0.hasSuffix(".db") }.sorted()
        #expect(again == stored)
        #expect(try again.map { try FileManager.default.attributesOfItem(atPath: cache.appendingPathComponent($0).path)[.size] as? Int } == sizes)
    }

    /// A copy has no manifest, so `redact` names each switched-off rule and its reason.
    @Test func switchedOffRuleIsNamedWithItsReason() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let layer = work.appendingPathComponent("site.yaml")
        try Data(
            """
            version: 1
            id: site
            description: site layer
            rules:
              - id: phone-nanp
                kind: phone
                description: North American numbers
                pattern: '\\([2-9][0-9]{2}\\) ?[0-9]{3}-[0-9]{4}'
                examples: {redact: ['call (415) 555-0100']}
                enabled: false
                reason: "order numbers look like phone numbers here"

            """.utf8
        ).write(to: layer)
        let input = work.appendingPathComponent("orders.log")
        try Data("order (415) 555-0100 shipped\n".utf8).write(to: input)

        let redact = try Self.redact([input.path], out: work.appendingPathComponent("out"), work: work, options: ["--extra-rules", layer.path])
        #expect(redact.status == 0, "\(redact.stderr)")
        #expect(redact.stderr.contains("note: rule phone-nanp is switched off (order numbers look like phone numbers here)"), "\(redact.stderr)")
        let copy = try String(contentsOf: work.appendingPathComponent("out/orders.log"), encoding: .utf8)
        #expect(copy == "order (415) 555-0100 shipped\n")
    }

    /// Kubernetes node logs are symbolic links to the runtime's files. `redact` reads through a
    /// link and names the copy after it; a link to a folder is rejected as a folder.
    @Test func symbolicLinkIsReadThrough() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let pods = work.appendingPathComponent("pods/payments_api-7f9c/api")
        try FileManager.default.createDirectory(at: pods, withIntermediateDirectories: true)
        let target = pods.appendingPathComponent("0.log")
        try Data("2026-12-05T10:00:00Z stderr F login failed password=Ikoyi-2024x\n".utf8).write(to: target)
        let link = work.appendingPathComponent("payments-api_default_api-3b1f.log")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        let out = work.appendingPathComponent("out")

        let redact = try Self.redact([link.path], out: out, work: work)
        #expect(redact.status == 0, "\(redact.stderr)")
        let copy = try String(contentsOf: out.appendingPathComponent("payments-api_default_api-3b1f.log"), encoding: .utf8)
        #expect(copy.contains("login failed password=<redacted:secret-value:"))
        #expect(!copy.contains("Ikoyi-2024x"))

        let folderLink = work.appendingPathComponent("pods-link")
        try FileManager.default.createSymbolicLink(at: folderLink, withDestinationURL: work.appendingPathComponent("pods"))
        let rejected = try Self.redact([folderLink.path], out: work.appendingPathComponent("out2"), work: work)
        #expect(rejected.status == 66)
        #expect(rejected.stderr.contains("pods-link is a folder"), "\(rejected.stderr)")
    }
}
