import Foundation

extension Redactor {
    /// The kinds whose originals in the site's pseudonym map are swept from every file. Rules find
    /// these values only by context (a `tenant_id` key, a `/users/` path), so a later file can
    /// contain one where no rule matches it: in an index name (`logs-acme-bank-2026.12.01`), a
    /// Kubernetes namespace or a Kafka topic. Pattern rules find addresses, host names and emails
    /// by their shape anywhere.
    public static let siteIdentifierKinds: [RuleKind] = [.tenantID, .userID, .customerID]

    /// The minimum length of a value made of letters alone that later runs sweep.
    static let minimumSiteWordLength = 6

    /// Loads, from the site's pseudonym map, the originals of `siteIdentifierKinds`. Each is then
    /// replaced, wherever it is a whole token in a file this redactor writes, by the pseudonym the
    /// map gives it. So a tenant that an earlier run replaced by its key does not leak from a later
    /// file through a resource name, and support gets the same pseudonym for it everywhere.
    ///
    /// Only kinds that an enabled rule of the ruleset replaces are taken, so switching a rule off
    /// (with its stated reason) also stops the sweep of its kind. Values shorter than
    /// `LeakScanner.minimumLength` bytes and generic account names are left out, as the sweep of
    /// one run leaves them out. So are user names made of letters alone, which are most often
    /// service accounts (`ussd`, `payout`), and other words of fewer than `minimumSiteWordLength`
    /// letters: swept in every later run, they would rewrite service and metric names
    /// (`payout_latency_seconds`). So are key names that a rule reads (`tenant_id`), which an
    /// earlier run took for a value. Returns the number of originals loaded.
    ///
    /// `redactFile(name:data:sweepsKnownValues:)` with `sweepsKnownValues`, streaming, and
    /// `KnownValueSweep(redactor:)` (the sweep of a whole bundle) apply them. The leak check before
    /// sealing does not look for them: they come from earlier runs, not from this one's files.
    @discardableResult
    public func sweepSiteIdentifiers(from map: PseudonymMap) -> Int {
        let ruleIDs = sweepRuleIDs(for: Self.siteIdentifierKinds)
        var identifiers: [String: RecordedReplacement] = [:]
        // Sorted, so that of two pseudonyms recorded for one original the first always wins.
        let swept = map.entries.compactMap { pseudonym, entry in
            RuleKind(rawValue: entry.kind).flatMap { ruleIDs[$0] } == nil ? nil : pseudonym
        }
        for pseudonym in swept.sorted() {
            guard let entry = map.entries[pseudonym], let kind = RuleKind(rawValue: entry.kind), let rule = ruleIDs[kind] else {
                continue
            }
            // An original that is itself a pseudonym came from redacting a copy again; sweeping it
            // would replace the site's own pseudonym in every later file.
            for original in entry.originals
            where identifiers[original] == nil && !original.contains(pseudonym) && map.entries[original] == nil
                && !Self.hasPseudonymShape(original)
            {
                identifiers[original] = RecordedReplacement(rule: rule, kind: kind, replacement: pseudonym)
            }
        }
        let sweepable = identifiers.filter { original, record in
            // An earlier run took a key name for a value (`tenant_id` under a template's `tenant:`
            // key). Swept, it would rename that key in every later file.
            Self.isSweptEverywhere(original, kind: record.kind) && !isKeyName(original, kind: record.kind)
        }
        setSiteIdentifiers(sweepable)
        return sweepable.count
    }

    /// Returns, for each of `kinds` that an enabled rule replaces, the id of the rule that a sweep
    /// counts values of that kind under: the rule named after the kind, else the first such rule.
    /// Switching off every rule of a kind leaves the kind out, and so switches off its sweep.
    func sweepRuleIDs(for kinds: some Sequence<RuleKind>) -> [RuleKind: String] {
        var ruleIDs: [RuleKind: String] = [:]
        for kind in kinds {
            let rules = ruleset.enabledRules.filter { $0.kind == kind }
            if let rule = rules.first(where: { $0.id == kind.rawValue }) ?? rules.first { ruleIDs[kind] = rule.id }
        }
        return ruleIDs
    }

    /// Returns whether `value`, replaced as `kind`, is specific enough to replace wherever it
    /// occurs as a whole token in files where no rule found it. It must be identifying
    /// (`KnownValueSweep.isIdentifying`). It must not be a user name of letters alone, nor another
    /// word of fewer than `minimumSiteWordLength` letters. A user name that is one word is most often a
    /// service account named after its service (`User=payout`, `psql -U recon`), and the
    /// service's name is all over other files (`internal/recon/`, `payout_latency_seconds`).
    static func isSweptEverywhere(_ value: String, kind: RuleKind) -> Bool {
        guard KnownValueSweep.isIdentifying(value, kind: kind) else { return false }
        guard KnownValueSweep.isLetters(value) else { return true }
        return kind != .userID && value.utf8.count >= minimumSiteWordLength
    }

