import DiagCore
import DiagCrypto
import DiagSupport
import Foundation

enum ReviewCommand {
    static let options: Set<String> = [
        "show", "diff", "exclude", "out", "secret-key", "reason", "redact-keyword", "extra-rules", "pseudonym-key",
        "pseudonym-map", "encrypt-to", "rules",
    ]
    static let flags: Set<String> = ["list", "json", "force"]

    static let command = Command(
        name: "review", summary: "read, compare or reseal a bundle before deciding to share it",
        help: """
            usage: waka-diag review BUNDLE [--list | --show PATH] [--json]
                   waka-diag review BUNDLE --diff OTHER_BUNDLE [--force] [--json]
                   waka-diag review BUNDLE --exclude PATH [--exclude PATH]... [--reason TEXT]
                                    --out DIR --secret-key PATH [--json]
                   waka-diag review BUNDLE --redact-keyword WORD... [--extra-rules FILE]... [--rules PATH]
                                    [--pseudonym-key PATH] [--pseudonym-map PATH]
                                    --out DIR --secret-key PATH [--json]

            Without options, prints a summary: site, mode, region, window, each source's status,
            the files with their sizes, replacements per rule, residual redaction warnings, what
            was left out and what a size budget cut. Reading a bundle writes nothing to disk.
              --list               list every file with its size and SHA-256
              --show PATH          print one file of the bundle (a path as --list shows it)
              --json               print the summary, comparison or result as JSON
              --diff OTHER_BUNDLE  show what changed from BUNDLE to OTHER_BUNDLE: files added,
                                   removed and changed, source status, alert names, replacements
                                   per rule; both must come from the same site unless --force

            Resealing writes a NEW signed bundle into DIR, named like BUNDLE with -r1 (then -r2...)
            appended; BUNDLE itself is never changed. Its manifest lists what was left out and why,
            and SUMMARY.md and report.html are rebuilt from the remaining files.
              --exclude PATH       leave out a file, or every file below a folder; repeatable, and
                                   a comma-separated list works too. manifest.json, redaction/*
                                   and collection/errors.json cannot be left out
              --reason TEXT        why, recorded in the manifest's left_out (default: left out by
                                   the operator during review)
              --redact-keyword WORD
                                   replace WORD wherever it stands as a whole word, ignoring case,
                                   in every file and path; repeatable. The new bundle is checked
                                   to contain none of the words, and records only their count
              --extra-rules FILE   apply an operator ruleset file to every file; repeatable
              --rules PATH         the base ruleset applied again under the words and extra rules
                                   (default: the shipped Redaction/default.yaml, as for 'collect')
              --pseudonym-key PATH the site's pseudonym key, so new pseudonyms match the site's
                                   (default ~/.local/share/waka-diag/pseudonym.key)
              --pseudonym-map PATH the site's pseudonym map: its pseudonyms are kept as they are
                                   when the base ruleset runs again, and new ones are added to it
                                   for 'unmap' (default ~/.local/share/waka-diag/pseudonyms.json).
                                   It must exist, except for a bundle collected with
                                   --fresh-pseudonyms, which gets only the words and extra rules
              --out DIR            folder for the new bundle and its .minisig
              --secret-key PATH    minisign secret key that signs the new bundle
              --encrypt-to RECIPIENT
                                   also write the new bundle encrypted to this age recipient
                                   (age1...; repeatable) as NAME.tar.gz.age, signed as
                                   NAME.tar.gz.age.minisig
            """,
        run: run)

