import DiagRedaction
import DiagSupport
import Foundation
import Testing

/// `redactFile` on hard inputs: formats, broken data, empty files and very long lines.
struct RedactFileTests {
    /// A secret found by its key is also swept from the file's other JSON and YAML values, as it
    /// is from a text file's other lines, and the copy still parses.
    @Test(arguments: [
        ("state.json", #"{"db_password": {"sensitive": true, "value": "Tf-Rds-M4ster-2026!"}, "resources": [{"password": "Tf-Rds-M4ster-2026!"}]}"#),
        ("values.yaml", "db:\n  password: Zq8-Plover-2026!\nnotes:\n  - retry with Zq8-Plover-2026!\n"),
    ])
    func structuredFileSweepsItsOwnValues(name: String, text: String) throws {
        let output = try TestSupport.makeRedactor().redactFile(name: name, data: Data(text.utf8), sweepsKnownValues: true)
        let copy = String(decoding: output, as: UTF8.self)
        #expect(!copy.contains("Tf-Rds-M4ster-2026!"), "\(copy)")
        #expect(!copy.contains("Zq8-Plover-2026!"), "\(copy)")
        #expect(copy.components(separatedBy: "<redacted:secret-value:").count == 3, "\(copy)")
        if name.hasSuffix(".json") {
            #expect((try? JSONValue.parse(output)) != nil)
        } else {
            #expect((try? YAMLDocument.parseAll(copy)) != nil)
        }
    }

    /// A JSON file keeps its member order, indentation and untouched values byte for byte, so the
    /// copy compares line by line with its original. Each line of JSON Lines keeps its layout too.
    @Test func jsonCopyKeepsLayout() throws {
        let document = """
            {
                "service": "ledger-api",
                "owner": {"email": "ada.obi@acme-bank.ng", "team": "payments"},
                "upstreams": [
                    "https://core-db01.vi.acme-bank.ng:5432",
                    "http://localhost:9090"
                ],
                "timeout_ms": 2500,
                "ratio": 0.50
            }

            """
        let copy = String(
            decoding: try TestSupport.makeRedactor().redactFile(name: "service.json", data: Data(document.utf8), sweepsKnownValues: true),
            as: UTF8.self)
        let lines = copy.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == document.split(separator: "\n", omittingEmptySubsequences: false).count, "\(copy)")
        #expect(lines[1] == #"    "service": "ledger-api","#)
        #expect(lines[2].hasPrefix(#"    "owner": {"email": "user-"#), "\(copy)")
        #expect(lines[2].hasSuffix(#"", "team": "payments"},"#), "\(copy)")
        #expect(lines[4].hasPrefix(#"        "https://host-"#), "\(copy)")
        #expect(lines[5] == #"        "http://localhost:9090""#)
        #expect(lines[7] == #"    "timeout_ms": 2500,"#)
        #expect(lines[8] == #"    "ratio": 0.50"#)
        #expect(!copy.contains("acme-bank"), "\(copy)")
        #expect((try? JSONValue.parse(Data(copy.utf8))) != nil)

        // JSON inside a string (a HAR request body) keeps its own member order and spacing.
        let har = #"{"postData": {"mimeType": "application/json", "text": "{\"sourceAccount\": \"2034567891\", \"amount\": 250000, \"email\": \"ada.obi@acme-bank.ng\"}"}}"#
        let harCopy = String(
            decoding: try TestSupport.makeRedactor().redactFile(name: "checkout.har", data: Data(har.utf8)), as: UTF8.self)
        #expect(harCopy.contains(#""text": "{\"sourceAccount\": \""#), "\(harCopy)")
        #expect(harCopy.contains(#"\", \"amount\": 250000, \"email\": \"user-"#), "\(harCopy)")
        #expect(!harCopy.contains("acme-bank"), "\(harCopy)")

        let jsonLines = #"{"ts": "2024-11-18T09:20:11Z", "level": "error", "user": "ada.obi@acme-bank.ng"}"# + "\n"
            + #"{"ts":"2024-11-18T09:20:12Z","level":"info","msg":"ok"}"# + "\n"
        let linesCopy = String(
            decoding: try TestSupport.makeRedactor().redactFile(name: "app.jsonl", data: Data(jsonLines.utf8)), as: UTF8.self)
        let copiedLines = linesCopy.split(separator: "\n")
        #expect(copiedLines[0].hasPrefix(#"{"ts": "2024-11-18T09:20:11Z", "level": "error", "user": "user-"#), "\(linesCopy)")
        #expect(copiedLines[1] == #"{"ts":"2024-11-18T09:20:12Z","level":"info","msg":"ok"}"#)
    }

