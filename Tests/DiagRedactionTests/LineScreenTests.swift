@testable import DiagRedaction
import DiagSupport
import Foundation
import Testing

/// The Hyperscan line screen: streaming through it must give the same text as redacting each
/// line with every rule, and it must pass over lines that hold no identifier.
struct LineScreenTests {
    /// Single-line examples of every rule, both lists, without the private keys and triple
    /// quotes that make streaming redact a block whole.
    static var exampleLines: [String] {
        TestSupport.defaultRuleset.enabledRules.flatMap { $0.examples.redact + $0.examples.keep }
            .filter { !$0.contains("\n") && !$0.isEmpty && !$0.contains("PRIVATE KEY") }
            .filter { !$0.contains("\"\"\"") && !$0.contains("'''") }
    }

    /// Returns a ruleset file with one rule, `order-ref`; `screen` and `examples` are YAML flow text.
    /// Returns a ruleset of one rule, `order-ref`, with the given `screen` or none when it is nil.
    static func orderRules(pattern: String, screen: String?, examples: String) -> String {
        """
        version: 1
        id: site
        description: Site rules.
        rules:
          - id: order-ref
            kind: identifier
            description: Order references.
            pattern: '\(pattern)'
        \(screen.map { "    screen: \($0)\n" } ?? "")    examples:
              redact: [\(examples)]

        """
    }

    static func stream(_ text: String, redactor: Redactor) throws -> String {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("in.log")
        let output = folder.appendingPathComponent("out.log")
        try Data(text.utf8).write(to: input)
        try redactor.redactStream(from: input, to: output, file: "app.log", wholeTextBytes: 0)
        return String(decoding: try Data(contentsOf: output), as: UTF8.self)
    }

    /// Redacts each line on its own with every pattern rule, as streaming did before the screen.
    static func redactEachLine(_ lines: [String], redactor: Redactor) throws -> String {
        var output: [String] = []
        for line in lines {
            var log = RedactionLog(file: "app.log")
            log.learnsAcrossLines = false
            output.append(try redactor.redactText(line, log: &log))
        }
        return output.joined(separator: "\n") + "\n"
    }

    @Test func screenIsBuiltForTheDefaultRuleset() throws {
        let compiled = try CompiledRuleset(TestSupport.defaultRuleset)
        #expect(HyperscanDatabase.isSupported)
        #expect(compiled.screen != nil)
        #expect(compiled.screen?.multiLineRules.contains { compiled.rules[$0].id == "private-key-block" } == true)
    }

    @Test func streamingEqualsRedactingEachLine() throws {
        let lines = Self.exampleLines + PlantedCorpus.logLines.components(separatedBy: "\n").filter { !$0.isEmpty }
        #expect(lines.count > 100)

        let text = lines.joined(separator: "\n") + "\n"
        let screen = try #require(try CompiledRuleset(TestSupport.defaultRuleset).screen)
        let screened = TestSupport.makeRedactor().redactScreened(text, screen: screen)
        let streamed = try Self.stream(text, redactor: TestSupport.makeRedactor())
        let expected = try Self.redactEachLine(lines, redactor: TestSupport.makeRedactor())
        #expect(screened == streamed)
        let streamedLines = streamed.components(separatedBy: "\n")
        let expectedLines = expected.components(separatedBy: "\n")
        #expect(streamedLines.count == expectedLines.count)
        for (index, pair) in zip(streamedLines, expectedLines).enumerated() where pair.0 != pair.1 {
            Issue.record("line \(index + 1) streams as \(pair.0) but redacts alone as \(pair.1)")
        }
    }

    @Test func plainLinesAreNotScreenedIn() throws {
        let screen = try #require(try CompiledRuleset(TestSupport.defaultRuleset).screen)
        var text = """
            2024-05-01 00:01:45.678 ERROR notification-worker[8]: cache miss
            ts=2024-05-01T00:02:59.096Z level=warn service=db-proxy trace_id=43f9a4a719c2d09c1296426dc0aadbc5 msg="rate limit exceeded" status=400 duration_ms=2232
            \tat com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:288)
            go_gc_duration_seconds{quantile="0.5"} 1.2e-05

            """
        let lines = text.withUTF8 { bytes in try? screen.lines(in: bytes) }
        #expect(lines?.isEmpty == true)

        text = "2024-05-01 ok\nlogin failed for jane.doe@acme-corp.com\n2024-05-01 ok\n"
        let flagged = text.withUTF8 { bytes in try? screen.lines(in: bytes) }
        #expect(flagged?.map(\.range) == [14..<54])
    }

    @Test func privateKeyInsideALogIsRedactedWhole() throws {
        let text = """
            2024-05-01 INFO loading key
            -----BEGIN RSA PRIVATE KEY-----
            MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun
            VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK
            -----END RSA PRIVATE KEY-----
            2024-05-01 INFO key loaded

            """
        let output = try Self.stream(text, redactor: TestSupport.makeRedactor())
        #expect(!output.contains("MIIEowIBAAKCAQEA"))
        #expect(!output.contains("VTLw7onLRnrq0"))
        #expect(output.contains("2024-05-01 INFO key loaded"))
    }

