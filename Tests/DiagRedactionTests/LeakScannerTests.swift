import DiagRedaction
import Foundation
import Testing

/// Finding replaced originals in redacted documents.
struct LeakScannerTests {
    @Test func reportsFileAndRuleNeverValue() {
        let documents = [
            "a.log": Data("tenant acme-corp is over quota; acme-corp again".utf8),
            "b.json": Data(#"{"ok": true, "user": "jane"}"#.utf8),
            "c.txt": Data("nothing here".utf8),
        ]
        let hits = LeakScanner.scan(documents: documents, for: ["acme-corp": "tenant-id", "jane": "user-id", "ab": "x"])
        #expect(hits == [
            LeakHit(file: "a.log", ruleID: "tenant-id", count: 2),
            LeakHit(file: "b.json", ruleID: "user-id", count: 1),
        ])
    }

    @Test func ignoresShortValuesAndGluedTokens() {
        let documents = ["a.log": Data("janet and acme-corporation and abc".utf8)]
        #expect(LeakScanner.scan(documents: documents, for: Set(["jane", "acme-corp", "abc"])).isEmpty)
        let glued = ["a.log": Data("acme-corp_requests_total".utf8)]
        let hits = LeakScanner.scan(documents: glued, for: Set(["acme-corp"]))
        #expect(hits == [LeakHit(file: "a.log", ruleID: nil, count: 1)])
    }

    /// The words of the tool's own markers are no leak, but the same word outside one is.
    @Test func markerTextIsNotALeak() {
        let documents = ["a.json": Data(#"{"card": "<redacted:card-number:e5991dd5>", "note": "paid by card"}"#.utf8)]
        #expect(LeakScanner.scan(documents: documents, for: ["card": "chat-channel"])
            == [LeakHit(file: "a.json", ruleID: "chat-channel", count: 2)])
        let insideOnly = ["a.log": Data("<redacted:card-number:e5991dd5> <redacted:secret-value:1a2b3c4d>".utf8)]
        #expect(LeakScanner.scan(documents: insideOnly, for: Set(["card", "secret", "value"])).isEmpty)
    }

    @Test func emptyInputsGiveNoHits() {
        #expect(LeakScanner.scan(documents: [:], for: Set(["acme-corp"])).isEmpty)
        #expect(LeakScanner.scan(documents: ["a": Data()], for: Set<String>()).isEmpty)
        #expect(LeakScanner.scan(documents: ["a": Data()], for: Set(["acme-corp"])).isEmpty)
    }

    @Test func findsLeakLeftInAnUnredactedFile() {
        let redactor = TestSupport.makeRedactor()
        _ = redactor.redactText("tenant_id=acme-corp", file: "one.log")
        let hits = redactor.findLeaks(in: ["two.log": Data("raw mention of acme-corp".utf8)])
        #expect(hits == [LeakHit(file: "two.log", ruleID: "tenant-id", count: 1)])
    }
}
