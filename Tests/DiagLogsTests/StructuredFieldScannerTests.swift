import DiagLogs
import DiagSupport
import Foundation
import Testing

@Suite struct StructuredFieldScannerTests {
    static func collect(_ lines: [String]) -> ErrorTypeReport.Source {
        var collector = ErrorTypeCollector(name: "scanner")
        for line in lines { collector.add(line: line) }
        return collector.report()
    }

    @Test func decodesEscapesAndSkipsNestedValues() throws {
        let line = #"{"ctx":{"a":[1,{"b":"}"}],"c":"x\"y"},"level":"error","msg":"caf\u00e9 \ud83d\ude00 \"quoted\" failed\tnow","n":-1.5e3,"ok":true,"none":null}"#
        let source = Self.collect([line, line])
        #expect(source.unparsableLines == 0)
        #expect(source.groups.first?.templates.map(\.template) == ["café 😀 \"quoted\" failed now"])
    }

    @Test(arguments: [
        #"{"level":"error","msg":"x"} trailing"#, #"{"level":"error","msg":"x""#, #"{"level":"error" "msg":"x"}"#,
        #"{"level":"error","msg":"x",}"#, #"{"level":"error","msg":"unterminated}"#, #"{"level":"error","msg":{"a":1}"#,
        #"{level:"error","msg":"x"}"#,
    ])
    func rejectsMalformedJSON(line: String) {
        let source = Self.collect([line])
        #expect(source.unparsableLines == 1)
        #expect(source.errorLines == 0)
    }

    @Test func readsNumbersAndLastDuplicateKey() throws {
        let source = Self.collect([
            #"{"level":"info","level":50,"msg":"disk failed","ts":1772323200123}"#,
            #"{"level":"info","level":50,"msg":"disk failed","ts":1772323201123}"#,
        ])
        let group = try #require(source.groups.first)
        #expect(group.level == "error")
        #expect(group.templates.first?.firstSeen == 1_772_323_200.123)
    }

    @Test func readsLogfmtFirstKeyAndEscapes() throws {
        let source = Self.collect([
            #"level=error msg="say \"hi\" failed" msg=second service=api"#,
            #"level=error msg="say \"hi\" failed" msg=second service=api"#,
            #"level=error msg="unterminated service=api"#,
        ])
        #expect(source.errorLines == 2, "an unterminated quote makes the line plain text without a level")
        let group = try #require(source.groups.first { $0.service == "api" })
        #expect(group.templates.map(\.template) == ["say \"hi\" failed"])
    }
}
