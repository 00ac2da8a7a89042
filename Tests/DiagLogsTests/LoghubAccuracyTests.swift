// Grouping-accuracy tests on two Loghub-2k datasets.
//
// Data: Loghub, by Jieming Zhu, Shilin He, Pinjia He, Jinyang Liu and Michael R. Lyu, "Loghub: A
// Large Collection of System Log Datasets for AI-driven Log Analytics", ISSRE 2023,
// https://github.com/logpai/loghub. The datasets are free for research and academic work under
// the Loghub license, which asks every use to cite that paper and point to the repository. The
// tests read them from the shared data folder and never copy them.
import DiagLogs
import DiagSupport
import Foundation
import Testing

@Suite struct LoghubAccuracyTests {
    static let directory = URL(fileURLWithPath: ProcessInfo.processInfo.environment["LOGHUB_DIR"]
        ?? "/work/shared/data/loghub-2k")

    static func dataset(_ name: String) throws -> LoghubDataset? {
        let folder = directory.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: folder.path) else {
            print("skipping Loghub test: \(folder.path) is absent; set LOGHUB_DIR to the loghub-2k folder")
            return nil
        }
        return try LoghubDataset.load(name: name, from: folder)
    }

    @Test(arguments: ["HDFS", "OpenSSH"])
    func minerGroupsLoghubDataset(name: String) throws {
        guard let dataset = try Self.dataset(name) else { return }
        let result = LogMinerBenchmark.evaluate(dataset, timingRuns: 1)
        #expect(result.contentAccuracy >= 0.95, "content accuracy on \(name)")
        #expect(result.rawAccuracy >= 0.90, "raw-line accuracy on \(name)")
    }
}