    static func run(_ raw: [String]) async throws -> ExitStatus {
        let arguments = try Arguments(raw, options: options, flags: flags, command: "review")
        guard arguments.positional.count == 1 else {
            throw DiagError.usage("'review' needs exactly one BUNDLE path; run 'waka-diag help review'")
        }
        let exclusions = arguments.all("exclude").flatMap { $0.split(separator: ",").map(String.init) }
        let reseals = !exclusions.isEmpty || !arguments.all("redact-keyword").isEmpty || !arguments.all("extra-rules").isEmpty
        let modes = [arguments.value("show") != nil, arguments.has("list"), arguments.value("diff") != nil, reseals]
        guard modes.filter({ $0 }).count <= 1 else {
            throw DiagError.usage(
                "'review' does one thing at a time: choose one of --show, --list, --diff, or resealing with --exclude, --redact-keyword or --extra-rules")
        }
        let bundle = try OpenedBundle.open(URL(fileURLWithPath: arguments.positional[0]))

        if let path = arguments.value("show") {
            guard let data = bundle.files[bundle.normalizedPath(path)] else {
                throw DiagError.noInput("\(path) is not in \(bundle.url.lastPathComponent); run 'waka-diag review \(bundle.url.path) --list'")
            }
            FileHandle.standardOutput.write(data)
            return .success
        }
        if arguments.has("list") {
            let paths = bundle.files.keys.sorted()
            if arguments.has("json") {
                let files = paths.map { path -> JSONValue in
                    let data = bundle.files[path]!
                    return ["path": .string(path), "size": JSONValue(data.count), "sha256": .string(Sodium.sha256(data).hexString)]
                }
                Terminal.out(JSONValue.object(["bundle": .string(bundle.root), "files": .array(files)]).serializedString())
                return .success
            }
            // The text listing shows the first 16 hex digits of each SHA-256; --json gives all 64.
            for path in paths {
                let data = bundle.files[path]!
                Terminal.out("\(String(data.count).padding(toLength: 10, withPad: " ", startingAt: 0)) \(Sodium.sha256(data).hexString.prefix(16))  \(path)")
            }
            return .success
        }
        if let other = arguments.value("diff") {
            let diff = try BundleDiff.compare(bundle, try OpenedBundle.open(URL(fileURLWithPath: other)), force: arguments.has("force"))
            Terminal.out(arguments.has("json") ? diff.jsonValue.serializedString() : diff.lines().joined(separator: "\n"))
            return .success
        }
        if reseals {
            return try reseal(bundle, exclusions: exclusions, arguments: arguments)
        }

        let report = bundle.json(BundleLayout.redactionReport)
        if arguments.has("json") {
            Terminal.out(
                JSONValue.object([
                    "manifest": bundle.manifest, "redaction": report ?? .null,
                    "warnings": bundle.json(warningsPath) ?? .null,
                    "checks": .array(bundle.checks.map { ["check": .string($0.name), "passed": .bool($0.passed), "detail": .string($0.detail)] }),
                ]).serializedString())
        } else {
            printSummary(bundle, report: report)
        }
        return bundle.checks.allSatisfy(\.passed) ? .success : .checkFailed
    }

    static let warningsPath = "redaction/warnings.json"

    static func reseal(_ bundle: OpenedBundle, exclusions: [String], arguments: Arguments) throws -> ExitStatus {
        let redacts = !arguments.all("redact-keyword").isEmpty || !arguments.all("extra-rules").isEmpty
        let request = BundleRewriter.Request(
            exclude: exclusions, reason: arguments.value("reason"), keywords: arguments.all("redact-keyword"),
            extraRules: arguments.all("extra-rules").map { URL(fileURLWithPath: $0) },
            rules: redacts ? try RedactionSetup.rulesPath(arguments) : nil,
            pseudonymKey: RedactionSetup.pseudonymKeyPath(arguments), pseudonymMap: RedactionSetup.pseudonymMapPath(arguments),
            outputFolder: try Self.checkedOutputFolder(try arguments.required("out", command: "review")),
            secretKey: URL(fileURLWithPath: try arguments.required("secret-key", command: "review")))

        let cleanup = TemporaryFiles()
        let interrupts = InterruptHandler(cleanup: cleanup)
        interrupts.install()
        defer { interrupts.uninstall() }
        let outcome = try BundleRewriter.rewrite(bundle, request: request, cleanup: cleanup)
        try AuditLog.append(
            action: "reseal", bundleSHA256: outcome.sha256, destination: nil,
            details: [
                "bundle": .string(outcome.bundle.lastPathComponent), "resealed_from": .string(bundle.url.lastPathComponent),
                "excluded": JSONValue(request.exclude.count), "keywords": JSONValue(request.keywords.count),
            ])
        var encrypted: URL?
        let recipients = arguments.all("encrypt-to")
        if !recipients.isEmpty {
            encrypted = try BundleSealer.encrypt(
                BundleSealer.Sealed(bundle: outcome.bundle, signature: outcome.signature, sha256: outcome.sha256),
                recipients: recipients, secretKey: try KeyFiles.loadSecretKey(at: request.secretKey),
                trustedComment: "file:\(outcome.bundle.lastPathComponent).age\thashed", cleanup: cleanup)
        }

        if arguments.has("json") {
            var document = outcome.jsonValue
            if case .object(var members) = document {
                members["encrypted"] = encrypted.map { .string($0.path) } ?? .null
                document = .object(members)
            }
            Terminal.out(document.serializedString())
            return .success
        }
        for item in outcome.leftOut { Terminal.err("left out \(item.path): \(item.reason)") }
        if redacts {
            Terminal.err("\(outcome.replacements) replacements by the review's rules in \(outcome.redactedFiles.count) files")
            if outcome.replacements == 0 {
                Terminal.warning("the review's words and rules occur nowhere in \(bundle.url.lastPathComponent); check their spelling, or keep the old bundle")
            }
            printReappliedRuleset(outcome.reappliedRuleset)
        }
        Terminal.err("\(outcome.fileCount) files; \(bundle.url.lastPathComponent) was not changed")
        Terminal.out(outcome.bundle.path)
        Terminal.err("signature: \(outcome.signature.path)")
        if let encrypted { Terminal.err("encrypted: \(encrypted.path)") }
        return .success
    }