    /// An INI or git config section named for a tenant or user gives its rule to the `id` and
    /// `name` under it. Other sections and keys stay.
    @Test func iniSectionNamesItsIdentifier() throws {
        let ini = """
            [tenant]
            ; the tenant this node serves
            id = zenithagro
            region = eu-west-1

            [database]
            name = ledger
            port = 5432

            [user]
            \tname = Ada Obi
            \temail = ada.obi@acme-bank.ng

            """
        let copy = String(decoding: try TestSupport.makeRedactor().redactFile(name: "settings.ini", data: Data(ini.utf8)), as: UTF8.self)
        #expect(!copy.contains("zenithagro"), "\(copy)")
        #expect(copy.contains("id = tenant-"), "\(copy)")
        #expect(copy.contains("region = eu-west-1"), "\(copy)")
        #expect(copy.contains("name = ledger"), "\(copy)")
        #expect(!copy.contains("Ada Obi"), "\(copy)")
        #expect(copy.contains("\tname = user-"), "\(copy)")
    }

    /// A URL under a host key is one replacement, counted once: by the URL rule that made it.
    @Test(arguments: [("one.yaml", "upstream:\n  url: https://ledger.lagosbank.internal:9443\n"), ("one.log", "host=https://ledger.lagosbank.internal:9443\n")])
    func urlUnderHostKeyCountsOnce(name: String, text: String) throws {
        let redactor = TestSupport.makeRedactor()
        let output = String(decoding: try redactor.redactFile(name: name, data: Data(text.utf8)), as: UTF8.self)
        #expect(!output.contains("lagosbank"), "\(output)")
        #expect(redactor.report.total == 1, "\(redactor.report.counts)")
    }

    /// A host glued to a word by `-` or `_` in a file name is replaced, and a name whose
    /// parts only look like a host (a version, a unit name) is kept.
    @Test(arguments: [
        ("core-db01.vi.wakapay.ng-postgresql.csv", "core-db01", "-postgresql.csv"),
        ("app_db7.acme-bank.ng_2024.log", "db7", "_2024.log"),
        ("ada_obi@acme-bank.ng.txt", "obi", ".ng.txt"),
    ])
    func gluedHostInFileNameIsReplaced(name: String, hidden: String, suffix: String) {
        let redacted = TestSupport.makeRedactor().redactFileName(name)
        #expect(!redacted.contains(hidden), "\(redacted)")
        #expect(!redacted.contains("acme-bank"), "\(redacted)")
        #expect(!redacted.contains("wakapay"), "\(redacted)")
        #expect(redacted.hasSuffix(suffix), "\(redacted)")
    }

    @Test func fileNameWithoutHostIsKept() {
        let redactor = TestSupport.makeRedactor()
        #expect(redactor.redactFileName("report-v1.2-final.txt") == "report-v1.2-final.txt")
        #expect(redactor.redactFileName("node-exporter.service-2024.log") == "node-exporter.service-2024.log")
        #expect(redactor.redactFileName("PowerShell_transcript.20241118.txt") == "PowerShell_transcript.20241118.txt")
    }

