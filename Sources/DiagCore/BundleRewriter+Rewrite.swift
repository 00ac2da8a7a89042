import DiagRedaction
import DiagSupport
import Foundation

extension BundleRewriter {
    /// The state of one rewrite, from the old bundle's files to the new bundle's.
    ///
    /// `files` contains the new bundle's files by their new path. The generated files (manifest,
    /// `SUMMARY.md`, `report.html`) are dropped at the start and built again by `rebuildDocuments`.
    struct Rewrite {
        let source: OpenedBundle
        let name: String
        var files: [String: Data]
        /// Old path to new path of every kept file, for the redaction report.
        var pathMap: [String: String]
        /// Old paths of the files this rewrite left out.
        var removedPaths: Set<String> = []
        var newlyLeftOut: [LeftOutFile] = []

        /// Manifest parts carried over, redacted again when extra redaction runs.
        var sources: [JSONValue]
        var oldLeftOut: [JSONValue]
        var cut: JSONValue?
        var settings: JSONValue?

        var keepSummary = true
        var keepReport = true

        /// The redactor of the data files: the base ruleset with the review's layers on top, or
        /// only those layers when no base ruleset is applied again.
        var redactor: Redactor?
        /// The redactor of the review's layers alone, for the ruleset note and manifest texts.
        var layerRedactor: Redactor?
        /// The base ruleset applied again, and whether its file is the one the bundle was collected with.
        var reapplied: BundleRewriter.ReappliedRuleset?
        var freshPseudonyms = false
        var layers: [Ruleset.Layer] = []
        var addedDisabled: [DisabledRule] = []
        var keywordCount = 0
        var redactedFiles: Set<String> = []
        /// Replacements of the extra redaction: rule id, then new file path, then count.
        var newCounts: [String: [String: Int]] = [:]

        init(source: OpenedBundle, name: String) {
            self.source = source
            self.name = name
            var files = source.files
            for generated in [BundleLayout.manifest, BundleLayout.summary, HTMLReport.path] { files[generated] = nil }
            self.files = files
            pathMap = Dictionary(uniqueKeysWithValues: files.keys.map { ($0, $0) })
            sources = source.manifest["sources"]?.arrayValue ?? []
            oldLeftOut = source.manifest["left_out"]?.arrayValue ?? []
            cut = source.manifest["cut"]
            settings = source.manifest["settings"]
        }

        var newReplacements: Int { newCounts.values.reduce(0) { $0 + $1.values.reduce(0, +) } }

        /// The pseudonyms made by this rewrite, to add to the site's map.
        var newPseudonyms: PseudonymMap {
            var map = redactor?.pseudonymMap ?? PseudonymMap()
            if let layerRedactor { map.merge(layerRedactor.pseudonymMap) }
            return map
        }

        /// Removes `paths` and records each in `left_out` with the operator's reason.
        mutating func exclude(_ paths: [String], reason: String?) {
            for path in paths {
                files[path] = nil
                pathMap[path] = nil
                removedPaths.insert(path)
                if path == BundleLayout.summary { keepSummary = false }
                if path == HTMLReport.path { keepReport = false }
                newlyLeftOut.append(LeftOutFile(path: path, source: "review", reason: reason ?? BundleRewriter.defaultReason))
            }
        }

        /// Removes one file that could not be redacted, recording why.
        mutating func leaveOut(_ path: String, reason: String) {
            files[path] = nil
            pathMap[path] = nil
            removedPaths.insert(path)
            newlyLeftOut.append(LeftOutFile(path: path, source: "review", reason: reason))
        }
    }
}
