import DiagLogs
import DiagSupport
import Foundation
import Testing

@Suite struct LogMinerBenchmarkTests {
    @Test(arguments: [
        ([1, 1, 2, 2], 1.0),
        ([1, 1, 1, 2], 0.0),
        ([1, 1, 2, 3], 0.5),
        ([7, 7, 7, 7], 0.0),
    ])
    func scoresGroupingAccuracy(predicted: [Int], expected: Double) {
        let truth = ["a", "a", "b", "b"]
        #expect(LogMinerBenchmark.groupingAccuracy(truth: truth, predicted: predicted) == expected)
    }

    /// Writes a labeled dataset in the Loghub layout and returns the folder that contains it.
    static func writeTinyDataset() throws -> URL {
        let root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("loghub-\(UUID().uuidString)")
        let folder = root.appendingPathComponent("Tiny")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let lines = [
            "2026-03-01 10:00:00,001 INFO [main] org.example.Db: connected to 10.0.0.1",
            "2026-03-01 10:00:01,001 INFO [main] org.example.Db: connected to 10.0.0.2",
            "2026-03-01 10:00:02,001 ERROR [main] org.example.Db: query failed after 3 retries",
            "2026-03-01 10:00:03,001 ERROR [main] org.example.Db: query failed after 5 retries",
        ]
        try Data((lines.joined(separator: "\r\n") + "\r\n").utf8).write(to: folder.appendingPathComponent("Tiny_2k.log"))
        let csv = """
            LineId,Content,EventId,EventTemplate
            1,connected to 10.0.0.1,E1,connected to <*>
            2,connected to 10.0.0.2,E1,connected to <*>
            3,query failed after 3 retries,E2,query failed after <*> retries
            4,"query failed after 5 retries",E2,query failed after <*> retries

            """
        try Data(csv.utf8).write(to: folder.appendingPathComponent("Tiny_2k.log_structured_corrected.csv"))
        return root
    }

    @Test func evaluatesLabeledFolder() throws {
        let root = try Self.writeTinyDataset()
        defer { try? FileManager.default.removeItem(at: root) }
        let results = try LogMinerBenchmark.evaluate(directory: root, timingRuns: 1)
        #expect(results.count == 1)
        let result = try #require(results.first)
        #expect(result.dataset == "Tiny")
        #expect(result.lines == 4)
        #expect(result.contentAccuracy == 1)
        #expect(result.rawAccuracy == 1)
        #expect(result.templates == 2)
        #expect(result.linesPerSecond > 0)
        #expect(result.jsonValue["raw_accuracy_by_template"]?.doubleValue == 1)
    }

    @Test func rejectsFolderWithoutDatasets() throws {
        let empty = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("loghub-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(throws: DiagError.self) { try LogMinerBenchmark.evaluate(directory: empty) }
    }

    @Test func rejectsUnknownOption() {
        #expect(throws: DiagError.self) { try LogMinerBenchmark.run(arguments: ["--fast"]) }
        #expect(throws: DiagError.self) { try LogMinerBenchmark.run(arguments: ["--runs", "zero"]) }
    }
}
