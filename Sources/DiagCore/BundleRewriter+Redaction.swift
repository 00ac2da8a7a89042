import DiagRedaction
import DiagSupport
import Foundation

extension BundleRewriter {
    /// The id of the ruleset layer that `--redact-keyword` words become.
    static let keywordLayerID = "review-keywords"

    /// Checks the operator's keywords and drops repeats (ignoring case).
    ///
    /// A keyword needs three or more characters and at least one character that is not a hex
    /// digit. Shorter words and hex words occur by chance inside pseudonyms and SHA-256 digests,
    /// so the check that the new bundle is free of them would fail.
    public static func checkKeywords(_ keywords: [String]) throws -> [String] {
        var seen: Set<String> = []
        var result: [String] = []
        for (index, keyword) in keywords.enumerated() {
            let option = "--redact-keyword #\(index + 1)"
            guard keyword.count >= 3, keyword.trimmingCharacters(in: .whitespaces) == keyword else {
                throw DiagError.usage(
                    "\(option) must have at least 3 characters and no leading or trailing spaces; short words occur inside pseudonyms and digests")
            }
            guard !keyword.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw DiagError.usage("\(option) contains a control character such as a newline; give one word or phrase per option")
            }
            guard !keyword.unicodeScalars.allSatisfy({ $0.properties.isASCIIHexDigit }) else {
                throw DiagError.usage(
                    "\(option) is made only of hex digits (0-9, a-f), which occur by chance in SHA-256 digests and pseudonyms; put a pattern rule for it in an --extra-rules file")
            }
            if seen.insert(keyword.lowercased()).inserted { result.append(keyword) }
        }
        return result
    }

    /// Builds the review's own ruleset layers: each `--extra-rules` file, then the keywords.
    /// `baseRuleset(for:review:)` puts them on top of the base ruleset.
    static func extraRuleset(files: [URL], keywords: [String]) throws -> Ruleset? {
        var layers: [Ruleset] = []
        for url in files {
            let data = try FileSafety.read(url)
            guard let text = String(data: data, encoding: .utf8) else {
                throw DiagError.data("\(url.path) is not valid UTF-8; save the ruleset as UTF-8")
            }
            layers.append(try Ruleset.parse(text, source: url.path))
        }
        if !keywords.isEmpty {
            var text = "version: 1\nid: \(keywordLayerID)\ndescription: \"Keywords given to waka-diag review\"\nkeywords:\n"
            for keyword in keywords { text += "  - \(YAMLScalar.doubleQuoted(keyword))\n" }
            layers.append(try Ruleset.parse(text, source: "--redact-keyword"))
        }
        guard var merged = layers.first else { return nil }
        for layer in layers.dropFirst() { merged = merged.merging(layer) }
        return merged
    }
}

extension BundleRewriter.Rewrite {
    /// Applies the base ruleset, the extra rules and the keywords to every collected file and to
    /// file paths. A file that cannot be redacted is left out.
    ///
    /// The documents `collect` wrote itself rather than collected (`collection/errors.json` and
    /// `redaction/*`) and the manifest texts get only the review's layers. `collect` did not run
    /// the ruleset over them either: the shipped ruleset note has fake secrets as examples on
    /// purpose, and the base rules would replace the schema URLs' host names.
    mutating func redact(_ request: BundleRewriter.Request) throws {
        let keywords = try BundleRewriter.checkKeywords(request.keywords)
        for (index, keyword) in request.keywords.enumerated() {
            for (field, value) in [("site", source.site), ("region", source.manifest["region"]?.stringValue ?? "")]
            where value.range(of: keyword, options: .caseInsensitive) != nil {
                throw DiagError.usage(
                    "--redact-keyword #\(index + 1) occurs in the bundle's \(field) '\(value)', which names the bundle and cannot be changed by review; collect a new bundle with another --\(field)")
            }
        }
        guard let review = try BundleRewriter.extraRuleset(files: request.extraRules, keywords: keywords) else { return }
        layers = review.layers
        addedDisabled = review.disabledRules
        keywordCount = keywords.count

        // A bundle collected with --fresh-pseudonyms has no site key to match, so its new
        // pseudonyms come from a key of their own, as its old ones did.
        freshPseudonyms = settings?["pseudonym_key"]?.stringValue == "fresh per bundle"
        let secret: [UInt8]
        if freshPseudonyms {
            secret = SiteSecret.ephemeral()
        } else {
            guard FileManager.default.fileExists(atPath: request.pseudonymKey.path) else {
                throw DiagError.noInput(
                    "the pseudonym key \(request.pseudonymKey.path) does not exist; pass --pseudonym-key with the key that collected \(source.root), so new pseudonyms match the site's")
            }
            secret = try SiteSecret.loadOrCreate(at: request.pseudonymKey)
        }
        let pseudonymizer = Pseudonymizer(secret: secret)
        let layerRedactor = Redactor(ruleset: review, pseudonymizer: pseudonymizer)
        var redactor = layerRedactor
        if let full = try baseRuleset(for: request, review: review) {
            redactor = Redactor(ruleset: full.ruleset, pseudonymizer: pseudonymizer, remembering: full.map)
            // Tenants and users the site learned after this bundle was collected are swept too.
            redactor.sweepSiteIdentifiers(from: full.map)
        }
        self.redactor = redactor
        self.layerRedactor = layerRedactor

        try redactFiles(with: redactor, layerRedactor: layerRedactor)
        if redactor !== layerRedactor { sweepKnownValues(with: redactor) }
        redactManifestTexts(with: layerRedactor)

        // Values the base rules replaced are looked for outside the shipped ruleset note only, as
        // `collect` does. The review's own values are looked for everywhere.
        let all = files.map { BundleFile(path: $0.key, data: $0.value) }
        var leaks = layerRedactor.findLeaks(in: all)
        if redactor !== layerRedactor {
            leaks += redactor.findLeaks(in: all.filter { $0.path != BundleLayout.ruleset })
        }
        if !leaks.isEmpty {
            let list = Set(leaks.map { "\($0.path) (rule \($0.rule))" }).sorted().prefix(5).joined(separator: ", ")
            throw DiagError(
                .checkFailed,
                "refusing to seal: a value replaced by the review's rules still occurs in \(list); exclude those files or add a rule that covers them. Nothing was written")
        }
    }

