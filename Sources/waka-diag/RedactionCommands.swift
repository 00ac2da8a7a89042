import DiagCore
import DiagRedaction
import DiagSupport
import Foundation

/// Options shared by the commands that load the ruleset and the pseudonym key.
enum RedactionSetup {
    static let options: Set<String> = ["rules", "extra-rules", "pseudonym-key", "pseudonym-map"]

    static func rulesPath(_ arguments: Arguments) throws -> URL {
        if let path = arguments.value("rules") { return URL(fileURLWithPath: path) }
        return try ShareDirectory.require().appendingPathComponent(ShareDirectory.defaultRuleset)
    }

    static func ruleset(_ arguments: Arguments) throws -> Ruleset {
        let base = try rulesPath(arguments)
        let layers = arguments.all("extra-rules").map { URL(fileURLWithPath: $0) }
        // A missing file is named with the option that gave it, so the operator knows which to fix.
        if arguments.value("rules") != nil, !FileManager.default.fileExists(atPath: base.path) {
            throw DiagError.noInput("--rules \(base.path) does not exist; pass the base ruleset, or leave --rules out to use the shipped one")
        }
        for layer in layers where !FileManager.default.fileExists(atPath: layer.path) {
            throw DiagError.noInput("--extra-rules \(layer.path) does not exist; check the path of the layer")
        }
        return try Ruleset.load(default: base, extra: layers)
    }

    static func pseudonymKeyPath(_ arguments: Arguments) -> URL {
        URL(fileURLWithPath: arguments.value("pseudonym-key") ?? FileSafety.userDataFolder().appendingPathComponent("pseudonym.key").path)
    }

    static func pseudonymMapPath(_ arguments: Arguments) -> URL {
        URL(fileURLWithPath: arguments.value("pseudonym-map") ?? FileSafety.userDataFolder().appendingPathComponent("pseudonyms.json").path)
    }
}

