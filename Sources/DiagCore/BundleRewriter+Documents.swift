import DiagCollect
import DiagSupport
import Foundation

extension BundleRewriter.Rewrite {
    /// Rebuilds the documents that describe the bundle: `collection/errors.json` (with the new
    /// left-out records), `redaction/report.json` (new paths and counts), the ruleset note,
    /// `report.html`, `SUMMARY.md` and last the manifest, which lists every other file.
    mutating func rebuildDocuments() throws {
        try appendLeftOutToErrors()
        let replacements = rebuildRedactionReport()
        appendLayersToRuleset()

        var manifest = manifestWithoutFiles(replacements: replacements)
        if keepReport {
            files[HTMLReport.path] = HTMLReport(manifest: manifest, files: files).data
        }
        if keepSummary {
            files[BundleLayout.summary] = summaryMarkdown(manifest: manifest, replacements: replacements)
        }
        let listed = files.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { path -> JSONValue in
            let data = files[path]!
            return ["path": .string(path), "size": JSONValue(data.count), "sha256": .string(Sodium.sha256(data).hexString)]
        }
        manifest = manifest.setting("files", .array(listed))
        files[BundleLayout.manifest] = manifest.serialized()
    }

    private mutating func appendLeftOutToErrors() throws {
        let path = BundleLayout.collectionErrors
        guard let data = files[path], case .object(var errors) = try JSONValue.parse(data) else {
            throw DiagError.data("\(source.root)/\(path) is missing or not a JSON object; the bundle cannot be resealed")
        }
        errors["left_out"] = .array((errors["left_out"]?.arrayValue ?? []) + newlyLeftOut.map(\.jsonValue))
        files[path] = JSONValue.object(errors).serialized()
    }

    /// Moves the old counts to the new file paths, drops those of removed files, adds the counts
    /// of the extra redaction, and returns the new total.
    private mutating func rebuildRedactionReport() -> Int {
        let path = BundleLayout.redactionReport
        let old = source.json(path)
        var rules: [String: [String: Int64]] = [:]
        for (rule, entry) in old?["rules"]?.objectValue ?? [:] {
            for (file, count) in entry["files"]?.objectValue ?? [:] where !removedPaths.contains(file) {
                rules[rule, default: [:]][pathMap[file] ?? file, default: 0] += count.intValue ?? 0
            }
        }
        for (rule, perFile) in newCounts {
            for (file, count) in perFile { rules[rule, default: [:]][file, default: 0] += Int64(count) }
        }

        var document = old?.objectValue ?? [:]
        document["rules"] = .object(
            rules.mapValues { perFile in
                ["total": .int(perFile.values.reduce(0, +)), "files": .object(perFile.mapValues { .int($0) })]
            })
        files[path] = JSONValue.object(document).serialized()
        return Int(rules.values.reduce(0) { $0 + $1.values.reduce(0, +) })
    }

    /// Notes the review's ruleset layers below the shipped ruleset, by id only: their keywords
    /// and patterns name what they protect, so they stay on the site.
    private mutating func appendLayersToRuleset() {
        guard !layers.isEmpty, let data = files[BundleLayout.ruleset] else { return }
        var text = String(decoding: data, as: UTF8.self)
        if !text.hasSuffix("\n") { text += "\n" }
        text += "\n# Layers applied by waka-diag review when resealing as \(name) (contents withheld):\n"
        for layer in layers {
            let ruleList = layer.ruleIDs.isEmpty ? "no rules" : "rules " + layer.ruleIDs.joined(separator: ", ")
            text += "# - \(layer.id): \(ruleList); \(layer.keywordCount) keywords\n"
        }
        files[BundleLayout.ruleset] = Data(text.utf8)
    }

    /// Builds the new manifest from the old one: new name, sources, left-out records, ruleset
    /// summary, counts and origin. The `files` list stays empty until the other files are final.
    private func manifestWithoutFiles(replacements: Int) -> JSONValue {
        var manifest = source.manifest.objectValue ?? [:]
        manifest["bundle"] = .string(name)
        manifest["sources"] = .array(sources)
        manifest["left_out"] = .array(oldLeftOut + newlyLeftOut.map(\.jsonValue))
        if let cut { manifest["cut"] = cut }
        if let settings { manifest["settings"] = settings }
        manifest["redaction"] = ["replacements": JSONValue(replacements), "report": .string(BundleLayout.redactionReport)]
        manifest["resealed_from"] = ["bundle": .string(source.root), "sha256": .string(source.sha256)]

        if case .object(var ruleset)? = manifest["ruleset"], !layers.isEmpty {
            let addedRules = layers.reduce(0) { $0 + $1.ruleIDs.count }
            ruleset["rules"] = JSONValue(Int(ruleset["rules"]?.intValue ?? 0) + addedRules)
            ruleset["operator_keywords"] = JSONValue(Int(ruleset["operator_keywords"]?.intValue ?? 0) + keywordCount)
            let disabled = addedDisabled.map { JSONValue.object(["id": .string($0.id), "reason": .string($0.reason)]) }
            ruleset["disabled"] = .array((ruleset["disabled"]?.arrayValue ?? []) + disabled)
            // The last layer that sets the mode decides it, as when rulesets are merged.
            if let mode = layers.compactMap(\.allowlistMode).last { ruleset["allowlist_mode"] = .bool(mode) }
            manifest["ruleset"] = .object(ruleset)
        }
        manifest["files"] = .array([])
        return .object(manifest)
    }

