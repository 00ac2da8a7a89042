import DiagCollect
import DiagLogs
import DiagSupport
import Foundation

/// Counts error lines by error type in log files on disk (`--logs GLOB`).
///
/// Only the report of templates and counts becomes a document, and like every document it is
/// redacted before it enters the bundle; no log line is kept.
struct LogFilesCollector: Collector {
    let name = "log-files"
    let globs: [String]

    var endpointDescription: String { globs.joined(separator: ", ") }

    func plannedRequests() -> [String] {
        let files = LogFileSource(globs: globs).files()
        return globs.map { "read files matching \($0)" } + ["\(files.count) files match now"]
    }

    func collect(window: CollectionWindow, deadline: Date) async -> SourceResult {
        let started = Date()
        let reportWindow = ErrorTypeReport.Window(start: window.start, end: window.end)
        var collector = ErrorTypeCollector(
            name: name, configuration: ErrorTypeCollector.Configuration(window: reportWindow, referenceDate: window.end))
        let source = LogFileSource(globs: globs)
        let summary = source.read(into: &collector)
        let report = ErrorTypeReport(window: reportWindow, sources: [collector.report()])

        var failures = summary.failures.map {
            EndpointFailure(endpoint: $0.path, status: .invalidResponse, reason: $0.reason)
        }
        if summary.filesRead.isEmpty && failures.isEmpty {
            failures.append(
                EndpointFailure(
                    endpoint: globs.joined(separator: ", "), status: .skipped,
                    reason: "no file matches; check the --logs pattern and quote it so the shell does not expand it"))
        }
        let attempted = max(summary.filesRead.count + summary.failures.count, 1)
        return SourceResult.summarizing(
            name: name, kind: "log-files", endpoint: endpointDescription, started: started, attempted: attempted,
            documents: [CollectedDocument(path: ErrorTypeReport.bundlePath, content: .json(report.jsonValue))],
            failures: failures)
    }
}