enum RedactCommand {
    static let command = Command(
        name: "redact", summary: "redact any file with the same rules and pseudonym key",
        help: """
            usage: waka-diag redact FILE... --out DIR [--rules PATH] [--extra-rules PATH]
                                   [--allowlist-mode] [--pseudonym-key PATH] [--pseudonym-map PATH]

            Writes a redacted copy of each FILE into DIR, using the ruleset and the site's
            pseudonym key, so the pseudonyms match those in bundles from this site. The copy keeps
            the file's name, with any identifier in it replaced as in the text
            (db7.acme-bank.ng.log becomes a host pseudonym followed by .log). A machine, tenant or
            user in the name that only a file's text gives away (Machine: IKJ-FIN-LT042) is
            replaced once the copies are written, and a name another copy has gets -2 before its
            extension. The command prints each copy's path.
            A file up to 4 MiB is redacted whole: a value found by key is also replaced where it
            appears on its own on other lines. Larger text files are streamed in blocks of lines, so
            any size works with bounded memory; there a value found by key is replaced elsewhere
            on its own line only, and larger JSON Lines files (.jsonl, .ndjson) are redacted
            line by line as JSON. YAML and JSON files are read whole (up to 64 MiB) and redacted
            by key. Several files are redacted in parallel, one per processor.

            Before anything is written, a FILE that does not exist, cannot be read or is not a
            regular file stops the command with exit 66, and a copy that already exists in DIR
            with exit 73. A file that cannot be redacted (binary, invalid UTF-8, a line over
            8 MiB, malformed YAML or JSON) is not written; the command names it, says how to make
            it redactable (convert it to UTF-8, split long lines, fix the YAML) and exits 65.
            Two inputs whose copies would have one name stop the command with exit 64.
            Prints on stderr the replacements per rule (with several files, also per file) and a
            warning for each place in a copy that still looks like a secret no rule replaced (a
            random-looking value after a key such as password, or a long base64 or hex run),
            with its file and line but never its value.

            With several files that are each redacted whole, a value found by key in one file is
            also replaced in the others, so a file's copy can depend on the files redacted with
            it. Redact a file on its own to get the copy it gives alone.

            The pseudonyms of the local map (--pseudonym-map) are reserved before redacting, so a
            value whose pseudonym an earlier run gave to another value is re-keyed to a free one,
            and its tenant, user, customer, host and email pseudonyms found in a FILE are kept
            as they are, so a copy redacted again comes out the same.
            The tenant, user and customer values of the map, which earlier runs replaced by
            their keys, are also replaced wherever they stand as whole tokens, such as a tenant
            in an index or topic name, with the pseudonym the map gives them.
            The new pairs are added to the map. --allowlist-mode turns allowlist mode on whatever
            the rulesets set: in a YAML or JSON file that an allowlist covers, every value outside
            the allowlist's key paths is replaced.
            """,
        run: { raw in
            let arguments = try Arguments(
                raw, options: RedactionSetup.options.union(["out"]), flags: ["allowlist-mode"], command: "redact")
            guard !arguments.positional.isEmpty else {
                throw DiagError.usage("'redact' needs at least one FILE; run 'waka-diag help redact'")
            }
            let out = URL(fileURLWithPath: try arguments.required("out", command: "redact"))
            try OutputFolder.check(out, option: "--out")
            // A missing or unreadable input fails the command before anything is created.
            var sizes: [Int] = []
            for path in arguments.positional {
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                    throw DiagError.noInput("\(path) does not exist; check the path of the file to redact")
                }
                guard !isFolder.boolValue else {
                    throw DiagError.noInput("\(path) is a folder; pass the files in it, for example \(path)/*.log")
                }
                // A symbolic link is read through, because Kubernetes node logs (/var/log/containers)
                // are links to the container runtime's files. The copy keeps the link's name.
                let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
                let attributes = (try? FileManager.default.attributesOfItem(atPath: target)) ?? [:]
                guard attributes[.type] as? FileAttributeType == .typeRegular else {
                    let described = target == path ? path : "\(path) (a link to \(target))"
                    throw DiagError.noInput("\(described) is not a regular file (a pipe, socket or device); save its content to a file and redact that")
                }
                guard FileManager.default.isReadableFile(atPath: path) else {
                    throw DiagError.noInput("cannot read \(path): permission denied; check the file's mode")
                }
                sizes.append((attributes[.size] as? Int) ?? Int.max)
            }
            var ruleset = try RedactionSetup.ruleset(arguments)
            if arguments.has("allowlist-mode") { ruleset.allowlistMode = true }
            let secret = try SiteSecret.loadOrCreate(at: RedactionSetup.pseudonymKeyPath(arguments))
            let pseudonymizer = Pseudonymizer(secret: secret)
            let siteMap = try CollectionRun.loadPseudonymMap(at: RedactionSetup.pseudonymMapPath(arguments))
            // With several files that are each redacted whole, the values found by key in each are
            // swept from the others, as `collect` does, so the redactor keeps them. A pattern finds
            // its values in every file anyway. A streamed file replaces a value found by key on its
            // own line only, so with one among the files no sweep runs.
            let sweepsAcrossFiles = sizes.count > 1
                && zip(arguments.positional, sizes).allSatisfy { Redactor.redactsWhole(file: $0.0, size: $0.1) }
            if sizes.count > 1, !sweepsAcrossFiles {
                Terminal.err("note: a file is larger than \(Redactor.streamWholeTextBytes >> 20) MiB and is streamed, so a value found by key is replaced on its own line only: it is not swept into that file's other lines nor across the files. Redact the small files in a separate command to sweep them, and add a value that must go everywhere as a keyword in an --extra-rules layer")
            }
            let redactor = Redactor(
                ruleset: ruleset, pseudonymizer: pseudonymizer, retainsReplacedValues: sweepsAcrossFiles,
                retainsKeyRuleValuesOnly: true)
            // Only the map's pseudonyms of shapes no real value has are kept: keeping all of them
            // would also keep a real address that happens to equal an old address pseudonym.
            redactor.useSiteMap(siteMap)
            // A copy's name is redacted like its content, so a name that carries a host, an
            // account number or a known tenant does not leave with the copy.
            var jobs = try arguments.positional.map { path -> (input: URL, target: URL) in
                let input = URL(fileURLWithPath: path)
                let target = out.appendingPathComponent(
                    redactor.redactFileName(input.lastPathComponent, file: input.lastPathComponent))
                guard input.standardizedFileURL.path != target.standardizedFileURL.path else {
                    throw DiagError(.cannotCreate, "refusing to overwrite \(path) with its redacted copy; choose another --out folder")
                }
                guard !FileManager.default.fileExists(atPath: target.path) else {
                    throw DiagError(.cannotCreate, "\(target.path) already exists; remove it or choose another --out folder")
                }
                return (input, target)
            }
            let names = jobs.map { $0.target.lastPathComponent }
            if let repeated = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
                let inputs = jobs.filter { $0.target.lastPathComponent == repeated }.map(\.input.path)
                throw DiagError.usage("\(inputs.joined(separator: " and ")) would both be copied to \(out.appendingPathComponent(repeated).path); redact them into separate --out folders")
            }
            let createdFolder = !FileManager.default.fileExists(atPath: out.path)
            try FileSafety.createFolder(out, mode: 0o700)

