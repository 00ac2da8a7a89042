import DiagLogs
import DiagSupport
import Foundation

/// Lists the labels a dataset's grouping gets wrong: `mistakes [DIR] [--raw] [DATASET...]`.
///
/// For every true label whose lines do not form exactly one predicted group, it prints the label,
/// its line count and example message, then each predicted group that contains some of its lines
/// with the group's template and the labels mixed into it. Reading these is how a wrong split
/// (one label, several groups) is told apart from a wrong merge (one group, several labels).
enum GroupingMistakes {
    static func run(arguments: [String]) throws {
        var directory = "/work/shared/data/loghub-2k"
        var raw = false
        var names: [String] = []
        for argument in arguments {
            if argument == "--raw" {
                raw = true
            } else if argument.hasPrefix("-") {
                throw DiagError.usage("unknown option '\(argument)' for mistakes; use mistakes [DIR] [--raw] [DATASET...]")
            } else if argument.contains("/") {
                directory = argument
            } else {
                names.append(argument)
            }
        }
        let datasets = try LoghubDataset.loadAll(from: URL(fileURLWithPath: directory))
            .filter { names.isEmpty || names.contains($0.name) }
        for dataset in datasets { print(report(dataset, raw: raw), terminator: "") }
    }

    static func report(_ dataset: LoghubDataset, raw: Bool) -> String {
        let lines = raw ? dataset.rawLines : dataset.contents
        var miner = LogTemplateMiner()
        let stripper = LogHeaderStripper()
        var entries: [Int] = []
        for line in lines {
            var bytes = Array(line.utf8)
            let entry = bytes.withUnsafeMutableBufferPointer { mutable -> Int? in
                let buffer = UnsafeBufferPointer(mutable)
                let start = raw ? stripper.strip(buffer, from: 0, to: buffer.count).messageStart : 0
                return miner.add(buffer, from: start, to: buffer.count)
            }
            entries.append(entry ?? -1)
        }
        let templates = miner.templates()
        var textOf: [Int: String] = [:]
        for template in templates { textOf[template.id] = template.tokens.joined(separator: " ") }
        let groups = entries.map { $0 < 0 ? -1 : miner.templateID(ofEntry: $0) }

        var linesOfLabel: [String: [Int]] = [:]
        var labelsOfGroup: [Int: [String: Int]] = [:]
        for (index, label) in dataset.eventIDs.enumerated() {
            linesOfLabel[label, default: []].append(index)
            labelsOfGroup[groups[index], default: [:]][label, default: 0] += 1
        }
        let accuracy = LogMinerBenchmark.groupingAccuracy(truth: dataset.eventIDs, predicted: groups)
        var text = "== \(dataset.name) (\(raw ? "raw" : "content")): accuracy \(String(format: "%.3f", accuracy))\n"
        for label in linesOfLabel.keys.sorted(by: { linesOfLabel[$0]!.count > linesOfLabel[$1]!.count }) {
            let indices = linesOfLabel[label]!
            var groupCounts: [Int: Int] = [:]
            for index in indices { groupCounts[groups[index], default: 0] += 1 }
            let isExact = groupCounts.count == 1 && labelsOfGroup[groups[indices[0]]]!.count == 1
            if isExact { continue }
            text += "\(label) x\(indices.count): \(dataset.eventTemplates[indices[0]])\n"
            for (group, count) in groupCounts.sorted(by: { $0.value > $1.value }) {
                let mixed = labelsOfGroup[group]!.filter { $0.key != label }
                    .sorted { $0.value > $1.value }.prefix(5).map { "\($0.key) x\($0.value)" }
                text += "   \(count) in [\(textOf[group] ?? "other")]"
                text += mixed.isEmpty ? "\n" : " with \(mixed.joined(separator: ", "))\n"
            }
        }
        return text
    }
}