    @Test func malformedYAMLThrows() {
        let redactor = TestSupport.makeRedactor()
        #expect(throws: RedactionError.self) {
            try redactor.redactFile(name: "config.yml", data: Data("a: [b\npassword: hunter2\n".utf8))
        }
        #expect(redactor.report.total == 0, "a file left out records nothing")
    }

    @Test func malformedJSONThrows() {
        let redactor = TestSupport.makeRedactor()
        #expect(throws: RedactionError.self) {
            try redactor.redactFile(name: "alerts.json", data: Data(#"{"tenant_id": "acme""#.utf8))
        }
    }

    @Test func invalidUTF8Throws() throws {
        let redactor = TestSupport.makeRedactor()
        var data = Data("tenant_id=acme-corp ".utf8)
        data.append(contentsOf: [0xC3, 0x28])
        let error = try #require(throws: RedactionError.self) { try redactor.redactFile(name: "app.log", data: data) }
        #expect(error == .invalidUTF8(file: "app.log", offset: 20))
        #expect(error.description.contains("invalid UTF-8 at byte 20"))
    }

    @Test(arguments: [[0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] as [[UInt8]])
    func invalidUTF8FormsThrow(bytes: [UInt8]) {
        let redactor = TestSupport.makeRedactor()
        #expect(throws: RedactionError.self) { try redactor.redactFile(name: "x.txt", data: Data(bytes)) }
    }

    @Test func binaryThrows() {
        let redactor = TestSupport.makeRedactor()
        let data = Data([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x00, 0x00])
        #expect(throws: RedactionError.binary(file: "core")) { try redactor.redactFile(name: "core", data: data) }
    }

    @Test(arguments: ["empty.json", "empty.yaml", "empty.log"])
    func emptyFileStaysEmpty(name: String) throws {
        let output = try TestSupport.makeRedactor().redactFile(name: name, data: Data())
        #expect(output.isEmpty)
    }

    @Test func validMultibyteTextWorks() throws {
        let text = "übersicht: tenant_id=acme-corp ✓ 日本語 owner=jane@acme-corp.com"
        let output = try TestSupport.makeRedactor().redactFile(name: "x.log", data: Data(text.utf8))
        let result = String(decoding: output, as: UTF8.self)
        #expect(result.hasPrefix("übersicht: tenant_id=tenant-"))
        #expect(result.contains("✓ 日本語"))
        #expect(!result.contains("jane@acme-corp.com"))
    }

    @Test func textWithoutFinalNewlineKeepsItsEnd() throws {
        let output = try TestSupport.makeRedactor().redactFile(name: "x.log", data: Data("ip 10.1.2.3".utf8))
        let text = String(decoding: output, as: UTF8.self)
        #expect(text.hasPrefix("ip 10."))
        #expect(!text.hasSuffix("\n"))
    }

    @Test func jsonContentWithoutExtensionIsRedactedAsJSON() throws {
        let output = try TestSupport.makeRedactor().redactFile(name: "response", data: Data(#"{"labels": {"user_id": 42}}"#.utf8))
        let value = try JSONValue.parse(output)
        #expect(value["labels"]?["user_id"]?.stringValue?.hasPrefix("user-") == true)
    }

    @Test func jsonLinesAreRedactedLineByLine() throws {
        let text = #"{"tenant_id":"acme-corp","msg":"ok"}"# + "\nplain tenant=acme-corp line\n\n"
        let output = try TestSupport.makeRedactor().redactFile(name: "events.jsonl", data: Data(text.utf8))
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix(#"{"tenant_id":"tenant-"#))
        #expect(lines[0].hasSuffix(#"","msg":"ok"}"#))
        #expect(lines[1].hasPrefix("plain tenant=tenant-"))
        #expect(!lines.joined().contains("acme-corp"))
    }

    @Test func fiveMegabyteSingleLineWorks() throws {
        let chunk = "level=info msg=\"scrape ok\" target=http://10.1.2.3:9100/metrics tenant_id=acme-corp duration=0.5s "
        var line = ""
        line.reserveCapacity(5 << 20)
        while line.utf8.count < 5 << 20 { line += chunk }
        let redactor = TestSupport.makeRedactor()
        let start = Date()
        let output = try redactor.redactFile(name: "big.log", data: Data(line.utf8))
        let elapsed = Date().timeIntervalSince(start)
        let text = String(decoding: output, as: UTF8.self)
        #expect(!text.contains("acme-corp"))
        #expect(!text.contains("10.1.2.3"))
        #expect(text.contains("duration=0.5s"))
        #expect(!text.contains("\n"))
        #expect(elapsed < 60, "5 MB took \(elapsed) s")
        print("redacted a 5 MB line in \(elapsed) s")
    }

    @Test func fiveMegabyteLineWithoutMatchesWorks() throws {
        let line = String(repeating: "abcdefghij0123456789 ", count: 250_000)
        let output = try TestSupport.makeRedactor().redactFile(name: "big.txt", data: Data(line.utf8))
        #expect(output == Data(line.utf8))
    }
}

extension RedactFileTests {
    /// The node column of `kubectl get pods -o wide` and the name column of `kubectl get nodes`
    /// are machine names. The other columns, `<none>` and the status words stay.
    @Test func kubectlNodeColumnsAreHosts() throws {
        let text = """
            $ kubectl get pods -n payments -o wide
            NAME                      READY   STATUS    RESTARTS   AGE   IP           NODE             NOMINATED NODE   READINESS GATES
            payout-7d9f8c6b5-x2kqp    1/1     Running   0          3d    10.40.7.19   k8s-lag-node04   <none>           <none>
            ledger-6c8d7f9b4-qq2lp    0/1     Pending   0          5m    <none>       <none>           <none>           <none>

            $ kubectl get nodes
            NAME             STATUS     ROLES           AGE   VERSION
            k8s-lag-node02   NotReady   control-plane   41d   v1.28.4

            """
        let copy = String(decoding: try TestSupport.makeRedactor().redactFile(name: "kubectl.txt", data: Data(text.utf8)), as: UTF8.self)
        #expect(!copy.contains("k8s-lag-node04"), "\(copy)")
        #expect(!copy.contains("k8s-lag-node02"), "\(copy)")
        #expect(copy.contains("payout-7d9f8c6b5-x2kqp    1/1     Running   0          3d"), "\(copy)")
        #expect(copy.contains("ledger-6c8d7f9b4-qq2lp    0/1     Pending   0          5m    <none>       <none>"), "\(copy)")
        #expect(copy.contains("NotReady   control-plane   41d   v1.28.4"), "\(copy)")
        let lines = copy.split(separator: "\n")
        #expect(lines[2].contains("   host-"), "\(copy)")
        #expect(lines[6].hasPrefix("host-"), "\(copy)")

        // With -A, the namespace column comes first: one named for a tenant is replaced, others
        // stay. Here the header ends with NODE.
        let all = """
            NAMESPACE       NAME                           READY   STATUS             IP            NODE
            tnt-kanoagro    payout-api-7d9c6b8f6-x2kqp     0/1     CrashLoopBackOff   10.244.3.17   k8s-lag-node07
            kube-system     coredns-5d78c9869d-2xkqp       1/1     Running            10.244.0.5    k8s-lag-node01

            """
        let allCopy = String(decoding: try TestSupport.makeRedactor().redactFile(name: "pods.txt", data: Data(all.utf8)), as: UTF8.self)
        #expect(!allCopy.contains("tnt-kanoagro"), "\(allCopy)")
        #expect(!allCopy.contains("k8s-lag-node07"), "\(allCopy)")
        #expect(!allCopy.contains("k8s-lag-node01"), "\(allCopy)")
        #expect(allCopy.contains("kube-system     coredns-5d78c9869d-2xkqp       1/1     Running"), "\(allCopy)")
    }
}