            // One file per processor; the redactor is thread-safe and merges counts under a lock.
            let errors = ErrorSlots(count: jobs.count)
            DispatchQueue.concurrentPerform(iterations: jobs.count) { index in
                let job = jobs[index]
                do {
                    try redactor.redactStream(from: job.input, to: job.target, file: job.input.lastPathComponent)
                } catch let error as RedactionError {
                    errors.set(index, error.cause + "; no redacted copy was written" + (error.fix.map { "; " + $0 } ?? ""))
                } catch {
                    errors.set(index, error.operatorMessage)
                }
            }

            let swept = sweepsAcrossFiles ? Self.sweepAcrossFiles(jobs.map(\.target), redactor: redactor, errors: errors) : [:]
            jobs = Self.renameCopies(jobs, redactor: redactor, errors: errors)

            // Each copy is read once more for likely secrets that no rule replaced, as `collect`
            // does for a bundle. The warnings name the place, never the value.
            var residual: [[ResidualWarning]] = Array(repeating: [], count: jobs.count)
            var omitted = Array(repeating: 0, count: jobs.count)
            let residualLock = NSLock()
            DispatchQueue.concurrentPerform(iterations: jobs.count) { index in
                guard errors.get(index) == nil,
                    let found = try? ResidualScanner.scanFile(at: jobs[index].target, name: jobs[index].input.lastPathComponent)
                else { return }
                residualLock.lock()
                residual[index] = found.warnings
                omitted[index] = found.omitted
                residualLock.unlock()
            }

