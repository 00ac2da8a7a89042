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

    static func timedOutLines(_ range: ClosedRange<Int>) -> String {
        range.map { "2026-03-01T00:00:\(String(format: "%02d", $0 % 60))Z ERROR request \($0) timed out" }
            .joined(separator: "\n") + "\n"
    }

    @Test func readsGzipRotatedFiles() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try TestProcess.writeGzip([Self.timedOutLines(1...50)], to: folder + "/app.log.1.gz")

        var collector = ErrorTypeCollector(name: "rotated")
        let summary = LogFileSource(globs: [folder + "/app.log*"]).read(into: &collector)
        #expect(summary.filesRead == [folder + "/app.log.1.gz"])
        #expect(summary.failures.isEmpty)
        let source = collector.report()
        #expect(source.errorLines == 50)
        #expect(source.groups.first?.templates.map(\.template) == ["request <*> timed out"])
    }

    @Test func readsConcatenatedGzipMembers() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // The first member ends in the middle of a line, which the second member completes.
        let first = Self.timedOutLines(1...30) + "2026-03-01T00:00:31Z ERROR request 31 "
        let second = "timed out\n" + Self.timedOutLines(32...40)
        try TestProcess.writeGzip([first, second], to: folder + "/two.gz")

        var collector = ErrorTypeCollector(name: "members")
        let summary = LogFileSource(globs: [folder + "/two.gz"]).read(into: &collector)
        #expect(summary.failures.isEmpty)
        let source = collector.report()
        #expect(source.linesRead == 40)
        #expect(source.errorLines == 40)
        #expect(source.groups.first?.templates.first?.count == 40)
    }

    @Test func readsLargeGzipInBoundedChunks() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // About 5 MB of text that compresses well, so one input chunk fills many output buffers.
        let text = String(repeating: Self.timedOutLines(1...1000), count: 80)
        try TestProcess.writeGzip([text], to: folder + "/big.gz")

        var collector = ErrorTypeCollector(name: "big")
        let summary = LogFileSource(globs: [folder + "/big.gz"]).read(into: &collector)
        #expect(summary.failures.isEmpty)
        #expect(collector.report().errorLines == 80_000)
    }

    @Test func reportsCorruptGzipAsFailure() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.write([0x1F, 0x8B, 0x08, 0x00, 0x01, 0x02], to: folder + "/broken.gz")
        var collector = ErrorTypeCollector(name: "broken")
        let summary = LogFileSource(globs: [folder + "/*.gz"]).read(into: &collector)
        #expect(summary.filesRead.isEmpty)
        #expect(summary.failures.map(\.path) == [folder + "/broken.gz"])
        #expect(summary.failures.first?.reason.contains(folder + "/broken.gz") == true)
    }

    @Test func reportsDamagedTruncatedAndTrailingGzip() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try TestProcess.writeGzip([Self.timedOutLines(1...400)], to: folder + "/good.gz")
        let good = try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder + "/good.gz")))

        var damaged = good
        for index in 20..<60 { damaged[index] ^= 0x5A }
        try Self.write(damaged, to: folder + "/damaged.gz")
        try Self.write(Array(good.prefix(good.count - 12)), to: folder + "/truncated.gz")
        try Self.write(good + Array("not gzip".utf8), to: folder + "/trailing.gz")
        try Self.write(good + [UInt8](repeating: 0, count: 512), to: folder + "/padded.gz")

        for name in ["damaged", "truncated", "trailing"] {
            var collector = ErrorTypeCollector(name: name)
            let summary = LogFileSource(globs: [folder + "/\(name).gz"]).read(into: &collector)
            #expect(summary.filesRead.isEmpty, "\(name).gz should fail")
            let reason = try #require(summary.failures.first?.reason, "\(name).gz has no failure")
            #expect(reason.contains(folder + "/\(name).gz"), "\(reason)")
        }

        var collector = ErrorTypeCollector(name: "padded")
        let summary = LogFileSource(globs: [folder + "/padded.gz"]).read(into: &collector)
        #expect(summary.failures.isEmpty)
        #expect(collector.report().errorLines == 400)
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
