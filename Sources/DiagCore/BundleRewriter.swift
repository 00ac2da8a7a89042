import DiagCrypto
import DiagSupport
import Foundation

/// Writes a new signed bundle from an existing one, with files left out or redacted again, for
/// an operator who reviewed a bundle and wants something removed before sharing it.
///
/// Redacting again applies the base ruleset with the operator's keywords and rules on top. The
/// site's pseudonym map keeps every pseudonym already in the bundle as it is, so the base rules
/// replace only what they had not replaced before, and the new words get the site's pseudonyms.
///
/// The old bundle is only read, never changed. The new one gets the old root name with a `-rN`
/// suffix and a manifest that lists its files and hashes. That manifest records each excluded
/// file in `left_out` (source `review`, with the operator's reason) and names the old bundle in
/// `resealed_from`. `SUMMARY.md` and `report.html` are rebuilt from the remaining files.
/// Nothing is written when a check fails.
public enum BundleRewriter {
    /// The operator's request.
    public struct Request: Sendable {
        /// Bundle paths or folders to leave out.
        public var exclude: [String]
        /// Why, as recorded in `left_out`; a default text is used when nil.
        public var reason: String?
        /// Words to replace wherever they stand as whole words, case-insensitively.
        public var keywords: [String]
        /// Operator ruleset files to apply to every redactable file.
        public var extraRules: [URL]
        /// The base ruleset file applied again under the extra rules and keywords, normally the
        /// one `collect` used; nil applies only the extra rules and keywords.
        public var rules: URL?
        /// The site's pseudonym key, so new pseudonyms match the site's other bundles.
        public var pseudonymKey: URL
        /// The local pseudonym map: read so that the base ruleset keeps the bundle's pseudonyms,
        /// and extended with the new ones. Nil leaves the map alone and requires `rules` to be nil.
        public var pseudonymMap: URL?
        public var outputFolder: URL
        public var secretKey: URL

        public init(
            exclude: [String] = [], reason: String? = nil, keywords: [String] = [], extraRules: [URL] = [], rules: URL? = nil,
            pseudonymKey: URL, pseudonymMap: URL? = nil, outputFolder: URL, secretKey: URL
        ) {
            self.exclude = exclude
            self.reason = reason
            self.keywords = keywords
            self.extraRules = extraRules
            self.rules = rules
            self.pseudonymKey = pseudonymKey
            self.pseudonymMap = pseudonymMap
            self.outputFolder = outputFolder
            self.secretKey = secretKey
        }

        var redacts: Bool { !keywords.isEmpty || !extraRules.isEmpty }
    }

    /// The new bundle and how it differs from the old one.
    public struct Outcome: Sendable {
        public var bundle: URL
        public var signature: URL
        public var sha256: String
        public var name: String
        /// Files left out by this rewrite: the excluded ones and any that could not be redacted.
        public var leftOut: [LeftOutFile]
        /// Files whose content the extra redaction changed, by their new path.
        public var redactedFiles: [String]
        /// Replacements made by the extra redaction.
        public var replacements: Int
        public var fileCount: Int
        /// The base ruleset applied again, or nil when only the extra rules and keywords were.
        public var reappliedRuleset: ReappliedRuleset?

        public var jsonValue: JSONValue {
            [
                "bundle": .string(bundle.path), "signature": .string(signature.path), "sha256": .string(sha256),
                "name": .string(name), "left_out": .array(leftOut.map(\.jsonValue)),
                "redacted_files": .array(redactedFiles.map { .string($0) }), "replacements": JSONValue(replacements),
                "files": JSONValue(fileCount), "ruleset_reapplied": reappliedRuleset?.jsonValue ?? .null,
            ]
        }
    }

    /// Paths that can never be excluded, because they make a bundle checkable and record what
    /// was redacted and left out.
    public static func isProtected(_ path: String) -> Bool {
        path == BundleLayout.manifest || path == BundleLayout.collectionErrors || path == "redaction"
            || path.hasPrefix("redaction/")
    }

    /// The reason recorded for an excluded file when the operator gives none.
    public static let defaultReason = "left out by the operator during review"

