import DiagCollect
import DiagSupport
import Foundation

/// Turns raw source results into the redacted files of a bundle, in memory.
///
/// Nothing unredacted leaves this type: every collected document goes through the redactor, a
/// document that cannot be redacted is left out and recorded, and the finished files are scanned
/// for every original value the redactor replaced before they are handed on. With a size budget,
/// lower-priority files are cut until the files fit (see `SizeBudget`).
public struct BundleAssembler {
    public var settings: CollectionSettings
    public var redactor: any DocumentRedacting
    public var rulesetText: String
    public var rulesetSummary: Manifest.RulesetSummary
    public var toolVersion: String
    /// Counts of what the tenant guard removed before redaction, for the manifest and SUMMARY.md.
    public var tenantReport: TenantGuardReport?

    public init(
        settings: CollectionSettings, redactor: any DocumentRedacting, rulesetText: String,
        rulesetSummary: Manifest.RulesetSummary, toolVersion: String
    ) {
        self.settings = settings
        self.redactor = redactor
        self.rulesetText = rulesetText
        self.rulesetSummary = rulesetSummary
        self.toolVersion = toolVersion
    }

    /// The assembled bundle: its files (manifest included) and what was left out.
    public struct Assembly: Sendable {
        public var files: [BundleFile]
        public var leftOut: [LeftOutFile]
        public var sources: [Manifest.SourceSummary]
        public var replacements: Int
        /// Files cut by the size budget, in cut order.
        public var cut: [SizeBudget.CutFile] = []
        /// False when the files that are always kept alone exceed the size budget.
        public var budgetMet = true
        public var tenantReport: TenantGuardReport?
    }

    /// The redacted documents of all sources, before the generated files are added.
    struct RedactedContent {
        var files: [String: BundleFile] = [:]
        var leftOut: [LeftOutFile] = []
        var sources: [Manifest.SourceSummary] = []
        /// Collection failures with their reasons redacted, for `collection/errors.json`.
        var errorSources: [JSONValue] = []
        var errorEndpoints: [JSONValue] = []
    }

    /// Assembles the bundle from `collected` results and `extraDocuments` derived from them (such
    /// as the replica comparison), which are redacted like every other document.
    public func assemble(_ collected: [SourceResult], extraDocuments: [CollectedDocument] = []) throws -> Assembly {
        let results = settings.clockIsFixed ? collected.map { result -> SourceResult in
            var fixed = result
            fixed.durationSeconds = 0
            return fixed
        } : collected
        var report = tenantReport
        var content = redactDocuments(results, extraDocuments: extraDocuments, tenantReport: &report)
        (content.errorSources, content.errorEndpoints) = errorEntries(results)
        return try finish(content, tenantReport: report)
    }

    /// Redacts every document and records per source what was written and what was left out.
    func redactDocuments(
        _ results: [SourceResult], extraDocuments: [CollectedDocument], tenantReport: inout TenantGuardReport?
    ) -> RedactedContent {
        var content = RedactedContent()
        for result in results {
            var written = 0
            for document in result.documents {
                let path = redactPath(document.path)
                tenantReport?.rename(document.path, to: path)
                do {
                    let data = try redact(document, path: path)
                    if content.files[path] != nil {
                        content.leftOut.append(LeftOutFile(path: path, source: result.name, reason: "duplicate bundle path"))
                        continue
                    }
                    content.files[path] = BundleFile(path: path, data: data)
                    written += 1
                } catch {
                    content.leftOut.append(
                        LeftOutFile(
                            path: path, source: result.name,
                            reason: "could not be redacted, so it was left out: \(redactor.redactText(error.operatorMessage, file: BundleLayout.collectionErrors))"
                        ))
                }
            }
            content.sources.append(
                Manifest.SourceSummary(
                    name: result.name, kind: result.kind,
                    endpoint: redactor.redactText(result.endpoint, file: BundleLayout.manifest), status: result.status,
                    reason: result.reason.map { redactor.redactText($0, file: BundleLayout.collectionErrors) },
                    durationSeconds: result.durationSeconds, documents: written))
        }

        for document in extraDocuments {
            let path = redactPath(document.path)
            do {
                content.files[path] = BundleFile(path: path, data: try redact(document, path: path))
            } catch {
                content.leftOut.append(LeftOutFile(path: path, source: "waka-diag", reason: "could not be redacted, so it was left out"))
            }
        }
        sweepPaths(&content, tenantReport: &tenantReport)
        return content
    }