    /// Prepares this redactor for the site's pseudonym map, as `collect`, `redact` and
    /// `rules explain` use it. Reserves every pseudonym of `map` (`Pseudonymizer.reserve`), keeps
    /// the shaped ones and loads the site sweep (`sweepSiteIdentifiers(from:)`).
    ///
    /// A pseudonym whose shape no real value has (`tenant-3f9a1c20`, `host-…`, an email
    /// pseudonym's domain) is kept as it is wherever a rule would match it. So redacting a copy
    /// that is already redacted changes nothing and adds no pseudonym of a pseudonym to the map.
    /// Addresses, MAC addresses and phone numbers have real shapes, and a real value could equal
    /// one of their pseudonyms, so those are only reserved.
    public func useSiteMap(_ map: PseudonymMap) {
        pseudonymizer.reserve(map)
        rememberValues(Self.keptValues(of: map, shapedOnly: true))
        sweepSiteIdentifiers(from: map)
    }

    /// Returns whether `value` has the shape of an identifier pseudonym: a known prefix, a hyphen
    /// and eight lower-case hex digits (`tenant-564b9427`).
    static func hasPseudonymShape(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { ResidualScanner.isPseudonym($0, start: 0, count: $0.count) }
    }

    /// Returns `output` with the site's known identifiers swept from it, counted in `log`, or
    /// `output` itself when nothing was found or the swept copy fails `stillParses`.
    func applySiteSweep(_ output: Data, log: inout RedactionLog, stillParses: (Data) -> Bool = { _ in true }) -> Data {
        guard let sweep = siteSweep else { return output }
        let (swept, counts) = sweep.apply(to: output)
        guard !counts.isEmpty, stillParses(swept) else { return output }
        for (rule, count) in counts { log.report.add(rule: rule, file: log.file, count: count) }
        return swept
    }
}

extension Redactor {
    /// Returns a file or folder name with its identifiers replaced as the rules and the site's
    /// known identifiers replace them in text, counted under `file` in the report. Characters other
    /// than letters, digits and `-_.@+=` become `_`, so the name is a valid archive path component
    /// that needs no quoting in a shell. `.`, `..` and an empty result become `_`.
    ///
    /// A final extension from `fileNameExtensions` is set aside first and put back after, so a
    /// rule cannot take it as part of a value: `ada.obi@acme-bank.ng.txt` would otherwise read as
    /// an email address whose domain ends in `.txt`.
    public func redactFileName(_ name: String, file: String = "paths") -> String {
        var stem = Substring(name)
        var fileExtension = ""
        if let dot = name.lastIndex(of: "."), dot > name.startIndex,
            Self.fileNameExtensions.contains(name[name.index(after: dot)...].lowercased())
        {
            stem = name[..<dot]
            fileExtension = String(name[dot...])
        }
        var log = RedactionLog(file: file)
        var redacted = (try? redactText(String(stem), log: &log)) ?? "_"
        redacted = (try? redactGluedHosts(in: redacted, log: &log)) ?? "_"
        redacted = String(decoding: applySiteSweep(Data(redacted.utf8), log: &log), as: UTF8.self) + fileExtension
        commit(log)
        let safe = redacted.unicodeScalars.map { scalar -> Character in
            let allowed = CharacterSet.alphanumerics.contains(scalar) || "-_.@+=".unicodeScalars.contains(scalar)
            return allowed && scalar.isASCII ? Character(scalar) : "_"
        }
        let text = String(safe)
        return text == "." || text == ".." || text.isEmpty ? "_" : text
    }

    /// Returns a redacted file name stem with the host names glued to a word replaced too. The
    /// stem is cut at each `_`, and a part with a dot is cut again at the first `-` after its last
    /// dot, so `core-db01.acme.ng-postgresql` reads as a host and a word. The whole stem was
    /// redacted before, so an email or host that spans a cut is gone already, and parts holding
    /// a pseudonym are kept as they are.
    func redactGluedHosts(in stem: String, log: inout RedactionLog) throws -> String {
        guard stem.contains(".") else { return stem }
        let parts = stem.split(separator: "_", omittingEmptySubsequences: false)
        var redacted: [String] = []
        for part in parts {
            // A part the first pass replaced is left alone: its pseudonym must not be read again.
            guard part.contains("."), !Self.containsPseudonymText(part) else {
                redacted.append(String(part))
                continue
            }
            if let lastDot = part.lastIndex(of: "."), let hyphen = part[lastDot...].firstIndex(of: "-") {
                redacted.append(try redactText(String(part[..<hyphen]), log: &log) + String(part[hyphen...]))
            } else if parts.count > 1 {
                redacted.append(try redactText(String(part), log: &log))
            } else {
                redacted.append(String(part))
            }
        }
        return redacted.joined(separator: "_")
    }

    /// Returns whether `text` contains a marker or a pseudonym this tool writes (`host-1a2b3c4d`,
    /// `example-5e6f7a`).
    static func containsPseudonymText(_ text: Substring) -> Bool {
        var text = String(text)
        return text.contains("<redacted:") || text.withUTF8 { ResidualScanner.containsPseudonym($0, start: 0, count: $0.count) }
    }

    /// Extensions of the files operators redact that are no top-level domain, so setting them
    /// aside never hides the end of a host name.
    static let fileNameExtensions: Set<String> = [
        "log", "txt", "json", "jsonl", "ndjson", "yaml", "yml", "csv", "tsv", "conf", "cfg", "ini", "env", "xml",
        "har", "out", "err", "toml", "properties", "dump", "trace", "tfstate", "hcl", "sql", "tar", "gz", "tgz", "zip",
        "pdf", "bak", "html", "htm",
    ]
}
