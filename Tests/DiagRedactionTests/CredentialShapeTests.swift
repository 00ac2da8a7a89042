import DiagRedaction
import Foundation
import Testing

/// Credentials written next to a user name or inside connection strings become markers, and
/// neither the password nor the rest of the string enters the pseudonym map.
struct CredentialShapeTests {
    /// Returns the redacted text and every original the pseudonym map holds.
    func redact(_ text: String) -> (output: String, originals: [String]) {
        let redactor = TestSupport.makeRedactor()
        let output = redactor.redactText(text, file: "shell.log")
        return (output, redactor.pseudonymMap.entries.values.map(\.original))
    }

    @Test(arguments: [
        ("DATABASE_URL=postgresql://app_user:PgApp-Ojota31@db-prod.globex.lan:5432/app", "PgApp-Ojota31", ":5432/app"),
        ("url: postgres://reporter:PgRep-Ado33@10.90.0.7:5432/metrics", "PgRep-Ado33", ":5432/metrics"),
        ("dsn user:MyDsnPw-Oka50@tcp(10.90.0.12:3306)/orders?parseTime=true", "MyDsnPw-Oka50", ":3306)/orders?parseTime=true"),
        ("curl --user=ci:TokenPw-Ikeja7 https://example.com", "TokenPw-Ikeja7", " https://example.com"),
        ("mysql -u root -pMyRoot-Keffi53 shop", "MyRoot-Keffi53", " shop"),
    ])
    func passwordBecomesAMarker(line: String, password: String, tail: String) {
        let (output, originals) = redact(line)
        #expect(!output.contains(password), "\(output)")
        #expect(output.contains("<redacted:"), "\(output)")
        #expect(output.hasSuffix(tail), "the rest of the string is kept: \(output)")
        #expect(!originals.contains { $0.contains(password) }, "the password entered the map: \(originals)")
    }

    @Test func camelCaseKeysAreRead() {
        let (output, _) = redact(#"adminUser: gfadmin-okafor basicAuthUser=grafana_reader "bvnNumber":"22211133344""#)
        #expect(!output.contains("gfadmin-okafor"), "\(output)")
        #expect(!output.contains("grafana_reader"), "\(output)")
        #expect(!output.contains("22211133344"), "\(output)")
    }
}

/// JSON written inside a log line, in the forms Elasticsearch's query DSL uses: the string under
/// `value` or `query` is the value of the key one level up.
struct EmbeddedQueryTests {
    @Test(arguments: [
        (#"source[{"query":{"term":{"tenant_id":{"value":"tnt-zenith-coop-0107"}}}}]"#, "tnt-zenith-coop-0107", "tenant-"),
        (#"source[{"match":{"full_name":{ "query" : "Ngozi Chukwuemeka"}}}]"#, "Ngozi Chukwuemeka", "user-"),
    ])
    func wrappedValueTakesTheKeysRule(line: String, value: String, pseudonym: String) {
        let output = TestSupport.makeRedactor().redactText(line, file: "es-slowlog.log")
        #expect(!output.contains(value), "\(output)")
        #expect(output.contains(pseudonym), "\(output)")
    }

    /// An object that is not one of those forms is left to the other rules.
    @Test func otherObjectsAreNotValues() {
        let line = #"{"tenant_id":{"gte":"2026-01-01"}}"#
        #expect(TestSupport.makeRedactor().redactText(line, file: "es-slowlog.log") == line)
    }
}
