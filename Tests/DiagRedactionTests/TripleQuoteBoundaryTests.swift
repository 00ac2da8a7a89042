@testable import DiagRedaction
import DiagSupport
import Foundation
import Testing

/// INI values in triple quotes that run over several lines, where a stream's block may end.
struct TripleQuoteBoundaryTests {
    static func blockEnd(_ text: String) -> Int {
        var text = text
        return text.withUTF8 { KeyValueScanner.blockEnd(keepingTripleQuotedValuesIn: $0) }
    }

    @Test(arguments: [
        ("", 0),
        ("a = 1\nb = 2\n", 12),
        ("a = 1\npassword = \"\"\"one\ntwo\"\"\"\n", 31),
        ("a = 1\npassword = \"\"\"one\ntwo\n", 6),
        ("a = 1\npassword: '''one\ntwo\n", 6),
        ("a = 1\npassword = \\\"\\\"\\\"one\ntwo\n", 6),
        ("a = 1\nsays \"\"\" and more\n", 24),
        ("password = \"\"\"one\ntwo\n", 22),
        ("a = 1\nx = \"\"\"closed\"\"\" y = \"\"\"open\nrest\n", 6),
    ])
    func blockEndBeforeUnclosedValue(text: String, expected: Int) {
        #expect(Self.blockEnd(text) == expected, "\(text.debugDescription)")
    }

    @Test func valueOpenedBeyondSearchWindowDoesNotMoveEnd() {
        let filler = String(repeating: "x", count: KeyValueScanner.maximumTripleQuotedBytes + 10)
        let text = "a = 1\npassword = \"\"\"one\n" + filler + "\n"
        #expect(Self.blockEnd(text) == text.utf8.count)
    }

    /// Builds a Grafana-style INI file with a multi-line secret across every multiple of 256 KiB up to
    /// 1 MiB, so whatever multiple a stream ends a block at, a value straddles it. The secrets
    /// are plain lower-case words, which no pattern rule replaces without the key.
    static func iniAcrossBoundaries() -> (text: String, secrets: [String]) {
        var text = "[server]\nhttp_port = 3000\n"
        var secrets: [String] = []
        let words = ["alpha", "bravo", "charlie", "delta"]
        for (index, boundary) in stride(from: 256 << 10, through: 1 << 20, by: 256 << 10).enumerated() {
            while text.utf8.count < boundary - 300 { text += "; filler comment line to pad the file\n" }
            let secret = "\(words[index]) horse battery staple"
            secrets.append(secret)
            text += "[auth.generic_oauth]\nclient_secret = \"\"\"\n"
            // The secret's line runs across the boundary, so the last newline before the
            // boundary is the one after the opening quotes.
            let padding = boundary - text.utf8.count - secret.utf8.count / 2
            text += String(repeating: "pad ", count: padding / 4) + String(repeating: " ", count: padding % 4)
            text += secret + "\n\"\"\"\n"
        }
        text += "[database]\ntype = postgres\n"
        return (text, secrets)
    }

    @Test func fixtureStraddlesEveryBoundary() {
        let (text, secrets) = Self.iniAcrossBoundaries()
        let bytes = Array(text.utf8)
        for (index, boundary) in stride(from: 256 << 10, through: 1 << 20, by: 256 << 10).enumerated() {
            let secretStart = bytes.indices.first { position in
                bytes[position...].starts(with: Array(secrets[index].utf8))
            }!
            #expect(secretStart < boundary)
            #expect(secretStart + secrets[index].utf8.count > boundary)
            let lastNewline = bytes[..<boundary].lastIndex(of: 0x0A)!
            #expect(String(decoding: bytes[(lastNewline - 3)..<lastNewline], as: UTF8.self) == "\"\"\"")
        }
    }

    @Test func wholeTextRedactsEverySecret() {
        let (text, secrets) = Self.iniAcrossBoundaries()
        let output = TestSupport.makeRedactor().redactText(text, file: "grafana.ini")
        for secret in secrets { #expect(!output.contains(secret), "\(secret)") }
    }

    @Test func streamRedactsSecretAcrossBlockBoundary() throws {
        let (text, secrets) = Self.iniAcrossBoundaries()
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("in-grafana.ini")
        let output = folder.appendingPathComponent("grafana.ini")
        try Data(text.utf8).write(to: input)

        try TestSupport.makeRedactor().redactStream(from: input, to: output, file: "grafana.ini", wholeTextBytes: 0)
        let redacted = try String(contentsOf: output, encoding: .utf8)
        #expect(redacted.hasSuffix("[database]\ntype = postgres\n"))
        for secret in secrets { #expect(!redacted.contains(secret), "\(secret)") }
    }
}