            var failed = 0
            for (index, job) in jobs.enumerated() {
                if let message = errors.get(index) {
                    Terminal.error("\(job.input.path): \(message)")
                    failed += 1
                } else {
                    Terminal.out(job.target.path)
                }
            }
            Self.printResidualWarnings(residual, omitted: omitted, targets: jobs.map(\.target))
            // A folder this run created and left empty is removed, so a failed run leaves nothing.
            if createdFolder, failed == jobs.count, (try? FileManager.default.contentsOfDirectory(atPath: out.path))?.isEmpty == true {
                try? FileManager.default.removeItem(at: out)
            }
            try redactor.pseudonymMap.save(to: RedactionSetup.pseudonymMapPath(arguments))
            // A streamed file that failed part way has counts for the blocks before the failure,
            // but no copy, so its counts are left out.
            let failedNames = Set(jobs.indices.filter { errors.get($0) != nil }.map { jobs[$0].input.lastPathComponent })
            var totals = redactor.report.counts
                .mapValues { files in files.filter { !failedNames.contains($0.key) }.values.reduce(0, +) }
                .filter { $0.value > 0 }
            totals.merge(swept, uniquingKeysWith: +)
            if jobs.count > 1 {
                // Counts per file, then per rule over all files. `rules explain FILE` lists one file's matches.
                var perFile: [String: Int] = [:]
                for byFile in redactor.report.counts.values {
                    for (file, count) in byFile { perFile[file, default: 0] += count }
                }
                Terminal.err("replacements per file:")
                // Each line names the copy, whose name is redacted, because a summary gets pasted
                // into tickets; the counts are kept under the input's name.
                for (index, job) in jobs.enumerated() where errors.get(index) == nil {
                    let count = perFile[job.input.lastPathComponent] ?? 0
                    Terminal.err("\(String(count).padding(toLength: 7, withPad: " ", startingAt: 0)) \(job.target.lastPathComponent)")
                }
                if !swept.isEmpty {
                    Terminal.err("\(String(swept.values.reduce(0, +)).padding(toLength: 7, withPad: " ", startingAt: 0)) more, by the sweep across the files")
                }
                Terminal.err("replacements per rule, all files:")
            }
            for (rule, count) in totals.sorted(by: { $0.key < $1.key }) {
                Terminal.err("\(String(count).padding(toLength: 7, withPad: " ", startingAt: 0)) \(rule)")
            }
            // `collect` records switched-off rules in the manifest. A copy has no manifest, so
            // the operator reads them here before sharing it.
            for rule in ruleset.rules where !rule.enabled {
                Terminal.err("note: rule \(rule.id) is switched off (\(rule.reason ?? "no reason given")), so what only it finds was left in the copies")
            }
            return failed == 0 ? .success : .dataError
        })

    /// The maximum number of residual warnings printed for one file; the rest are counted.
    static let printedWarningsPerFile = 20

    /// Prints, on stderr, where each redacted copy still contains something that looks like a
    /// secret, and how to check it.
    static func printResidualWarnings(_ warnings: [[ResidualWarning]], omitted: [Int], targets: [URL]) {
        let total = warnings.reduce(0) { $0 + $1.count } + omitted.reduce(0, +)
        guard total > 0 else { return }
        for (index, found) in warnings.enumerated() where !found.isEmpty || omitted[index] > 0 {
            for warning in found.prefix(printedWarningsPerFile) {
                Terminal.err(
                    "warning: \(targets[index].path):\(warning.line): \(warning.kind.rawValue), \(warning.length) bytes"
                        + (warning.contextKey.map { " after \($0)" } ?? "") + ", that no rule replaced")
            }
            let more = max(0, found.count - printedWarningsPerFile) + omitted[index]
            if more > 0 { Terminal.err("warning: \(targets[index].path): \(more) more like these") }
        }
        Terminal.err("check the lines named above before sharing the copies; add a rule or keyword in an --extra-rules layer for what should not leave, and redact again")
    }

    /// Replaces, in each redacted copy in `targets` whose job did not fail, the values that
    /// `redactor` replaced in any of the files, and returns the replacements per rule id. A
    /// copy that cannot be swept counts as failed, and is removed so that no copy with a known
    /// value is left behind.
    /// Renames each copy whose name still contains a host, tenant, user or customer value that a
    /// rule replaced in the text of any copy (`Redactor.sweepFileNames`). A new name that another
    /// copy or file in the folder has already gets `-2`, `-3` and so on before its extension.
    static func renameCopies(_ jobs: [(input: URL, target: URL)], redactor: Redactor, errors: ErrorSlots) -> [(input: URL, target: URL)] {
        let names = redactor.sweepFileNames(jobs.map(\.target.lastPathComponent), files: jobs.map(\.input.lastPathComponent))
        var jobs = jobs
        var copyNames = Set(jobs.map(\.target.lastPathComponent))
        for index in jobs.indices where errors.get(index) == nil && names[index] != jobs[index].target.lastPathComponent {
            let folder = jobs[index].target.deletingLastPathComponent()
            let name = FileSafety.freeName(names[index]) { candidate in
                copyNames.contains(candidate) || FileManager.default.fileExists(atPath: folder.appendingPathComponent(candidate).path)
            }
            let target = folder.appendingPathComponent(name)
            do {
                try FileManager.default.moveItem(at: jobs[index].target, to: target)
                copyNames.insert(name)
                jobs[index].target = target
            } catch {
                try? FileManager.default.removeItem(at: jobs[index].target)
                errors.set(index, "cannot rename the copy to \(target.path): \(error.operatorMessage); the copy was removed, because its name contains a replaced value")
            }
        }
        return jobs
    }

    static func sweepAcrossFiles(_ targets: [URL], redactor: Redactor, errors: ErrorSlots) -> [String: Int] {
        guard targets.count > 1 else { return [:] }
        let sweep = KnownValueSweep(redactor: redactor)
        guard !sweep.isEmpty else { return [:] }
        let counts = CountSlots()
        DispatchQueue.concurrentPerform(iterations: targets.count) { index in
            guard errors.get(index) == nil else { return }
            do {
                counts.add(try sweep.apply(toFileAt: targets[index]))
            } catch {
                try? FileManager.default.removeItem(at: targets[index])
                errors.set(index, error.operatorMessage + "; the copy was removed")
            }
        }
        return counts.total
    }

    /// Replacement counts per rule id, added from several threads.
    final class CountSlots: @unchecked Sendable {
        private let lock = NSLock()
        private var counts: [String: Int] = [:]

        func add(_ more: [String: Int]) {
            lock.lock()
            counts.merge(more, uniquingKeysWith: +)
            lock.unlock()
        }

        var total: [String: Int] {
            lock.lock()
            defer { lock.unlock() }
            return counts
        }
    }

    /// Error messages by job index, written from several threads.
    final class ErrorSlots: @unchecked Sendable {
        private let lock = NSLock()
        private var messages: [String?]

        init(count: Int) { messages = Array(repeating: nil, count: count) }

        func set(_ index: Int, _ message: String) {
            lock.lock()
            messages[index] = message
            lock.unlock()
        }

        func get(_ index: Int) -> String? {
            lock.lock()
            defer { lock.unlock() }
            return messages[index]
        }
    }
}

