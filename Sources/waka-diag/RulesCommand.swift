import DiagCore
import DiagRedaction
import DiagSupport
import Foundation

enum RulesCommand {
    static let command = Command(
        name: "rules", summary: "list, check and test redaction rulesets",
        help: """
            usage: waka-diag rules list    [--rules PATH] [--extra-rules PATH]
                   waka-diag rules check   FILE [--extra-rules PATH]
                   waka-diag rules test    FILE [--extra-rules PATH]
                   waka-diag rules explain FILE [--rules PATH] [--extra-rules PATH]
                                                [--pseudonym-key PATH] [--pseudonym-map PATH]
                                                [--allowlist-mode]

            list   prints a table of the rules: id, kind, how it detects, enabled
            check  loads FILE, checks it against the ruleset schema and compiles every pattern
            test   runs every rule's examples: each 'redact' example must change, each 'keep'
                   example must stay byte-identical; prints a line per failure and exits 1
            explain a dry run on the data file FILE: prints each replacement with its line
                   number, the rule that fired, the original and its pseudonym, then residual
                   warnings (likely secrets no rule replaced). The output shows original values,
                   so it is for the operator's terminal only; nothing is written, and a missing
                   pseudonym key is not created (pseudonyms then differ from the site's). With
                   the site's pseudonym map it works as 'redact' does: pseudonyms of tenants,
                   users, customers, hosts and emails are kept, and the map's known identifiers
                   are swept. A line '-' is a value found only percent-encoded or escaped; a
                   value replaced only in another letter case is not listed.
                   --allowlist-mode previews 'redact --allowlist-mode'. Exits 65 when FILE
                   cannot be redacted (binary, invalid UTF-8, malformed).
            """,
        run: run)

    static func run(_ raw: [String]) async throws -> ExitStatus {
        guard let action = raw.first else {
            throw DiagError.usage("'rules' needs an action: list, check, test or explain; run 'waka-diag help rules'")
        }
        let arguments = try Arguments(
            Array(raw.dropFirst()), options: ["rules", "extra-rules", "pseudonym-key", "pseudonym-map"], flags: ["allowlist-mode"],
            command: "rules")
        let extra = arguments.all("extra-rules").map { URL(fileURLWithPath: $0) }
        func load() throws -> Ruleset {
            if let file = arguments.positional.first {
                return try Ruleset.load(default: URL(fileURLWithPath: file), extra: extra)
            }
            return try RedactionSetup.ruleset(arguments)
        }

        switch action {
        case "list":
            let ruleset = try load()
            var rows = [["id", "kind", "detects by", "enabled"]]
            for rule in ruleset.rules {
                var detection: [String] = []
                if rule.pattern != nil { detection.append(rule.validator.map { "pattern+\($0.rawValue)" } ?? "pattern") }
                if rule.keys != nil { detection.append("keys") }
                if rule.labels != nil { detection.append("labels") }
                if rule.childKeys != nil { detection.append("child-keys") }
                rows.append([rule.id, rule.kind.rawValue, detection.joined(separator: ","), rule.enabled ? "yes" : "no (\(rule.reason ?? ""))"])
            }
            // Each column is as wide as its longest cell, so no cell is cut.
            let widths = (0..<3).map { column in rows.map { $0[column].count }.max()! + 2 }
            for row in rows {
                Terminal.out((0..<3).map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined() + row[3])
            }
            if !ruleset.keywords.isEmpty { Terminal.out("plus \(ruleset.keywords.count) operator keywords") }
            return .success
        case "check":
            guard arguments.positional.count == 1 else { throw DiagError.usage("'rules check' needs one FILE") }
            let ruleset = try load()
            let layers = extra.isEmpty ? "" : " with " + extra.map { "layer \($0.path)" }.joined(separator: ", ")
            let rules = ruleset.rules.count == 1 ? "1 rule" : "\(ruleset.rules.count) rules"
            let keywords = ruleset.keywords.count == 1 ? "1 keyword" : "\(ruleset.keywords.count) keywords"
            Terminal.out("\(arguments.positional[0])\(layers): valid, \(rules) (\(ruleset.enabledRules.count) enabled), \(keywords)")
            // A ruleset without a line screen still redacts everything, only slower.
            for problem in try ruleset.screenProblems() {
                Terminal.err("warning: no line screen, so streaming runs every rule on every line: \(problem)")
            }
            // A file that switches rules off is a layer. Checked alone it is read as a base ruleset,
            // so the check does not cover the rules it switches off.
            if extra.isEmpty, ruleset.rules.contains(where: { !$0.enabled }) {
                Terminal.err(
                    "note: \(arguments.positional[0]) was checked as a base ruleset; to check it as a layer on top of the shipped rules, run: waka-diag rules check \(ShareDirectory.defaultRulesetPath()) --extra-rules \(arguments.positional[0])")
            }
            return .success
        case "test":
            guard arguments.positional.count <= 1 else { throw DiagError.usage("'rules test' takes at most one FILE") }
            return try test(load())
        case "explain":
            guard arguments.positional.count == 1 else {
                throw DiagError.usage("'rules explain' needs one FILE to dry-run; run 'waka-diag help rules'")
            }
            return try explain(URL(fileURLWithPath: arguments.positional[0]), arguments: arguments)
        default:
            throw DiagError.usage("unknown action '\(action)' for 'rules': use list, check, test or explain")
        }
    }

