import DiagCollect
import DiagSupport
import Foundation

/// Turns raw source results into the redacted files of a bundle, in memory.
///
/// Nothing unredacted leaves this type: every collected document goes through the redactor, a
/// document that cannot be redacted is left out and recorded, and the finished files are scanned
/// for every original value the redactor replaced before they are handed on.
public struct BundleAssembler {
    public var settings: CollectionSettings
    public var redactor: any DocumentRedacting
    public var rulesetText: String
    public var rulesetSummary: Manifest.RulesetSummary
    public var toolVersion: String

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
    }

    /// Assembles the bundle from `collected` results and `extraDocuments` derived from them (such
    /// as the replica comparison), which are redacted like every other document.
    public func assemble(_ collected: [SourceResult], extraDocuments: [CollectedDocument] = []) throws -> Assembly {
        let results = settings.clockIsFixed ? collected.map { result -> SourceResult in
            var fixed = result
            fixed.durationSeconds = 0
            return fixed
        } : collected
        var files: [String: BundleFile] = [:]
        var leftOut: [LeftOutFile] = []
        var sources: [Manifest.SourceSummary] = []

        for result in results {
            var written = 0
            for document in result.documents {
                let path = redactPath(document.path)
                do {
                    let data = try redact(document.content, path: path)
                    if files[path] != nil {
                        leftOut.append(LeftOutFile(path: path, source: result.name, reason: "duplicate bundle path"))
                        continue
                    }
                    files[path] = BundleFile(path: path, data: data)
                    written += 1
                } catch {
                    leftOut.append(
                        LeftOutFile(
                            path: path, source: result.name,
                            reason: "could not be redacted, so it was left out: \(redactor.redactText(error.operatorMessage, file: BundleLayout.collectionErrors))"
                        ))
                }
            }
            sources.append(
                Manifest.SourceSummary(
                    name: result.name, kind: result.kind,
                    endpoint: redactor.redactText(result.endpoint, file: BundleLayout.manifest), status: result.status,
                    reason: result.reason.map { redactor.redactText($0, file: BundleLayout.collectionErrors) },
                    durationSeconds: result.durationSeconds, documents: written))
        }

        for document in extraDocuments {
            let path = redactPath(document.path)
            do {
                files[path] = BundleFile(path: path, data: try redact(document.content, path: path))
            } catch {
                leftOut.append(LeftOutFile(path: path, source: "waka-diag", reason: "could not be redacted, so it was left out"))
            }
        }

        files[BundleLayout.collectionErrors] = BundleFile(
            path: BundleLayout.collectionErrors, json: errorsDocument(results, leftOut: leftOut))

        // Every value a rule replaced somewhere is now replaced wherever else it stands alone.
        let sweep = redactor.makeKnownValueSweep()
        var sweepCounts: [String: [String: Int]] = [:]
        for path in Array(files.keys) {
            let (swept, counts) = sweep(files[path]!.data)
            files[path]!.data = swept
            for (rule, count) in counts { sweepCounts[rule, default: [:]][path, default: 0] += count }
        }
        let sweptTotal = sweepCounts.values.reduce(0) { $0 + $1.values.reduce(0, +) }
        let replacements = redactor.replacementCount + sweptTotal
        files[BundleLayout.ruleset] = BundleFile(path: BundleLayout.ruleset, data: Data(rulesetText.utf8))

        // The report and the summary come last so that they count every replacement made above.
        files[BundleLayout.redactionReport] = BundleFile(
            path: BundleLayout.redactionReport, json: redactor.reportJSON(adding: sweepCounts))
        let page = HTMLReport(settings: settings, sources: sources, leftOut: leftOut, files: files, replacements: replacements)
        files[HTMLReport.path] = BundleFile(path: HTMLReport.path, data: sweep(page.data).0)
        let summary = SummaryDocument(
            settings: settings, sources: sources, files: files, leftOut: leftOut, replacements: replacements)
        files[BundleLayout.summary] = BundleFile(path: BundleLayout.summary, data: sweep(Data(summary.markdown().utf8)).0)

        let manifest = Manifest(
            bundleName: settings.bundleName, toolVersion: toolVersion, created: settings.now, mode: settings.mode,
            region: settings.region, site: settings.site, window: settings.window, sources: sources,
            files: Array(files.values), leftOut: leftOut, ruleset: rulesetSummary, settings: settingsDocument(),
            replacements: replacements)
        files[BundleLayout.manifest] = BundleFile(path: BundleLayout.manifest, data: sweep(manifest.jsonValue.serialized()).0)

        let ordered = files.values.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        // The ruleset file is shipped text from the repository, not collected data; its examples
        // may coincide with real values, so it is not scanned.
        let leaks = redactor.findLeaks(in: ordered.filter { $0.path != BundleLayout.ruleset })
        if !leaks.isEmpty {
            let list = leaks.prefix(5).map { "\($0.path) (rule \($0.rule))" }.joined(separator: ", ")
            throw DiagError(
                .checkFailed,
                "refusing to seal the bundle: a value replaced by the redactor still occurs in \(list); no bundle was written. Add a rule that covers that field (waka-diag rules explain FILE shows the matches) and collect again"
            )
        }
        return Assembly(files: ordered, leftOut: leftOut, sources: sources, replacements: replacements)
    }

    private func redact(_ content: DocumentContent, path: String) throws -> Data {
        switch content {
        case .json(let value):
            return redactor.redactJSON(value, file: path).serialized()
        case .yaml(let text):
            return Data(try redactor.redactYAML(text, file: path).utf8)
        case .text(let text):
            return Data(redactor.redactText(text, file: path).utf8)
        }
    }

    /// Redacts each path component, because file names from `--config` folders can carry hostnames
    /// or tenant names; the result is kept to safe characters so it is a valid archive path.
    private func redactPath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).map { component -> String in
            let redacted = redactor.redactText(String(component), file: "paths")
            let safe = redacted.unicodeScalars.map { scalar -> Character in
                let allowed = CharacterSet.alphanumerics.contains(scalar) || "-_.@+=".unicodeScalars.contains(scalar)
                return allowed && scalar.isASCII ? Character(scalar) : "_"
            }
            let text = String(safe)
            return text == "." || text == ".." || text.isEmpty ? "_" : text
        }.joined(separator: "/")
    }

    private func errorsDocument(_ results: [SourceResult], leftOut: [LeftOutFile]) -> JSONValue {
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
        return [
            "schema": .string(BundleLayout.errorsSchema),
            "sources": .array(sourceEntries),
            "endpoints": .array(endpointEntries),
            "left_out": .array(leftOut.map(\.jsonValue)),
        ]
    }

    /// The settings used, secrets and local paths excepted: key files are recorded only as "set".
    private func settingsDocument() -> JSONValue {
        [
            "endpoints": .object(
                Dictionary(uniqueKeysWithValues: settings.endpoints.map { ($0.key.rawValue, JSONValue($0.value.count)) })),
            "profile": settings.profileName.map { .string($0) } ?? .null,
            "size_budget_bytes": settings.sizeBudgetBytes.map { JSONValue($0) } ?? .null,
            "request_timeout_seconds": .number(settings.requestTimeout),
            "window_seconds": JSONValue(Int(settings.window.durationSeconds.rounded())),
            "config_paths": JSONValue(settings.configPaths.count),
            "log_globs": JSONValue(settings.logGlobs.count),
            "source_timeout_seconds": .number(settings.sourceTimeout),
            "overall_timeout_seconds": .number(settings.overallTimeout),
            "extra_rules_files": JSONValue(settings.extraRulesPaths.count),
            "pseudonym_key": .string(settings.pseudonymKeyPath == nil ? "fresh per bundle" : "site key"),
            "query_set": .string(settings.queriesPath.lastPathComponent),
        ]
    }
}
