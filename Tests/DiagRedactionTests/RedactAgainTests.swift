import DiagRedaction
import Foundation
import Testing

/// Redacting already redacted text again with the same site secret, as a review that
/// re-redacts a bundle does.
struct RedactAgainTests {
    /// The planted corpus and the demo stack's files, by the names they are redacted under.
    static func corpus() throws -> [(name: String, data: Data)] {
        var files = PlantedCorpusTests.files.map { (name: $0.name, data: Data($0.text.utf8)) }
        for file in DemoCorpusTests.files {
            let url = DemoCorpusTests.demoFolder.appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            let name = file.hasSuffix(".in") ? String(file.dropLast(3)) : file
            files.append((name, try Data(contentsOf: url)))
        }
        return files
    }

    /// Redacts every file of `files` that can be redacted, skipping binary ones.
    static func redact(_ files: [(name: String, data: Data)], with redactor: Redactor) -> [(name: String, data: Data)] {
        files.compactMap { file in
            guard let output = try? redactor.redactFile(name: file.name, data: file.data) else { return nil }
            return (file.name, output)
        }
    }

    @Test func secondPassWithMapIsNoOp() throws {
        let first = TestSupport.makeRedactor()
        let once = Self.redact(try Self.corpus(), with: first)
        #expect(once.count >= 10)

        let second = Redactor(
            ruleset: TestSupport.defaultRuleset, pseudonymizer: Pseudonymizer(secret: TestSupport.secret),
            remembering: first.pseudonymMap)
        let twice = Self.redact(once, with: second)

        #expect(twice.count == once.count)
        for (before, after) in zip(once, twice) {
            let beforeText = String(decoding: before.data, as: UTF8.self)
            let afterText = String(decoding: after.data, as: UTF8.self)
            let changed = zip(beforeText.split(separator: "\n"), afterText.split(separator: "\n")).first { $0 != $1 }
            #expect(changed == nil, "\(before.name) changed on the second pass: \(changed.map { "\($0.0) -> \($0.1)" } ?? "")")
            #expect(beforeText.utf8.count == afterText.utf8.count, "\(before.name) changed length on the second pass")
        }
        #expect(second.replacementCount == 0, "\(second.report.counts)")
    }

    @Test func secondPassWithoutMapChangesPseudonyms() throws {
        let first = TestSupport.makeRedactor()
        let once = Self.redact(try Self.corpus(), with: first)
        let second = TestSupport.makeRedactor()
        _ = Self.redact(once, with: second)

        #expect(second.replacementCount > 0)
    }

    @Test func rememberAfterInitKeepsPseudonyms() {
        let first = TestSupport.makeRedactor()
        let once = first.redactText("tenant_id=acme-corp from 10.20.30.40 mail jane.doe@acme-corp.com", file: "a.log")

        let second = TestSupport.makeRedactor()
        second.remember(first.pseudonymMap)

        #expect(second.redactText(once, file: "a.log") == once)
        #expect(second.replacementCount == 0)
    }

    @Test func rememberKeepsEmailDomainApart() throws {
        let first = TestSupport.makeRedactor()
        let once = first.redactText("contact jane.doe@acme-corp.com", file: "a.log")
        let pseudonym = try #require(first.pseudonymMap.entries.first { $0.value.kind == "email" }?.key)
        let domain = String(pseudonym[pseudonym.index(after: pseudonym.firstIndex(of: "@")!)...])

        let second = TestSupport.makeRedactor()
        second.remember(first.pseudonymMap)

        #expect(once.contains(pseudonym))
        #expect(second.redactText("relay for \(domain) refused", file: "b.log") == "relay for \(domain) refused")
    }

    @Test func rememberedMapStillRedactsNewValues() {
        let first = TestSupport.makeRedactor()
        let once = first.redactText("tenant_id=acme-corp", file: "a.log")

        let second = TestSupport.makeRedactor()
        second.remember(first.pseudonymMap)
        let output = second.redactText(once + " user_id=bob-77", file: "a.log")

        #expect(output.hasPrefix(once + " user_id=user-"))
        #expect(!output.contains("bob-77"))
    }
}

/// A real value that equals the pseudonym of another value made in the same run.
struct PseudonymCollisionTests {
    @Test func addressEqualToEarlierPseudonymIsReplaced() throws {
        let redactor = TestSupport.makeRedactor()
        let first = redactor.redactText("connect 192.168.223.129 now", file: "a.log")
        let pseudonym = try #require(first.split(separator: " ").dropFirst().first.map(String.init))
        #expect(pseudonym != "192.168.223.129")

        let second = redactor.redactText("connect \(pseudonym) now", file: "b.log")

        #expect(second != "connect \(pseudonym) now", "the real address \(pseudonym) passed through")
    }

    @Test func phoneEqualToEarlierPseudonymIsReplaced() throws {
        let redactor = TestSupport.makeRedactor()
        _ = redactor.redactText("sms to +234 803 123 4567 failed", file: "a.log")
        let pseudonym = try #require(redactor.pseudonymMap.entries.first { $0.value.kind == "phone" }?.key)

        let second = redactor.redactText("sms to \(pseudonym) failed", file: "b.log")

        #expect(!second.contains(pseudonym))
    }

    @Test func tenantPseudonymIsNotReplacedAgain() {
        let redactor = TestSupport.makeRedactor()
        let first = redactor.redactText("tenant_id=acme-corp", file: "a.log")

        #expect(redactor.redactText(first, file: "b.log") == first)
    }
}
