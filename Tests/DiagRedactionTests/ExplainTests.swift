import DiagRedaction
import Foundation
import Testing

/// `Redactor.explainFile`: a dry run that lists replacements by line and records nothing.
struct ExplainTests {
    @Test func listsReplacementsByLine() throws {
        let text = "first line\ntenant_id=acme-bank-ng ok\nagain acme-bank-ng\npassword: hunter2-x\n"
        let redactor = TestSupport.makeRedactor()
        let (output, matches) = try redactor.explainFile(name: "app.log", data: Data(text.utf8))

        let tenant = matches.filter { $0.original == "acme-bank-ng" }
        #expect(tenant.map(\.line) == [2, 3])
        #expect(tenant.first?.rule == "tenant-id")
        #expect(tenant.first?.replacement.hasPrefix("tenant-") == true)
        let secret = try #require(matches.first { $0.original == "hunter2-x" })
        #expect(secret.line == 4)
        #expect(secret.replacement.hasPrefix("<redacted:secret-value:"))
        #expect(!String(decoding: output, as: UTF8.self).contains("hunter2-x"))
    }

    /// A tenant found by key on one line is also part of an email on the next, which the email
    /// rule replaces whole. The email's line lists the email, not the tenant.
    @Test func valueInsideReplacedLongerValueIsNotListed() throws {
        let text = "tenant_id=kanoagro\nescalate to ops@kanoagro.ng now\n"
        let (output, matches) = try TestSupport.makeRedactor().explainFile(name: "notes.log", data: Data(text.utf8))
        #expect(matches.filter { $0.original == "kanoagro" }.map(\.line) == [1])
        let email = try #require(matches.first { $0.original == "ops@kanoagro.ng" })
        #expect(email.line == 2)
        #expect(!String(decoding: output, as: UTF8.self).contains("kanoagro"))
    }

    /// A value glued to its flag (`-pS3cretPass1x`) is in no whole token, and is still listed
    /// on its line.
    @Test func gluedValueIsListedOnItsLine() throws {
        let text = "first line\nmysql -h db -u app -pS3cretPass1x shop\n"
        let (_, matches) = try TestSupport.makeRedactor().explainFile(name: "history", data: Data(text.utf8))
        let secret = try #require(matches.first { $0.original == "S3cretPass1x" })
        #expect(secret.line == 2)
        #expect(secret.rule == "cli-password")
    }

    /// `credential-in-prose` matches from the word "token", earlier in the line than the
    /// `vendor-api-token` match of the same value. The higher-priority vendor rule must win in
    /// the dry run, in whole-text redaction and in streaming alike.
    @Test func overlapGoesToHigherPriority() throws {
        let line = "token ghp_16C7e42F292c6912E7710c838347Ae178B4a1234 here"
        let (output, matches) = try TestSupport.makeRedactor().explainFile(name: "t.log", data: Data(line.utf8))
        let match = try #require(matches.first)
        #expect(matches.count == 1)
        #expect(match.rule == "vendor-api-token")
        #expect(match.replacement.hasPrefix("<redacted:api-token:"))

        let whole = TestSupport.makeRedactor().redactText(line, file: "t.log")
        let streamed = try LineScreenTests.stream(line + "\n", redactor: TestSupport.makeRedactor())
        #expect(String(decoding: output, as: UTF8.self) == whole)
        #expect(streamed == whole + "\n")
    }

    /// One original replaced by a key rule on one line and by the URL credentials rule on the
    /// next: each line names the rule whose replacement its output shows.
    @Test func eachLineNamesItsOwnRule() throws {
        let text = "GET /v1/users?email=bob@example.org\ncallback http://bob@example.org@10.1.2.3:8080/hook\n"
        let (output, matches) = try TestSupport.makeRedactor().explainFile(name: "pair.log", data: Data(text.utf8))
        let rows = matches.filter { $0.original == "bob@example.org" }
        #expect(rows.map(\.line) == [1, 2])
        #expect(rows.first?.rule == "user-id")
        #expect(rows.last?.rule == "url-credentials")
        let lines = String(decoding: output, as: UTF8.self).components(separatedBy: "\n")
        for row in rows { #expect(lines[row.line - 1].contains(row.replacement), "\(row)") }
    }

    @Test func recordsNothingInRedactor() throws {
        let redactor = TestSupport.makeRedactor()
        _ = try redactor.explainFile(name: "app.log", data: Data("tenant_id=acme-bank-ng".utf8))

        #expect(redactor.replacementCount == 0)
        #expect(redactor.pseudonymMap.count == 0)
        #expect(redactor.replacedValues.isEmpty)
    }

    @Test func keepsRememberedPseudonyms() throws {
        let first = TestSupport.makeRedactor()
        let once = first.redactText("tenant_id=acme-bank-ng", file: "a.log")
        let redactor = TestSupport.makeRedactor()
        redactor.remember(first.pseudonymMap)

        let (output, matches) = try redactor.explainFile(name: "a.log", data: Data(once.utf8))

        #expect(matches.isEmpty)
        #expect(String(decoding: output, as: UTF8.self) == once)
    }

    @Test func binaryThrows() {
        #expect(throws: RedactionError.binary(file: "x.bin")) {
            try TestSupport.makeRedactor().explainFile(name: "x.bin", data: Data([0x41, 0x00]))
        }
    }

    /// A short value that also occurs inside a longer word on its line is still listed.
    @Test func shortValueInsideWordIsListed() throws {
        let (output, matches) = try TestSupport.makeRedactor().explainFile(name: "t.log", data: Data("tenant_id=ab12 shard=ab12x\n".utf8))
        let text = String(decoding: output, as: UTF8.self)
        #expect(text.hasSuffix(" shard=ab12x\n"), "\(text)")
        let match = matches.first { $0.original == "ab12" }
        #expect(match != nil, "\(matches)")
        #expect(match?.line == 1)
        #expect(match?.rule == "tenant-id")
    }
}