    @Test func screenWithLookbehindIsRejected() {
        let text = Self.orderRules(pattern: "ORD-[0-9]{6}", screen: "'(?<=ref )ORD-'", examples: "'ref ORD-123456'")
        #expect {
            _ = try Ruleset.parse(text, source: "site.yaml")
        } throws: { error in
            let message = "\(error)"
            return message.contains("rules[0].screen") && message.contains("lookarounds")
        }
    }

    /// PCRE2 runs a branch-reset group, which Hyperscan cannot read even in prefilter mode. Without
    /// a `screen` the whole ruleset would stream unscreened, so `rules check` names the rule to fix.
    @Test func unscreenablePatternIsNamed() throws {
        let rules = Self.orderRules(
            pattern: "(?|ORD-(?<value>[0-9]{6})|REF-(?<value>[0-9]{6}))", screen: nil, examples: "'ref ORD-123456'")
        let unscreened = try Ruleset.parse(rules, source: "site.yaml")
        let problems = try unscreened.screenProblems()
        #expect(problems.count == 1)
        #expect(problems.first?.contains("rule 'order-ref'") == true)
        #expect(problems.first?.contains("screen") == true)

        let screened = try Ruleset.parse(
            Self.orderRules(
                pattern: "(?|ORD-(?<value>[0-9]{6})|REF-(?<value>[0-9]{6}))", screen: "'(?:ORD|REF)-[0-9]'",
                examples: "'ref ORD-123456'"),
            source: "site.yaml")
        #expect(try screened.screenProblems().isEmpty)
        #expect(try TestSupport.defaultRuleset.screenProblems().isEmpty)
    }

    @Test func narrowScreenFailsTheExamples() throws {
        let text = Self.orderRules(pattern: "ORD-[0-9]{6}", screen: "'ORDER-'", examples: "'ref ORD-123456'")
        let ruleset = try Ruleset.parse(text, source: "site.yaml")
        let failures = ruleset.checkExamples()
        #expect(failures.contains { $0.ruleID == "order-ref" && $0.reason.contains("screen misses it") })
    }

    @Test func listOfScreensMatchesAny() throws {
        let text = Self.orderRules(
            pattern: "(?:ORD|REF)-[0-9]{6}", screen: "['ORD-[0-9]', 'REF-[0-9]']", examples: "'ref ORD-123456', 'see REF-654321'")
        let ruleset = try Ruleset.parse(text, source: "site.yaml")
        #expect(ruleset.rules.first?.screens == ["ORD-[0-9]", "REF-[0-9]"])
        #expect(ruleset.checkExamples().isEmpty)

        let streamed = try Self.stream("a REF-654321 b\nnothing here\n", redactor: TestSupport.makeRedactor(ruleset))
        #expect(!streamed.contains("REF-654321"))
        #expect(streamed.hasSuffix("\nnothing here\n"))

        let broken = text.replacingOccurrences(of: "'REF-[0-9]'", with: "'(?<=x)REF'")
        #expect {
            _ = try Ruleset.parse(broken, source: "site.yaml")
        } throws: { error in
            "\(error)".contains("rules[0].screen[1]")
        }
    }

    /// One line with matches in all three databases comes back once, with the rules of each.
    @Test func groupsMergeOnOneLine() throws {
        let compiled = try CompiledRuleset(TestSupport.defaultRuleset)
        let screen = try #require(compiled.screen)
        func index(_ id: String) throws -> Int { try #require(compiled.rules.firstIndex { $0.id == id }) }

        var text = "ok\nmail jane.doe@acme-corp.com from 10.20.30.40 token cfg_ZxY9aBcD8eFgH7iJkL6mNoP5\nok\n"
        let lines = try text.withUTF8 { try screen.lines(in: $0) }
        let second = text.utf8.count - "ok\n".utf8.count
        #expect(lines.map(\.range) == [3..<second])
        let rules = lines.first?.patternRules ?? []
        #expect(rules == rules.sorted())
        #expect(rules.contains(try index("email")))
        #expect(rules.contains(try index("ipv4")))
        #expect(rules.contains(try index("high-entropy-token")))
    }

    @Test func mergeUnitesRulesOfTheSameLine() {
        let first = [LineScreen.Line(range: 0..<5, patternRules: [3], needsKeyScan: false),
                     LineScreen.Line(range: 9..<12, patternRules: [1], needsKeyScan: false)]
        let second = [LineScreen.Line(range: 5..<9, patternRules: [2], needsKeyScan: true),
                      LineScreen.Line(range: 9..<12, patternRules: [1, 4], needsKeyScan: true)]
        let merged = LineScreen.merge(first, second)
        #expect(merged.map(\.range) == [0..<5, 5..<9, 9..<12])
        #expect(merged.map(\.patternRules) == [[3], [2], [1, 4]])
        #expect(merged.map(\.needsKeyScan) == [false, true, true])
        #expect(LineScreen.merge([], second).map(\.range) == second.map(\.range))
    }

    @Test(arguments: [
        ("[A-Z][A-Za-z0-9_+-]{15}", true), ("[A-Za-z0-9_+-]{16}[A-Z]", true), ("[a-f0-9]{32}", true),
        ("[0-9]{1,3}-[0-9]{1,3}", false), ("[A-Za-z]{2,7}", false), ("(?i)eyJ[A-Za-z0-9_-]{4,}", false), ("://", false),
    ])
    func wideScreens(pattern: String, wide: Bool) {
        #expect(LineScreen.isWide(pattern) == wide, "\(pattern)")
    }
}