enum UnmapCommand {
    static let command = Command(
        name: "unmap", summary: "turn pseudonyms from support back into this site's values",
        help: """
            usage: waka-diag unmap (TOKEN | --file PATH) [--pseudonym-map PATH]

            Looks pseudonyms up in the local map that 'collect' and 'redact' keep on this machine
            (default ~/.local/share/waka-diag/pseudonyms.json) and prints the original values:
            for one TOKEN, its original; for --file, the whole text with every known pseudonym
            replaced. The map never leaves this machine. Exits 1 when a TOKEN is not in the map.

            A pseudonym that the map records for more than one value is ambiguous: for a TOKEN,
            stderr says so and stdout lists every candidate, one per line, and the command exits
            1 because no single original can be given; with --file it becomes
            [ambiguous PSEUDONYM: VALUE | VALUE] in the text.
            """,
        run: { raw in
            let arguments = try Arguments(raw, options: ["pseudonym-map", "file"], flags: [], command: "unmap")
            // A marker is never in any map, so this check runs before the map is loaded.
            if arguments.value("file") == nil, arguments.positional.count == 1,
                let reason = UnmapCommand.unmappableMarkerReason(arguments.positional[0])
            {
                Terminal.error("'\(arguments.positional[0])' \(reason)")
                return .checkFailed
            }
            let mapPath = RedactionSetup.pseudonymMapPath(arguments)
            guard FileManager.default.fileExists(atPath: mapPath.path) else {
                throw DiagError.noInput(
                    "there is no pseudonym map at \(mapPath.path); collect and redact write it on this machine. Pass --pseudonym-map PATH if they wrote it elsewhere")
            }
            let map = try PseudonymMap.load(from: mapPath)
            if let file = arguments.value("file") {
                let data = try FileSafety.read(URL(fileURLWithPath: file))
                try AuditLog.append(
                    action: "unmap", bundleSHA256: Sodium.sha256(data).hexString, destination: nil,
                    details: ["file": .string(URL(fileURLWithPath: file).lastPathComponent)])
                FileHandle.standardOutput.write(Data(map.unmap(text: String(decoding: data, as: UTF8.self)).utf8))
                return .success
            }
            guard arguments.positional.count == 1 else {
                throw DiagError.usage("'unmap' needs one TOKEN or --file PATH; run 'waka-diag help unmap'")
            }
            let token = arguments.positional[0]
            try AuditLog.append(
                action: "unmap", bundleSHA256: Sodium.sha256(Data(token.utf8)).hexString, destination: nil,
                details: ["token_count": 1])
            let candidates = map.originals(for: token)
            if candidates.count > 1 {
                Terminal.err(
                    "'\(token)' is ambiguous: the pseudonym map \(RedactionSetup.pseudonymMapPath(arguments).path) records \(candidates.count) values for it, one per line on stdout")
                for candidate in candidates { Terminal.out(candidate) }
                return .checkFailed
            }
            guard let original = map.original(for: token) else {
                Terminal.error("'\(token)' is not in the pseudonym map \(RedactionSetup.pseudonymMapPath(arguments).path); it was made on another machine or with another pseudonym key")
                return .checkFailed
            }
            Terminal.out(original)
            return .success
        })

    /// Returns why `token` can never be in the map, or nil when it could be. Markers of secrets
    /// and of removed values are never recorded; markers of other kinds are.
    static func unmappableMarkerReason(_ token: String) -> String? {
        guard token.hasPrefix("<redacted:"), token.hasSuffix(">") else { return nil }
        let fields = token.dropFirst("<redacted:".count).dropLast().split(separator: ":", omittingEmptySubsequences: false)
        if fields.count == 2, let kind = RuleKind(rawValue: String(fields[0])), !kind.isSecret {
            return nil
        }
        return "is a redaction marker for a secret or a removed value: these are never recorded in the "
            + "pseudonym map, so no original can be shown; look the value up where it came from"
    }
}
