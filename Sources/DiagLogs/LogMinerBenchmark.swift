import DiagSupport
import Foundation

/// Measures the miner's grouping accuracy and throughput on labeled Loghub-2k datasets.
///
/// Grouping accuracy is the Loghub benchmark's: a line counts as correct when the set of lines in
/// its predicted group equals the set of lines with its label. It is computed on the `Content`
/// column (the message alone) and on the raw lines, whose headers `LogHeaderStripper` removes, and
/// against both `EventId` and `EventTemplate` labels. Data: Loghub (Zhu et al., "Loghub: A Large
/// Collection of System Log Datasets for AI-driven Log Analytics", ISSRE 2023,
/// https://github.com/logpai/loghub), used under its research license.
public enum LogMinerBenchmark {
    /// The scores of one dataset.
    public struct Result: Sendable {
        public var dataset: String
        public var lines: Int
        public var contentAccuracy: Double
        public var rawAccuracy: Double
        public var contentAccuracyByTemplate: Double
        public var rawAccuracyByTemplate: Double
        public var templates: Int
        /// Raw lines per CPU second through header stripping and mining, best of several runs.
        public var linesPerSecond: Double

        public var jsonValue: JSONValue {
            [
                "dataset": .string(dataset), "lines": JSONValue(lines),
                "content_accuracy": .number(contentAccuracy), "raw_accuracy": .number(rawAccuracy),
                "content_accuracy_by_template": .number(contentAccuracyByTemplate),
                "raw_accuracy_by_template": .number(rawAccuracyByTemplate),
                "templates": JSONValue(templates), "lines_per_second": .number(linesPerSecond.rounded()),
            ]
        }
    }

    /// Runs the benchmark as `[DIR] [--json] [--runs N]` and prints a table, or JSON with `--json`.
    ///
    /// `--runs` sets how many timed runs each dataset gets; the fastest counts.
    public static func run(arguments: [String]) throws {
        var directory = "/work/shared/data/loghub-2k"
        var json = false
        var runs = 5
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            switch argument {
            case "--json":
                json = true
            case "--runs":
                guard let text = remaining.popFirst(), let count = Int(text), count > 0 else {
                    throw DiagError.usage("--runs needs a positive whole number of timed runs, such as --runs 5")
                }
                runs = count
            case let option where option.hasPrefix("-"):
                throw DiagError.usage("unknown option '\(option)' for bench-miner; use [DIR] [--json] [--runs N]")
            default:
                directory = argument
            }
        }
        let results = try evaluate(directory: URL(fileURLWithPath: directory), timingRuns: runs)
        if json {
            print(JSONValue.array(results.map(\.jsonValue)).serializedString(), terminator: "")
        } else {
            print(table(results), terminator: "")
        }
    }

    /// Evaluates every labeled dataset in `directory`.
    public static func evaluate(directory: URL, timingRuns: Int = 5) throws -> [Result] {
        let datasets = try LoghubDataset.loadAll(from: directory)
        guard !datasets.isEmpty else {
            throw DiagError.noInput(
                "no Loghub datasets in \(directory.path); expected folders such as HDFS/ with HDFS_2k.log and its labels")
        }
        return datasets.map { evaluate($0, timingRuns: timingRuns) }
    }

    /// Evaluates one dataset.
    public static func evaluate(_ dataset: LoghubDataset, timingRuns: Int = 5) -> Result {
        let contentGroups = mine(dataset.contents, stripHeaders: false).groups
        let (rawGroups, templateCount) = mine(dataset.rawLines, stripHeaders: true)

        var best = Double.infinity
        let encoded = dataset.rawLines.map { Array($0.utf8) }
        for _ in 0..<max(1, timingRuns) {
            let started = threadCPUSeconds()
            _ = mineEncoded(encoded)
            best = min(best, threadCPUSeconds() - started)
        }

        return Result(
            dataset: dataset.name, lines: dataset.rawLines.count,
            contentAccuracy: groupingAccuracy(truth: dataset.eventIDs, predicted: contentGroups),
            rawAccuracy: groupingAccuracy(truth: dataset.eventIDs, predicted: rawGroups),
            contentAccuracyByTemplate: groupingAccuracy(truth: dataset.eventTemplates, predicted: contentGroups),
            rawAccuracyByTemplate: groupingAccuracy(truth: dataset.eventTemplates, predicted: rawGroups),
            templates: templateCount, linesPerSecond: Double(dataset.rawLines.count) / max(best, 1e-9))
    }

    /// Returns the template number of each line, with -1 for lines counted as other.
    public static func mine(_ lines: [String], stripHeaders: Bool) -> (groups: [Int], templates: Int) {
        var miner = LogTemplateMiner()
        let stripper = LogHeaderStripper()
        var entries: [Int] = []
        entries.reserveCapacity(lines.count)
        for line in lines {
            var bytes = Array(line.utf8)
            let entry = bytes.withUnsafeMutableBufferPointer { mutable -> Int? in
                let buffer = UnsafeBufferPointer(mutable)
                let start = stripHeaders ? stripper.strip(buffer, from: 0, to: buffer.count).messageStart : 0
                return miner.add(buffer, from: start, to: buffer.count)
            }
            entries.append(entry ?? -1)
        }
        let templates = miner.templates()
        return (entries.map { $0 < 0 ? -1 : miner.templateID(ofEntry: $0) }, templates.count)
    }

    private static func mineEncoded(_ lines: [[UInt8]]) -> Int {
        var miner = LogTemplateMiner()
        let stripper = LogHeaderStripper()
        for line in lines {
            line.withUnsafeBufferPointer { buffer in
                let start = stripper.strip(buffer, from: 0, to: buffer.count).messageStart
                _ = miner.add(buffer, from: start, to: buffer.count)
            }
        }
        return miner.templates().count
    }

    /// Returns the CPU time the calling thread has used, in seconds. CPU time rather than
    /// wall-clock time keeps the figure steady when other processes share the machine.
    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Returns the share of lines whose predicted group has exactly the lines of their true group.
    public static func groupingAccuracy<Label: Hashable>(truth: [Label], predicted: [Int]) -> Double {
        precondition(truth.count == predicted.count, "one prediction per labeled line")
        guard !truth.isEmpty else { return 1 }
        var truthSizes: [Label: Int] = [:]
        for label in truth { truthSizes[label, default: 0] += 1 }
        var groups: [Int: (label: Label, size: Int, pure: Bool)] = [:]
        for (label, group) in zip(truth, predicted) {
            if var current = groups[group] {
                current.size += 1
                if current.label != label { current.pure = false }
                groups[group] = current
            } else {
                groups[group] = (label, 1, true)
            }
        }
        let correct = groups.values.filter { $0.pure && truthSizes[$0.label] == $0.size }.map(\.size).reduce(0, +)
        return Double(correct) / Double(truth.count)
    }

    static func table(_ results: [Result]) -> String {
        var text = "dataset      content  raw     content(tpl) raw(tpl)  templates  lines/s\n"
        for result in results {
            text += result.dataset.padding(toLength: 12, withPad: " ", startingAt: 0)
            text += " " + format(result.contentAccuracy) + "    " + format(result.rawAccuracy)
            text += "   " + format(result.contentAccuracyByTemplate) + "        " + format(result.rawAccuracyByTemplate)
            text += "     " + String(result.templates).padding(toLength: 9, withPad: " ", startingAt: 0)
            text += "  " + String(Int(result.linesPerSecond.rounded())) + "\n"
        }
        return text
    }

    private static func format(_ value: Double) -> String { String(format: "%.3f", value) }
}