    /// Writes the new bundle and its signature into `request.outputFolder`.
    public static func rewrite(_ source: OpenedBundle, request: Request, cleanup: TemporaryFiles) throws -> Outcome {
        guard !request.exclude.isEmpty || request.redacts else {
            throw DiagError.usage("nothing to change: give --exclude PATH, --redact-keyword WORD or --extra-rules FILE")
        }
        guard source.contentsMatchManifest else {
            let failed = source.checks.filter { !$0.passed && $0.name != "schemas" }.map(\.detail).joined(separator: "; ")
            throw DiagError(
                .checkFailed,
                "\(source.url.path) does not match its own manifest (\(failed)); a damaged or altered bundle cannot be resealed, so collect a new one")
        }
        let secretKey = try KeyFiles.loadSecretKey(at: request.secretKey)
        let excluded = try resolveExclusions(request.exclude, in: source)
        // A second reseal of the same bundle takes the next free revision in the output folder.
        var name = nextName(after: source.root)
        for _ in 0..<1000 where FileManager.default.fileExists(atPath: request.outputFolder.appendingPathComponent(name + ".tar.gz").path) {
            name = nextName(after: name)
        }

        var work = Rewrite(source: source, name: name)
        work.exclude(excluded, reason: request.reason)
        if request.redacts {
            try work.redact(request)
        }
        try work.rebuildDocuments()
        try work.verifyKeywordsAbsent(request.keywords)

        // The map is saved before sealing, so a map that cannot be written stops the run before a
        // bundle exists whose pseudonyms the operator could not look up.
        if let mapPath = request.pseudonymMap, work.redactor != nil, !work.freshPseudonyms {
            try FileSafety.createFolder(mapPath.deletingLastPathComponent(), mode: 0o700)
            try work.newPseudonyms.save(to: mapPath)
        }

        let created = source.manifest["created"]?.stringValue.flatMap(Timestamp.parse) ?? Date(timeIntervalSince1970: 0)
        let files = work.files.map { BundleFile(path: $0.key, data: $0.value) }
            .sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        let sealed = try BundleSealer.seal(
            files: files, bundleName: name, modificationTime: created, outputFolder: request.outputFolder,
            secretKey: secretKey,
            trustedComment: "timestamp:\(Int(created.timeIntervalSince1970))\tfile:\(name).tar.gz\thashed",
            cleanup: cleanup)
        return Outcome(
            bundle: sealed.bundle, signature: sealed.signature, sha256: sealed.sha256, name: name,
            leftOut: work.newlyLeftOut, redactedFiles: work.redactedFiles.sorted(), replacements: work.newReplacements,
            fileCount: files.count, reappliedRuleset: work.reapplied)
    }

    /// Expands the requested paths to bundle files: a path names one file or every file below a
    /// folder. Fails on a path that is not in the bundle and on a protected file.
    public static func resolveExclusions(_ requested: [String], in bundle: OpenedBundle) throws -> [String] {
        var result: Set<String> = []
        for text in requested {
            let path = bundle.normalizedPath(text)
            guard !path.isEmpty else {
                throw DiagError.usage("--exclude needs a path inside the bundle, such as config/app.env")
            }
            var matches = bundle.files[path] != nil ? [path] : bundle.files.keys.filter { $0.hasPrefix(path + "/") }
            matches.sort()
            if let blocked = matches.first(where: isProtected) ?? (isProtected(path) ? path : nil) {
                throw DiagError.usage(
                    "\(blocked) cannot be excluded: manifest.json, redaction/* and collection/errors.json make the bundle checkable and record what was redacted and left out; exclude other files")
            }
            guard !matches.isEmpty else {
                throw DiagError.noInput(
                    "\(text) is not in \(bundle.url.lastPathComponent); run 'waka-diag review \(bundle.url.path) --list' to see its paths")
            }
            result.formUnion(matches)
        }
        return result.sorted()
    }

    /// Returns the root name of the next revision: `NAME-r1` for a collected bundle, `NAME-r3` after `NAME-r2`.
    public static func nextName(after root: String) -> String {
        if let dash = root.range(of: "-r", options: .backwards), let number = Int(root[dash.upperBound...]),
            number > 0, root[dash.upperBound...].allSatisfy(\.isASCIIDigit)
        {
            return "\(root[..<dash.lowerBound])-r\(number + 1)"
        }
        return root + "-r1"
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
