import DiagRedaction
import DiagSupport
import Foundation
import Testing

/// Warnings for likely secrets that no rule replaced, which must never carry the value.
struct ResidualScannerTests {
    static func warnings(_ text: String, file: String = "x.log") -> [ResidualWarning] {
        ResidualScanner.scan(files: [file: Data(text.utf8)])
    }

    /// The tool's own pseudonyms are not secrets, also when a name is built from one.
    @Test func pseudonymsAreNotFlagged() {
        #expect(Self.warnings("Controlled By:  ReplicaSet/customer-d69a2c09-7d9f6c8b5\n").isEmpty)
        #expect(Self.warnings("token: user-1a2b3c4d\n").isEmpty)
        // A reference built around a replaced account number.
        #expect(Self.warnings("<EndToEndId>E2E-customer-d2d80485-01</EndToEndId>\n").isEmpty)
        // Upper-case hex is no pseudonym, so the token is still read as random.
        #expect(Self.warnings("ref E2E-customer-D2D80485-Zq8mX2vL9pQ4\n").map(\.kind) == [.base64Blob])
    }

    /// Names and addresses that only look random: a resource name mixing `/` and `-`, a Java
    /// module path before a class name, and gdb's pointers. A random base64 token beside them is
    /// still flagged.
    @Test func namesAndPointersAreNotFlagged() {
        #expect(Self.warnings("Controlled By:  ReplicaSet/ledger-api-7c9f8d6b5\n").isEmpty)
        #expect(Self.warnings("\tat java.util.concurrent.DelayedWorkQueue.take(java.base@17.0.10/ScheduledThreadPoolExecutor.java:1182)\n").isEmpty)
        #expect(Self.warnings(#"#3 verify (entered_pin=0x7f3b2effc5c0 "<redacted:secret-value:8ea78490>")"# + "\n").isEmpty)
        let blob = Self.warnings("payload Zq8mX2vL9pQ4rT7wKd3Nf6Hs1Bc5Yg0J+/aE\n")
        #expect(blob.map(\.kind) == [.base64Blob])
    }

    /// A file read in blocks gives the same warnings, with the same line numbers, as the whole
    /// file scanned at once, also when a line straddles two blocks.
    @Test func fileReadInBlocksKeepsLineNumbers() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var text = ""
        var line = 0
        while text.utf8.count < (3 << 20) / 2 {
            line += 1
            text += line % 2_000 == 0 ? "retry \(line) with --token Zq8mX2vL9pQ4rT7w\n" : "GET /healthz 200 \(line)ms ok\n"
        }
        text += "last --token Zq8mX2vL9pQ4rT7w"
        let url = folder.appendingPathComponent("big.log")
        try Data(text.utf8).write(to: url)

