import DiagLogs
import DiagSupport
import Foundation
import Testing

@Suite struct LogFileSourceTests {
    /// Creates a fresh folder under the temporary directory and returns its path.
    static func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "diaglogs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func readsPlainAndJSONFilesWithoutFinalNewline() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.write(Array("ERROR disk full on /dev/sda1\r\nINFO ok\r\nERROR disk full on /dev/sdb2".utf8), to: folder + "/app.log")
        try Self.write(Array(#"{"level":"error","msg":"cache miss storm"}"#.utf8) + [0x0A], to: folder + "/app.json")
        try Self.write([], to: folder + "/empty.log")

        var collector = ErrorTypeCollector(name: "files")
        let summary = LogFileSource(globs: [folder + "/*.log", folder + "/*.json", folder + "/none-*.log"]).read(into: &collector)
        #expect(summary.filesRead.count == 3)
        #expect(summary.failures.isEmpty)

        let source = collector.report()
        #expect(source.linesRead == 4)
        #expect(source.errorLines == 3)
        let templates = source.groups.flatMap(\.templates).map(\.template).sorted()
        #expect(templates == ["<*>", "disk full on <*>"])
    }

    @Test func readsGzipRotatedFiles() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let text = (1...50).map { "2026-03-01T00:00:\(String(format: "%02d", $0))Z ERROR request \($0) timed out" }
            .joined(separator: "\n") + "\n"
        try Self.write(Array(text.utf8), to: folder + "/app.log.1")
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = [folder + "/app.log.1"]
        try gzip.run()
        gzip.waitUntilExit()
        #expect(gzip.terminationStatus == 0)

        var collector = ErrorTypeCollector(name: "rotated")
        let summary = LogFileSource(globs: [folder + "/app.log*"]).read(into: &collector)
        #expect(summary.filesRead == [folder + "/app.log.1.gz"])
        let source = collector.report()
        #expect(source.errorLines == 50)
        #expect(source.groups.first?.templates.map(\.template) == ["request <*> timed out"])
    }

    @Test func reportsCorruptGzipAsFailure() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.write([0x1F, 0x8B, 0x08, 0x00, 0x01, 0x02], to: folder + "/broken.gz")
        var collector = ErrorTypeCollector(name: "broken")
        let summary = LogFileSource(globs: [folder + "/*.gz"]).read(into: &collector)
        #expect(summary.filesRead.isEmpty)
        #expect(summary.failures.map(\.path) == [folder + "/broken.gz"])
    }

    @Test func toleratesBinaryInvalidUTF8AndLongLines() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var bytes: [UInt8] = Array("ERROR bad \u{0}byte ".utf8) + [0xFF, 0xFE, 0x0A]
        bytes += Array("ERROR ".utf8) + Array(repeating: UInt8(ascii: "x"), count: 300_000) + [0x0A]
        bytes += Array("ERROR after the long line".utf8)
        try Self.write(bytes, to: folder + "/mixed.log")

        var configuration = ErrorTypeCollector.Configuration()
        configuration.maximumLineBytes = 4096
        var collector = ErrorTypeCollector(name: "mixed", configuration: configuration)
        let summary = LogFileSource(globs: [folder + "/mixed.log"]).read(into: &collector)
        #expect(summary.failures.isEmpty)
        let source = collector.report()
        #expect(source.linesRead == 3)
        #expect(source.truncatedLines == 1)
        #expect(source.errorLines == 3)
    }

    @Test func matchesNoFilesForMissingFolder() {
        let source = LogFileSource(globs: ["/nonexistent-diaglogs-folder/*.log"])
        #expect(source.files().isEmpty)
    }
}
