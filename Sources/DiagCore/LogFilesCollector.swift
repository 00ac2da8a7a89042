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
    /// Makes tenant identifiers `<*>` before grouping; set in partner and self-hosted mode.
    var masksTenants = false

    var endpointDescription: String { globs.joined(separator: ", ") }

    func plannedRequests() -> [String] {
        let files = LogFileSource(globs: globs).files()
        return globs.map { "read files matching \($0)" } + ["\(files.count) files match now"]
    }

    func collect(window: CollectionWindow, deadline: Date) async -> SourceResult {
        let started = Date()
        let reportWindow = ErrorTypeReport.Window(start: window.start, end: window.end)
        var collector = ErrorTypeCollector(
            name: name,
            configuration: ErrorTypeCollector.Configuration(
                window: reportWindow, referenceDate: window.end, tenantMasking: masksTenants ? TenantMasking() : nil))
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

/// Joins the `logs/error-types.json` documents of several collectors, such as log files and
/// Loki, into one document with one source entry each, because a bundle path has one file.
enum ErrorTypeDocuments {
    /// Returns `results` with every error-types document moved into one merged document, kept
    /// by the first result that had one. The order of the sources follows the order of `results`.
    static func merge(_ results: [SourceResult]) -> [SourceResult] {
        var holders: [Int] = []
        var documents: [JSONValue] = []
        for (index, result) in results.enumerated() {
            for document in result.documents where document.path == ErrorTypeReport.bundlePath {
                guard case .json(let value) = document.content else { continue }
                if holders.last != index { holders.append(index) }
                documents.append(value)
            }
        }
        guard holders.count > 1, let first = holders.first else { return results }

        var merged = results
        for index in holders {
            merged[index].documents.removeAll { $0.path == ErrorTypeReport.bundlePath }
        }
        merged[first].documents.append(
            CollectedDocument(path: ErrorTypeReport.bundlePath, content: .json(ErrorTypeReport.mergeDocuments(documents))))
        return merged
    }
}
