import DiagRedaction
import DiagSupport
import Foundation
import Testing

/// `Redactor.redactStream`: blocks of lines, bounded lines, and no output left behind on failure.
struct StreamRedactionTests {
    static func stream(_ data: Data, name: String = "app.log", maximumLineBytes: Int = Redactor.streamMaximumLineBytes)
        throws -> (output: Data?, error: (any Error)?, folder: URL)
    {
        let folder = try TestSupport.temporaryFolder()
        let input = folder.appendingPathComponent("in-" + name)
        try data.write(to: input)
        let output = folder.appendingPathComponent(name)
        do {
            try TestSupport.makeRedactor().redactStream(
                from: input, to: output, file: name, maximumLineBytes: maximumLineBytes, wholeTextBytes: 0)
            return (try Data(contentsOf: output), nil, folder)
        } catch {
            return (nil, error, folder)
        }
    }

    /// Returns the names in `folder` other than the input files.
    static func outputs(in folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix("in-") }
    }

    /// A file up to `streamWholeTextBytes` is redacted whole, so a value found by key on one line
    /// is also replaced on the others, and the dry run of `rules explain` shows the same.
    @Test func smallFileLearnsAcrossLines() throws {
        let text = "start\npassword=hunter2-secret\nretry with hunter2-secret now\nuser=alice.k\nlogin by alice.k\n"
        let folder = try TestSupport.temporaryFolder()
        let input = folder.appendingPathComponent("app.log")
        try Data(text.utf8).write(to: input)

        let whole = folder.appendingPathComponent("whole.log")
        try TestSupport.makeRedactor().redactStream(from: input, to: whole, file: "app.log")
        let redacted = String(decoding: try Data(contentsOf: whole), as: UTF8.self)
        #expect(!redacted.contains("hunter2-secret"), "\(redacted)")
        #expect(!redacted.contains("alice.k"), "\(redacted)")
        let explained = try TestSupport.makeRedactor().explainFile(name: "app.log", data: Data(text.utf8))
        #expect(String(decoding: explained.output, as: UTF8.self) == redacted)

        // Streamed, a value found by key is replaced on its own line only.
        let streamed = folder.appendingPathComponent("streamed.log")
        try TestSupport.makeRedactor().redactStream(from: input, to: streamed, file: "app.log", wholeTextBytes: 0)
        let lines = String(decoding: try Data(contentsOf: streamed), as: UTF8.self).components(separatedBy: "\n")
        #expect(!lines[1].contains("hunter2-secret"))
        #expect(lines[2] == "retry with hunter2-secret now")
    }

    @Test func matchesRedactTextOnSmallFile() throws {
        let text = PlantedCorpus.logLines
        let (output, error, _) = try Self.stream(Data(text.utf8))

        #expect(error == nil)
        #expect(output.map { String(decoding: $0, as: UTF8.self) } == TestSupport.makeRedactor().redactText(text, file: "app.log"))
    }

    @Test func manyBlocksKeepEveryLine() throws {
        var text = ""
        var number = 0
        while text.utf8.count < 3 * Redactor.streamBlockBytes {
            number += 1
            text += "ts=\(number) level=info tenant_id=acme-\(number % 97) client_ip=10.1.\(number % 250).7 msg=\"ok\"\n"
        }
        text += "last line without newline from 10.9.9.9"
        let (output, error, _) = try Self.stream(Data(text.utf8))
        let result = String(decoding: try #require(output), as: UTF8.self)

        #expect(error == nil)
        #expect(result.split(separator: "\n", omittingEmptySubsequences: false).count == number + 1)
        #expect(!result.contains("acme-5 "))
        #expect(!result.contains("10.9.9.9"))
        #expect(!result.hasSuffix("\n"))
    }

    @Test func valueFoundByKeyIsReplacedOnItsLine() throws {
        let text = "tenant_id=acme-bank-ng msg=\"slow for acme-bank-ng\"\nplain acme-bank-ng\n"
        let result = String(decoding: try #require(try Self.stream(Data(text.utf8)).output), as: UTF8.self)
        let lines = result.split(separator: "\n")

        #expect(!lines[0].contains("acme-bank-ng"))
        #expect(lines[1] == "plain acme-bank-ng", "learned values apply to their own line only when streaming")
    }

    @Test func lineOverLimitFailsWithoutOutput() throws {
        let text = "short\n" + String(repeating: "x", count: 5000) + "\nshort\n"
        let (output, error, folder) = try Self.stream(Data(text.utf8), maximumLineBytes: 1000)

        #expect(output == nil)
        #expect(error as? RedactionError == .lineTooLong(file: "app.log", line: 2, limit: 1000))
        #expect(try Self.outputs(in: folder).isEmpty)
    }

    @Test func binaryFailsWithoutOutput() throws {
        var data = Data(String(repeating: "line\n", count: 10).utf8)
        data.append(contentsOf: [0x00, 0x0A])
        let (output, error, folder) = try Self.stream(data)

        #expect(output == nil)
        #expect(error as? RedactionError == .binary(file: "app.log"))
        #expect(try Self.outputs(in: folder).isEmpty)
    }

    @Test func invalidUTF8OffsetCountsFromFileStart() throws {
        var data = Data(String(repeating: "a", count: Redactor.streamBlockBytes + 10).utf8)
        data.append(0x0A)
        data.append(contentsOf: [0x61, 0xC3, 0x28, 0x0A])
        let (_, error, _) = try Self.stream(data)

        #expect(error as? RedactionError == .invalidUTF8(file: "app.log", offset: Redactor.streamBlockBytes + 12))
    }

    @Test func emptyFileStaysEmpty() throws {
        let (output, error, _) = try Self.stream(Data())

        #expect(error == nil)
        #expect(output == Data())
    }

    @Test func jsonLinesAreRedactedAsJSON() throws {
        let text = #"{"user_id":"alice-77","msg":"hi"}"# + "\nnot json tenant_id=acme-9\n"
        let result = String(decoding: try #require(try Self.stream(Data(text.utf8), name: "app.jsonl").output), as: UTF8.self)

        #expect(!result.contains("alice-77"))
        #expect(!result.contains("acme-9"))
        #expect(result.hasPrefix(#"{"user_id":"user-"#))
        #expect(result.contains(#"","msg":"hi"}"#))
    }

    @Test func jsonDocumentIsRedactedWhole() throws {
        let text = "{\n  \"password\": \"hunter2-x\",\n  \"port\": 9090\n}\n"
        let result = String(decoding: try #require(try Self.stream(Data(text.utf8), name: "app.json").output), as: UTF8.self)

        #expect(!result.contains("hunter2-x"))
        #expect(result.contains("9090"))
    }

    @Test func folderInputFails() throws {
        let folder = try TestSupport.temporaryFolder()
        let output = folder.appendingPathComponent("out.log")
        #expect(throws: RedactionError.self) {
            try TestSupport.makeRedactor().redactStream(from: folder, to: output, file: "folder")
        }
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }
}