    private mutating func redactFiles(with redactor: Redactor, layerRedactor: Redactor) throws {
        for oldPath in files.keys.sorted() {
            // The report contains only rule ids, paths and counts, and it is rebuilt with the new paths.
            if oldPath == BundleLayout.redactionReport { continue }
            let fileRedactor = BundleRewriter.isProtected(oldPath) ? layerRedactor : redactor
            let data = files[oldPath]!
            let redacted: Data
            do {
                redacted = try FileRedaction.redact(name: oldPath, data: data, redactor: fileRedactor)
            } catch {
                guard !BundleRewriter.isProtected(oldPath) else {
                    throw DiagError.data("cannot redact \(oldPath) of \(source.root): \(error.operatorMessage)")
                }
                leaveOut(oldPath, reason: "could not be redacted with the review's rules, so it was left out: \(layerRedactor.redactText(error.operatorMessage, file: BundleLayout.collectionErrors))")
                continue
            }

            let changed = fileRedactor.report.counts.values.contains { ($0[oldPath] ?? 0) > 0 }
            let newPath = redactPath(oldPath, redactor: redactor)
            files[oldPath] = nil
            guard files[newPath] == nil else {
                leaveOut(oldPath, reason: "its redacted path is the same as another file's")
                continue
            }
            files[newPath] = changed ? redacted : data
            pathMap[oldPath] = newPath
            if changed || newPath != oldPath { redactedFiles.insert(newPath) }
        }

        let redactors = redactor === layerRedactor ? [redactor] : [redactor, layerRedactor]
        for counts in redactors.map(\.report.counts) {
            for (rule, perFile) in counts {
                for (file, count) in perFile where count > 0 {
                    newCounts[rule, default: [:]][pathMap[file] ?? file, default: 0] += count
                }
            }
        }
    }

    /// Replaces each value that the base rules replaced in one file, and each of the site's known
    /// identifiers, wherever else it occurs on its own, as `collect` does before it seals.
    private mutating func sweepKnownValues(with redactor: Redactor) {
        let sweep = redactor.makeKnownValueSweep()
        for path in files.keys.sorted() where !BundleRewriter.isProtected(path) {
            let (swept, counts) = sweep(files[path]!, path)
            guard !counts.isEmpty else { continue }
            files[path] = swept
            redactedFiles.insert(path)
            for (rule, count) in counts { newCounts[rule, default: [:]][path, default: 0] += count }
        }
    }

    /// Redacts the texts the new manifest and the left-out records take from the old bundle.
    private mutating func redactManifestTexts(with redactor: Redactor) {
        let file = BundleLayout.manifest
        sources = redactor.redactJSON(.array(sources), file: file).arrayValue ?? []
        oldLeftOut = redactor.redactJSON(.array(oldLeftOut), file: file).arrayValue ?? []
        if let cut { self.cut = redactor.redactJSON(cut, file: file) }
        if let settings { self.settings = redactor.redactJSON(settings, file: file) }
        newlyLeftOut = newlyLeftOut.map { item in
            LeftOutFile(
                path: redactPath(item.path, redactor: redactor), source: item.source,
                reason: redactor.redactText(item.reason, file: BundleLayout.collectionErrors))
        }
    }

    /// Redacts each path component as `collect` does (`Redactor.redactFileName`).
    func redactPath(_ path: String, redactor: Redactor) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).map { redactor.redactFileName(String($0)) }
            .joined(separator: "/")
    }
}
