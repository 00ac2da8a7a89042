import DiagSupport
import Testing

/// A double-quoted scalar written by `YAMLScalar.doubleQuoted` reads back through libyaml as the
/// same string, whatever characters it holds.
@Suite struct YAMLQuotingTests {
    @Test(arguments: [
        "plain", "", "with \"quotes\" and \\backslash\\", "line one\nline two", "tab\there", "cr\r",
        "bell\u{07} and del\u{7F}", "# not a comment: {not: a map}", "naïve ẞ 日本", "trailing space ",
    ])
    func readsBackUnchanged(_ value: String) throws {
        let quoted = YAMLScalar.doubleQuoted(value)
        #expect(quoted.hasPrefix("\"") && quoted.hasSuffix("\""))
        #expect(!quoted.dropFirst().dropLast().contains("\n"), "a quoted scalar stays on one line: \(quoted)")
        let root = try YAMLDocument.parse("key: \(quoted)\n")
        #expect(root["key"]?.scalarValue == value, "\(quoted)")
    }
}