    /// Writes `SUMMARY.md` as `collect` does, from the new files, with the new name and origin.
    private func summaryMarkdown(manifest: JSONValue, replacements: Int) -> Data {
        let created = manifest["created"]?.stringValue.flatMap(Timestamp.parse) ?? Date(timeIntervalSince1970: 0)
        let start = manifest["window"]?["start"]?.stringValue.flatMap(Timestamp.parse) ?? created
        let end = manifest["window"]?["end"]?.stringValue.flatMap(Timestamp.parse) ?? created
        let unused = URL(fileURLWithPath: "/dev/null")
        let settings = CollectionSettings(
            mode: DeploymentMode(rawValue: manifest["mode"]?.stringValue ?? "") ?? .selfHosted,
            region: manifest["region"]?.stringValue ?? "", site: manifest["site"]?.stringValue ?? "",
            window: CollectionWindow(start: start, end: end), now: created, prometheusURLs: [], alertmanagerURLs: [],
            configPaths: [], logGlobs: [], rulesPath: unused, extraRulesPaths: [], queriesPath: unused,
            signingKeyPath: unused, pseudonymKeyPath: nil, pseudonymMapPath: nil, outputFolder: unused,
            sourceTimeout: 0, overallTimeout: 0)
        let summaries = sources.map { item in
            Manifest.SourceSummary(
                name: item["name"]?.stringValue ?? "", kind: item["kind"]?.stringValue ?? "",
                endpoint: item["endpoint"]?.stringValue ?? "",
                status: SourceStatus(rawValue: item["status"]?.stringValue ?? "") ?? .partial,
                reason: item["reason"]?.stringValue, durationSeconds: item["duration_seconds"]?.doubleValue ?? 0,
                documents: Int(item["documents"]?.intValue ?? 0))
        }
        let leftOut = (manifest["left_out"]?.arrayValue ?? []).map { item in
            LeftOutFile(
                path: item["path"]?.stringValue ?? "", source: item["source"]?.stringValue ?? "",
                reason: item["reason"]?.stringValue ?? "")
        }
        var bundleFiles: [String: BundleFile] = [:]
        for (path, data) in files where path != BundleLayout.summary && path != BundleLayout.manifest {
            bundleFiles[path] = BundleFile(path: path, data: data)
        }
        let document = SummaryDocument(
            settings: settings, sources: summaries, files: bundleFiles, leftOut: leftOut, replacements: replacements)

        // SummaryDocument titles the page with the collected name; the new name and origin replace it.
        var lines = document.markdown().components(separatedBy: "\n")
        lines[0] = "# Diagnostics bundle \(name)"
        // The tenant guard ran at collection only; its row carries over from the old summary.
        let oldLines = source.files[BundleLayout.summary].map { String(decoding: $0, as: UTF8.self).components(separatedBy: "\n") } ?? []
        if let tenants = oldLines.first(where: { $0.hasPrefix("| Tenants |") }),
            let row = lines.firstIndex(where: { $0.hasPrefix("| Replacements made by redaction |") })
        {
            lines.insert(tenants, at: row + 1)
        }
        lines.insert(
            contentsOf: ["", "Resealed by `waka-diag review` from `\(source.root)` (SHA-256 \(source.sha256.prefix(16))…); see \"Left out\" for what was removed."],
            at: 1)
        return Data(lines.joined(separator: "\n").utf8)
    }

    /// Fails when a keyword still occurs anywhere in the new bundle, ignoring case: in a file,
    /// a path or the bundle name. Whole-word redaction leaves a keyword glued inside a longer
    /// word, such as `acme` in `acmebank`, and this check catches it.
    func verifyKeywordsAbsent(_ keywords: [String]) throws {
        for (index, keyword) in keywords.enumerated() {
            var places: [String] = []
            if name.range(of: keyword, options: .caseInsensitive) != nil { places.append("the bundle name") }
            for path in files.keys.sorted() {
                let text = String(decoding: files[path]!, as: UTF8.self)
                if path.range(of: keyword, options: .caseInsensitive) != nil
                    || text.range(of: keyword, options: .caseInsensitive) != nil
                {
                    places.append(path)
                }
            }
            guard places.isEmpty else {
                throw DiagError(
                    .checkFailed,
                    "refusing to seal: --redact-keyword #\(index + 1) still occurs in \(places.prefix(6).joined(separator: ", ")), inside a longer word that whole-word redaction leaves alone; add a pattern rule for it in an --extra-rules file or exclude those files. Nothing was written"
                )
            }
        }
    }
}

extension JSONValue {
    /// Returns this object with `key` set to `value`, or any other value unchanged.
    fileprivate func setting(_ key: String, _ value: JSONValue) -> JSONValue {
        guard case .object(var members) = self else { return self }
        members[key] = value
        return .object(members)
    }
}