    static func checkedOutputFolder(_ path: String) throws -> URL {
        let url = URL(fileURLWithPath: path)
        try OutputFolder.check(url, option: "--out")
        return url
    }

    /// Tells the operator which base ruleset ran again, or why none did.
    static func printReappliedRuleset(_ reapplied: BundleRewriter.ReappliedRuleset?) {
        guard let reapplied else {
            Terminal.err("the bundle was collected with fresh pseudonyms and has no pseudonym map, so only the new words and rules were applied")
            return
        }
        Terminal.err("applied \(reapplied.file.path) again, keeping the \(reapplied.rememberedPseudonyms) pseudonyms of the site's map")
        if !reapplied.matchesCollection {
            Terminal.warning("\(reapplied.file.path) is not the ruleset file the bundle was collected with (its SHA-256 differs from the manifest's ruleset.sha256)")
        }
    }

    static func printSummary(_ bundle: OpenedBundle, report: JSONValue?) {
        let manifest = bundle.manifest
        let text = { (key: String) in manifest[key]?.stringValue ?? "?" }
        Terminal.out("bundle  \(text("bundle"))")
        Terminal.out("site    \(text("site"))    mode \(text("mode"))    region \(text("region"))")
        Terminal.out("window  \(manifest["window"]?["start"]?.stringValue ?? "?") to \(manifest["window"]?["end"]?.stringValue ?? "?")")
        if let parent = manifest["resealed_from"]?["bundle"]?.stringValue { Terminal.out("resealed from \(parent)") }

        Terminal.out("")
        Terminal.out("sources:")
        for source in manifest["sources"]?.arrayValue ?? [] {
            let name = (source["name"]?.stringValue ?? "?").padding(toLength: 16, withPad: " ", startingAt: 0)
            let status = (source["status"]?.stringValue ?? "?").padding(toLength: 17, withPad: " ", startingAt: 0)
            Terminal.out("  \(name) \(status) \(source["reason"]?.stringValue ?? "")")
        }

        Terminal.out("")
        Terminal.out("files (\(bundle.files.count)):")
        for path in bundle.files.keys.sorted() {
            Terminal.out("  \(String(bundle.files[path]!.count).padding(toLength: 9, withPad: " ", startingAt: 0)) \(path)")
        }
        if let rules = report?["rules"]?.objectValue, !rules.isEmpty {
            Terminal.out("")
            Terminal.out("replacements per rule:")
            for id in rules.keys.sorted() {
                Terminal.out("  \(String(rules[id]?["total"]?.intValue ?? 0).padding(toLength: 7, withPad: " ", startingAt: 0)) \(id)")
            }
        }

        printEntries("residual redaction warnings (\(warningsPath)); read these before sharing:", bundle.json(warningsPath))
        printEntries("cut by the size budget:", manifest["cut"])
        let leftOut = manifest["left_out"]?.arrayValue ?? []
        if !leftOut.isEmpty {
            Terminal.out("")
            Terminal.out("left out:")
            for item in leftOut {
                Terminal.out("  \(item["path"]?.stringValue ?? "?") (\(item["source"]?.stringValue ?? "?")): \(item["reason"]?.stringValue ?? "")")
            }
        }
        Terminal.out("")
        for check in bundle.checks where !check.passed { Terminal.out("FAIL \(check.name): \(check.detail)") }
        Terminal.out("Read any file with: waka-diag review BUNDLE --show PATH")
    }

    /// Prints a list of records under `title`, whatever fields they have. `value` is a list of
    /// objects or an object that contains one; nothing is printed when it is absent or empty.
    static func printEntries(_ title: String, _ value: JSONValue?) {
        guard let value else { return }
        var items = value.arrayValue ?? []
        if items.isEmpty, let members = value.objectValue {
            items = members.keys.sorted().compactMap { members[$0]?.arrayValue }.first ?? (members.isEmpty ? [] : [value])
        }
        guard !items.isEmpty else { return }
        Terminal.out("")
        Terminal.out(title)
        for item in items {
            Terminal.out("  " + describe(item))
        }
    }

    /// Formats one record as a line: where (path or file), what (rule, kind or type), how much and why.
    static func describe(_ item: JSONValue) -> String {
        guard item.objectValue != nil else { return item.serializedString(pretty: false) }
        func first(_ keys: [String]) -> String? {
            for key in keys {
                if let value = item[key], value != .null {
                    return value.stringValue ?? value.serializedString(pretty: false)
                }
            }
            return nil
        }
        let parts = [
            first(["path", "file", "document", "source"]), first(["rule", "kind", "type", "query"]),
            first(["bytes", "size", "count", "original_bytes"]).map { "(\($0))" }, first(["reason", "message", "detail", "description"]),
        ].compactMap { $0 }
        return parts.isEmpty ? item.serializedString(pretty: false) : parts.joined(separator: " ")
    }
}
