import DiagSupport
import Foundation
import Testing

@Suite struct JSONValueTests {
    @Test func serializesKeysSorted() {
        let value: JSONValue = ["zeta": 1, "alpha": ["b": true, "a": nil], "mid": 2.5]
        #expect(value.serializedString(pretty: false) == #"{"alpha":{"a":null,"b":true},"mid":2.5,"zeta":1}"#)
    }

    @Test func roundTripsEscapes() throws {
        let text = #"{"s":"tab\tquote\"slash\\nl\nuni\u00e9 \ud83d\ude00 ctl\u0001"}"#
        let value = try JSONValue.parse(text)
        #expect(value["s"]?.stringValue == "tab\tquote\"slash\\nl\nunié 😀 ctl\u{01}")
        #expect(try JSONValue.parse(value.serialized()) == value)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "\"\\x\"", "\"\\ud800\"", "[1] 2", "nul", "\"a\u{01}\"",
    ])
    func rejectsMalformed(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        let bytes: [UInt8] = [0x22, 0xC3, 0x28, 0x22]
        #expect(throws: JSONParseError.self) { try JSONValue.parse(Data(bytes)) }
    }

    @Test func rejectsDeepNesting() {
        let text = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func keepsIntegersExact() throws {
        let value = try JSONValue.parse("[9007199254740993, 1e3, -0.5]")
        #expect(value[0] == .int(9_007_199_254_740_993))
        #expect(value[1] == .double(1000))
        #expect(value.serializedString(pretty: false) == "[9007199254740993,1000,-0.5]")
    }
}

@Suite struct YAMLDocumentTests {
    @Test func parsesMappingWithSourceRanges() throws {
        let text = "global:\n  password: 'héllo wörld'\n  port: 9090\n"
        let root = try YAMLDocument.parse(text)
        guard case .scalar(let scalar) = root["global"]?["password"] else {
            Issue.record("password is not a scalar")
            return
        }
        #expect(scalar.value == "héllo wörld")
        #expect(scalar.style == .singleQuoted)
        let bytes = Array(text.utf8)
        #expect(String(decoding: bytes[scalar.sourceRange], as: UTF8.self) == "'héllo wörld'")
        #expect(root.jsonValue()["global"]?["port"] == .int(9090))
    }

    @Test func resolvesAliases() throws {
        let root = try YAMLDocument.parse("base: &b {a: 1}\ncopy: *b\n")
        #expect(root.jsonValue()["copy"] == ["a": 1])
    }

    @Test func rejectsAliasBomb() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...8 {
            let refs = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            text += "a\(level): &a\(level) [\(refs)]\n"
        }
        #expect(throws: YAMLParseError.self) { try YAMLDocument.parseAll(text) }
    }

    @Test func reportsLineOfSyntaxError() {
        do {
            _ = try YAMLDocument.parse("a: 1\nb: [unclosed\n")
            Issue.record("malformed YAML was accepted")
        } catch let error as YAMLParseError {
            #expect(error.line >= 2)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}

@Suite struct DurationTextTests {
    @Test func parsesCompoundDurations() throws {
        #expect(try DurationText.seconds("1h30m", option: "--since") == 5400)
        #expect(try DurationText.seconds("250ms", option: "--timeout") == 0.25)
        #expect(DurationText.format(5400) == "1h30m")
    }

    @Test(arguments: ["", "10", "abc", "5x", "-5m", "0s"])
    func rejectsInvalidDurations(text: String) {
        #expect(throws: DiagError.self) { try DurationText.seconds(text, option: "--since") }
    }

    @Test func zeroDurationNamesTheLimit() {
        #expect(throws: DiagError.usage("invalid duration '0s' for --timeout: it must be longer than zero, such as 30s or 5m")) {
            try DurationText.seconds("0s", option: "--timeout")
        }
        #expect(throws: DiagError.usage("invalid duration '-5m' for --since: it must be longer than zero, such as 30s or 5m")) {
            try DurationText.seconds("-5m", option: "--since")
        }
    }
}