    /// Replaces in every document's path the host, tenant, user and customer values that the
    /// documents' text gave away after their paths were redacted, such as a configuration file
    /// named after the machine its `hostname:` key names. The first component is the bundle's own
    /// folder (`config`, `logs`) and stays. A path that would then equal another gets `-2`, `-3`
    /// and so on before its extension.
    private func sweepPaths(_ content: inout RedactedContent, tenantReport: inout TenantGuardReport?) {
        let paths = content.files.keys.sorted() + content.leftOut.map(\.path)
        let components = paths.map { $0.split(separator: "/", omittingEmptySubsequences: true).map(String.init) }
        let names = components.flatMap { $0.dropFirst() }
        let swept = redactor.sweepFileNames(names, files: names.map { _ in "paths" })
        guard swept != names else { return }
        var renamed: [String: String] = [:]
        var offset = 0
        for (path, parts) in zip(paths, components) where !parts.isEmpty {
            let newPath = ([parts[0]] + swept[offset..<offset + parts.count - 1]).joined(separator: "/")
            offset += parts.count - 1
            if newPath != path { renamed[path] = newPath }
        }
        for (path, newPath) in renamed.sorted(by: { $0.key < $1.key }) {
            guard let file = content.files.removeValue(forKey: path) else { continue }
            let unique = FileSafety.freeName(newPath) { content.files[$0] != nil }
            renamed[path] = unique
            tenantReport?.rename(path, to: unique)
            redactor.renameReportFile(path, to: unique)
            content.files[unique] = BundleFile(path: unique, data: file.data)
        }
        for index in content.leftOut.indices {
            if let newPath = renamed[content.leftOut[index].path] { content.leftOut[index].path = newPath }
        }
    }

    private func redact(_ document: CollectedDocument, path: String) throws -> Data {
        switch document.content {
        case .json(let value):
            // A config file keeps its layout; a document made from API responses has none.
            guard let layout = document.jsonLayout else { return redactor.redactJSON(value, file: path).serialized() }
            return redactor.redactJSON(value, file: path, inLayoutOf: layout)
        case .yaml(let text):
            return Data(try redactor.redactYAML(text, file: path).utf8)
        case .text(let text):
            return Data(redactor.redactText(text, file: path).utf8)
        }
    }

    /// Redacts each path component, because file names from `--config` folders can carry hostnames
    /// or tenant names (`Redactor.redactFileName`).
    private func redactPath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).map { redactor.redactFileName(String($0), file: "paths") }
            .joined(separator: "/")
    }

    /// Returns the `sources` and `endpoints` entries of `collection/errors.json`, reasons redacted.
    private func errorEntries(_ results: [SourceResult]) -> ([JSONValue], [JSONValue]) {
        let clean = { (text: String) in redactor.redactText(text, file: BundleLayout.collectionErrors) }
        var sourceEntries: [JSONValue] = []
        var endpointEntries: [JSONValue] = []
        for result in results {
            if result.status != .ok {
                sourceEntries.append([
                    "source": .string(result.name), "status": .string(result.status.rawValue),
                    "reason": .string(clean(result.reason ?? "see the endpoint entries")),
                    "duration_seconds": .number((result.durationSeconds * 1000).rounded() / 1000),
                ])
            }
            for failure in result.failures {
                endpointEntries.append([
                    "source": .string(result.name), "endpoint": .string(clean(failure.endpoint)),
                    "status": .string(failure.status.rawValue), "reason": .string(clean(failure.reason)),
                ])
            }
        }
        return (sourceEntries, endpointEntries)
    }
}
