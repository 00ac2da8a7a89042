import DiagRedaction
import Foundation
import Testing

/// Inputs built to make regexes backtrack: each must be scanned (not dropped as unscannable)
/// in bounded time.
struct PathologicalInputTests {
    static let cases: [(name: String, unit: String)] = [
        ("dotted labels", "a."), ("dotted digits", "1."), ("colons", "a:"), ("hex colons", "ab:"),
        ("spaced digits", "1 "), ("digits", "4"), ("at signs", "a@"), ("plus ones", "+1 "), ("equals", "a="),
        ("open quotes", "k=\""), ("hyphenated", "abc-"), ("mixed case token", "aB3"), ("schemes", "http://"),
        ("bearer words", "Bearer "), ("tenant words", "tenant "), ("percent quotes", "%22"),
        ("emails", "a@b.c"), ("brackets", "[::"), ("jwt starts", "eyJ."), ("yaml keys", "a: "),
    ]

    @Test(arguments: cases.map(\.name))
    func scansInBoundedTime(name: String) {
        let unit = Self.cases.first { $0.name == name }!.unit
        let text = String(repeating: unit, count: 100_000 / unit.utf8.count)
        let redactor = TestSupport.makeRedactor()
        let start = Date()
        let output = redactor.redactText(text, file: name)
        let elapsed = Date().timeIntervalSince(start)
        #expect(output != "<redacted:unscannable-text>", "the engine gave up on \(name)")
        #expect(redactor.report.total(for: Redactor.engineFailureRuleID) == 0)
        #expect(elapsed < 20, "\(name) took \(elapsed) s for 100 kB")
    }

    @Test func unclosedPrivateKeyIsRedactedToTheEnd() {
        let text = "key -----BEGIN PRIVATE KEY-----\n" + String(repeating: "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n", count: 2000)
        let output = TestSupport.makeRedactor().redactText(text, file: "x")
        #expect(output.hasPrefix("key <redacted:private-key:"))
        #expect(!output.contains("MIIEvQ"))
    }
}
