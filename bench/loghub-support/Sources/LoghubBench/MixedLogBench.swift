import DiagLogs
import DiagSupport
import Foundation

/// Times the error-type pipeline on whole log files: `mixed [--all-lines] [--report OUT] FILE...`.
///
/// Each file goes through `LogFileSource` into one `ErrorTypeCollector`, so the time includes
/// reading, line splitting, JSON and logfmt parsing, header stripping, masking and mining. With
/// `--all-lines` every line is mined whatever its level, which is the work drain3 does in the
/// comparison, and without it only error lines are, as in a collection. Prints one JSON object with
/// wall-clock and CPU seconds. On a shared machine the CPU figure is the one to compare.
/// `--report OUT` also writes the whole report (every group, template and count) to OUT after the
/// clock stops, so two builds can be checked for the same output with `cmp`.
enum MixedLogBench {
    static func run(arguments: [String]) throws {
        var allLines = false
        var reportPath: String?
        var files: [String] = []
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            if argument == "--all-lines" {
                allLines = true
            } else if argument == "--report" {
                guard let path = rest.popFirst() else { throw DiagError.usage("--report needs a file path") }
                reportPath = path
            } else if argument.hasPrefix("-") {
                throw DiagError.usage("unknown option '\(argument)' for mixed; use mixed [--all-lines] [--report OUT] FILE...")
            } else {
                files.append(argument)
            }
        }
        guard !files.isEmpty else { throw DiagError.usage("mixed needs at least one log file") }

        let bytes = files.compactMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int }.reduce(0, +)
        var collector = ErrorTypeCollector(name: "mixed", configuration: .init(includesNonErrorLines: allLines))
        let started = DispatchTime.now().uptimeNanoseconds
        let cpuStarted = processCPUSeconds()
        let summary = LogFileSource(globs: files).read(into: &collector)
        let source = collector.report()
        let cpuSeconds = processCPUSeconds() - cpuStarted
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        guard summary.failures.isEmpty else {
            throw DiagError.io("cannot read \(summary.failures[0].path): \(summary.failures[0].reason)")
        }

        if let reportPath {
            let document = ErrorTypeReport(window: nil, sources: [source]).jsonValue
            try Data(document.serializedString().utf8).write(to: URL(fileURLWithPath: reportPath))
        }

        let templates = source.groups.map(\.templates.count).reduce(0, +)
        let result: JSONValue = [
            "mode": .string(allLines ? "all-lines" : "errors"), "files": JSONValue(summary.filesRead.count),
            "bytes": JSONValue(bytes), "lines": JSONValue(source.linesRead), "mined_lines": JSONValue(source.errorLines),
            "templates": JSONValue(templates), "groups": JSONValue(source.groups.count),
            "other_lines": JSONValue(source.otherLines), "seconds": .number(seconds),
            "lines_per_second": .number((Double(source.linesRead) / max(seconds, 1e-9)).rounded()),
            "cpu_seconds": .number(cpuSeconds),
            "lines_per_cpu_second": .number((Double(source.linesRead) / max(cpuSeconds, 1e-9)).rounded()),
        ]
        print(result.serializedString())
    }
}

/// Returns the CPU time this process has used, user and system, in seconds.
func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