    /// Prints what redacting `file` would replace, without writing anything or creating a key.
    static func explain(_ file: URL, arguments: Arguments) throws -> ExitStatus {
        var ruleset = try RedactionSetup.ruleset(arguments)
        if arguments.has("allowlist-mode") { ruleset.allowlistMode = true }
        let keyPath = RedactionSetup.pseudonymKeyPath(arguments)
        let keyExists = FileManager.default.fileExists(atPath: keyPath.path)
        let secret = keyExists ? try SiteSecret.loadOrCreate(at: keyPath) : SiteSecret.ephemeral()
        let redactor = Redactor(ruleset: ruleset, pseudonymizer: Pseudonymizer(secret: secret))
        let mapPath = RedactionSetup.pseudonymMapPath(arguments)
        if keyExists, FileManager.default.fileExists(atPath: mapPath.path) {
            let map = try PseudonymMap.load(from: mapPath)
            redactor.useSiteMap(map)
        }

        let data = try FileSafety.read(file)
        let explained: (output: Data, matches: [RedactionMatch])
        do {
            explained = try redactor.explainFile(at: file, name: file.lastPathComponent, input: data)
        } catch let error as RedactionError {
            Terminal.error(error.cause + "; redact and collect would leave this file out" + (error.fix.map { "; " + $0 } ?? ""))
            return .dataError
        } catch {
            Terminal.error(error.operatorMessage)
            return .dataError
        }

        if !keyExists {
            Terminal.err("note: no pseudonym key at \(keyPath.path), so this dry run uses a throwaway key and its pseudonyms differ from the site's")
        }
        // The rule column is as wide as the longest id it shows, plus a blank.
        let ruleWidth = max(24, (explained.matches.map(\.rule.count) + [Allowlist.reportRuleID.count]).max()! + 1)
        Terminal.out("line".padding(toLength: 7, withPad: " ", startingAt: 0) + "rule".padding(toLength: ruleWidth, withPad: " ", startingAt: 0) + "original -> replacement")
        for match in explained.matches {
            let line = match.line == 0 ? "-" : String(match.line)
            Terminal.out(
                line.padding(toLength: 7, withPad: " ", startingAt: 0) + match.rule.padding(toLength: ruleWidth, withPad: " ", startingAt: 0)
                    + Self.printable(match.original) + " -> " + match.replacement)
        }
        let warnings = ResidualScanner.scan(files: [file.lastPathComponent: explained.output])
        for warning in warnings {
            Terminal.out(
                String(warning.line).padding(toLength: 7, withPad: " ", startingAt: 0)
                    + "warning: \(warning.kind.rawValue), \(warning.length) bytes" + (warning.contextKey.map { " after \($0)" } ?? "")
                    + "; no rule replaced it")
        }
        // Allowlist mode replaces values no rule names; they are counted here, not listed.
        let marker = Data(Allowlist.notAllowlistedMarker.utf8)
        let notAllowlisted = Self.count(marker, in: explained.output) - Self.count(marker, in: data)
        if notAllowlisted > 0 {
            Terminal.out("-      \(Allowlist.reportRuleID.padding(toLength: ruleWidth - 1, withPad: " ", startingAt: 0)) \(notAllowlisted) values outside the allowlist -> \(Allowlist.notAllowlistedMarker)")
        }
        Terminal.out(
            "\(explained.matches.count + max(notAllowlisted, 0)) values replaced, \(warnings.count) residual warnings; nothing was written")
        return .success
    }

    static func count(_ needle: Data, in data: Data) -> Int {
        var count = 0
        var start = data.startIndex
        while let found = data.range(of: needle, in: start..<data.endIndex) {
            count += 1
            start = found.upperBound
        }
        return count
    }

    /// Returns `text` on one line, with line breaks and other control characters escaped, and
    /// cut after 100 characters with its length in bytes, so a key block stays readable.
    static func printable(_ text: String) -> String {
        var output = ""
        if text.count > 100 {
            return printable(String(text.prefix(60))) + "… (\(text.utf8.count) bytes)"
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    output += String(format: "\\x%02x", scalar.value)
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        return output
    }

    static func test(_ ruleset: Ruleset) throws -> ExitStatus {
        let failures = ruleset.checkExamples()
        let total = ruleset.enabledRules.reduce(0) { $0 + $1.examples.redact.count + $1.examples.keep.count }
        for failure in failures { Terminal.out("FAIL \(failure)") }
        Terminal.out("\(total - failures.count) passed, \(failures.count) failed")
        return failures.isEmpty ? .success : .checkFailed
    }
}