        let streamed = try ResidualScanner.scanFile(at: url, name: "big.log")
        let whole = Self.warnings(text, file: "big.log")
        #expect(streamed.omitted == 0)
        #expect(whole.count == line / 2_000 + 1)
        #expect(streamed.warnings == whole)
        #expect(streamed.warnings.last?.line == line + 1)
    }

    @Test(arguments: [
        ("--token Zq8mX2vL9pQ4rT7w", ResidualWarning.Kind.secretContext, "token"),
        ("db_password -> s3cr3tPa55w0rdX", .secretContext, "db_password"),
        ("\"client_secret\" => \"9fK2mQ7xLp3Vb8Rt\"", .secretContext, "client_secret"),
        ("sent Authorization Bearer AbCdEf123456ghIJ", .authorizationHeader, "Authorization"),
        ("retry with Bearer AbCdEf123456ghIJ", .authorizationHeader, "Bearer"),
        ("blob wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY here", .base64Blob, "blob"),
        ("sig=dGhpc0lzQVRlc3RTaWduYXR1cmUxMjM0NQ==", .base64Blob, "sig"),
        ("routing 0123456789abcdef0123456789abcdef end", .hexBlob, "routing"),
    ])
    func flagsLikelySecret(line: String, kind: ResidualWarning.Kind, key: String) throws {
        let found = Self.warnings(line)

        #expect(found.count == 1, "\(line): \(found)")
        let warning = try #require(found.first)
        #expect(warning.kind == kind)
        #expect(warning.contextKey == key)
        #expect(warning.rule == "residual-high-entropy")
        #expect(warning.line == 1)
    }

    @Test(arguments: [
        "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7",
        "uid 550e8400-e29b-41d4-a716-446655440000",
        "password: <redacted:secret-value:1a2b3c4d>",
        "Authorization: Bearer <redacted:bearer-token:1a2b3c4d>",
        "token expired after 5m",
        "password_file: /etc/prometheus/password",
        "node_filesystem_avail_bytes{mountpoint=\"/\"} 1.2e+10",
        "  File \"/usr/local/lib/python3.11/site-packages/requests/adapters.py\", line 12",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0",
        "at org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:883)",
        "tenant_id=tenant-3f9a1c20 user=user-1a2b3c4d host=host-1a2b3c4d.5e6f.example-7a8b9c.com",
        "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "password: ${SMTP_PASSWORD}",
        "",
    ])
    func keepsOrdinaryText(line: String) {
        #expect(Self.warnings(line).isEmpty, "\(line): \(Self.warnings(line))")
    }

    @Test func warningsCarryNoValue() throws {
        let secret = "Zq8mX2vL9pQ4rT7wK3nB6"
        let document = ResidualScanner.warningsDocument(scanning: ["a.log": Data("x\n--token \(secret)\n".utf8)])
        let text = String(decoding: document.serialized(), as: UTF8.self)

        #expect(!text.contains(secret))
        #expect(text.contains(#""length":21"#) || text.contains(#""length": 21"#))
        #expect(text.contains(#""line":2"#) || text.contains(#""line": 2"#))
        #expect(document["schema"]?.stringValue == ResidualScanner.warningsSchema)
        #expect(document["omitted"]?.intValue == 0)
    }

    @Test func linesCountFromOne() {
        let found = Self.warnings("a\nb\n\nkey: Zq8mX2vL9pQ4rT7w\n")
        #expect(found.map(\.line) == [4])
    }

    @Test func filesAreSortedAndCapped() {
        let noisy = String(repeating: "--token Zq8mX2vL9pQ4rT7w\n", count: ResidualScanner.maximumWarningsPerFile + 7)
        let result = ResidualScanner.scanCounting(files: ["b.log": Data(noisy.utf8), "a.log": Data("--token Zq8mX2vL9pQ4rT7w".utf8)])

        #expect(result.warnings.first?.file == "a.log")
        #expect(result.warnings.count == ResidualScanner.maximumWarningsPerFile + 1)
        #expect(result.omitted == 7)
    }

    @Test func binaryAndInvalidUTF8DoNotCrash() {
        let bytes: [UInt8] = [0x00, 0xFF, 0xC3, 0x28, 0x0A] + Array("key=Zq8mX2vL9pQ4rT7w".utf8) + [0xE2, 0x82]
        let found = ResidualScanner.scan(files: ["bin": Data(bytes)])
        #expect(found.count == 1)
        #expect(found.first?.line == 2)
    }

    @Test func redactedCorpusHasFewWarnings() throws {
        let (_, outputs) = try PlantedCorpusTests.redactAll()
        let files = outputs.mapValues { Data($0.utf8) }
        let found = ResidualScanner.scan(files: files)
        #expect(found.count <= 2, "\(found)")
    }

    @Test func schemaFileDescribesDocument() throws {
        let url = TestSupport.repositoryRoot.appendingPathComponent("Schemas/redaction-warnings.schema.json")
        let schema = try JSONValue.parse(try Data(contentsOf: url))

        #expect(schema["$id"]?.stringValue == ResidualScanner.warningsSchema)
        let kinds = schema["$defs"]?["warning"]?["properties"]?["kind"]?["enum"]?.arrayValue?.compactMap(\.stringValue)
        #expect(Set(kinds ?? []) == Set(ResidualWarning.Kind.allCases.map(\.rawValue)))
    }
}
