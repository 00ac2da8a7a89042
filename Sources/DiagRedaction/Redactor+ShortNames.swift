import DiagSupport
import Foundation

extension Redactor {
    /// Returns, for each host name in `recorded` whose first label names one machine
    /// (`isMachineLabel`), that label with the first label of the name's pseudonym: from
    /// `core-db01.vi.acme.ng` replaced by `host-16a29493.d297.example-2ac1be.ng`, the pair
    /// `core-db01` and `host-16a29493`. Operators and chat messages name a machine by its short
    /// name beside its full one (`restarting pgbouncer on core-db01`), and no rule can tell such a
    /// word from any other. The label is also given in upper and lower case, because Windows and
    /// DNS names are compared without case (`IKJ-FIN-LT042`, `ikj-fin-lt042.corp.acme.ng`).
    ///
    /// A label that `recorded` already contains keeps its own replacement. Of two host names with one
    /// first label, the first in sorted order gives the pseudonym.
    static func shortHostNames(of recorded: [String: RecordedReplacement]) -> [String: RecordedReplacement] {
        var short: [String: RecordedReplacement] = [:]
        for (original, record) in recorded.sorted(by: { $0.key < $1.key }) where record.kind == .hostname {
            guard let dot = original.firstIndex(of: "."), let pseudonymDot = record.replacement.firstIndex(of: ".") else {
                continue
            }
            let label = original[..<dot]
            let pseudonymLabel = String(record.replacement[..<pseudonymDot])
            guard isMachineLabel(label), hasPseudonymShape(pseudonymLabel) else { continue }
            for spelling in Set([String(label), label.lowercased(), label.uppercased()])
            where recorded[spelling] == nil && short[spelling] == nil {
                short[spelling] = RecordedReplacement(rule: record.rule, kind: .hostname, replacement: pseudonymLabel)
            }
        }
        return short
    }

    /// Returns whether the first label of a host name is specific enough to name that machine
    /// where it is alone. It needs at least `minimumSiteWordLength` bytes of ASCII letters, digits
    /// and inner hyphens, with two letters and two digits or more (`core-db01`, `sql-fin01`,
    /// `IKJ-FIN-LT042`). Labels of letters alone (`checkout`, `payments`) are words of the
    /// service's own vocabulary, and labels with one digit (`api-v2`, `lagos-dc1`) name versions
    /// and sites as often as machines.
    static func isMachineLabel(_ label: Substring) -> Bool {
        let bytes = label.utf8
        guard bytes.count >= minimumSiteWordLength, bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else {
            return false
        }
        var letters = 0
        var digits = 0
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): letters += 1
            case UInt8(ascii: "-"): continue
            default: return false
            }
        }
        return letters >= 2 && digits >= 2 && !genericValues.contains(label.lowercased())
    }

    /// Records each short host name of `short` that occurs in `data` as a replacement of the log,
    /// so that `unmap` turns the bare label pseudonym back into the machine's short name and
    /// `rules explain` lists it.
    func recordShortHostNames(_ short: [String: RecordedReplacement], foundIn data: Data, log: inout RedactionLog) {
        for (name, record) in Self.lowerCaseFirst(short) where data.range(of: Data(name.utf8)) != nil {
            log.record(original: name, pseudonym: record.replacement, kind: .hostname, rule: record.rule)
        }
    }

    /// Returns the short host names of `recorded` (`shortHostNames(of:)`) and records each in the
    /// map, for a sweep over files that this redactor does not read itself.
    func recordShortHostNames(of recorded: [String: RecordedReplacement]) -> [String: RecordedReplacement] {
        let short = Self.shortHostNames(of: recorded)
        guard !short.isEmpty else { return short }
        var log = RedactionLog(file: "paths")
        for (name, record) in Self.lowerCaseFirst(short) { log.map.record(pseudonym: record.replacement, original: name, kind: .hostname) }
        commit(log)
        return short
    }

    /// Returns the pairs of `short` in a fixed order, lower-case spellings first. The map keeps the
    /// first spelling recorded for a pseudonym, so `unmap` gives the lower-case one.
    static func lowerCaseFirst(_ short: [String: RecordedReplacement]) -> [(String, RecordedReplacement)] {
        short.sorted { ($0.key != $0.key.lowercased() ? 1 : 0, $0.key) < ($1.key != $1.key.lowercased() ? 1 : 0, $1.key) }
            .map { ($0.key, $0.value) }
    }

    /// The identifier kinds whose values, replaced in a file's text, are also replaced in the name
    /// of its copy (`sweepFileNames`).
    static let fileNameSweepKinds = siteIdentifierKinds + [.hostname]

    /// Returns `names` with the host, tenant, user and customer values that this redactor replaced
    /// in any file's text so far replaced where they are whole tokens. The short names of those
    /// hosts are replaced too, and each replacement is counted under the matching entry of `files`.
    /// File names are redacted before the files are read (`redactFileName`), so a machine named by
    /// a key inside the file (`Machine: IKJ-FIN-LT042` in `PowerShell_transcript.IKJ-FIN-LT042.txt`)
    /// is only known afterwards. The values come from the pseudonym map of this run and are filtered as the
    /// site sweep filters them (`sweepSiteIdentifiers(from:)`): no key names, no user names of
    /// letters alone, no words shorter than `minimumSiteWordLength` letters.
    public func sweepFileNames(_ names: [String], files: [String]) -> [String] {
        let ruleIDs = sweepRuleIDs(for: Self.fileNameSweepKinds)
        // A run's map can hold tens of thousands of values. Only those that occur in a name, in
        // any letter case, or whose first label does (a host's short name), go into the sweep.
        // The search lowers the case of a value only when it has a capital, because most have none.
        let haystack = Array(names.joined(separator: "/").lowercased().utf8)
        func occurs(_ text: Substring) -> Bool {
            guard text.utf8.count >= LeakScanner.minimumLength, text.utf8.count <= haystack.count else { return false }
            let needle = text.utf8.contains { $0 >= 0x41 && $0 <= 0x5A } ? Array(text.lowercased().utf8) : Array(text.utf8)
            return haystack.withUnsafeBufferPointer { Self.find(needle, in: $0, from: 0, to: $0.count) != nil }
        }
        var candidates: [(pseudonym: String, kind: RuleKind, rule: String, originals: [String])] = []
        for (pseudonym, entry) in pseudonymMap.entries {
            guard let kind = RuleKind(rawValue: entry.kind), let rule = ruleIDs[kind] else { continue }
            let found = entry.originals.filter { original in
                occurs(original[...]) || (kind == .hostname && original.firstIndex(of: ".").map { occurs(original[..<$0]) } == true)
            }
            if !found.isEmpty { candidates.append((pseudonym, kind, rule, found)) }
        }
        // Sorted, so that of two pseudonyms recorded for one original the first always wins.
        var recorded: [String: RecordedReplacement] = [:]
        for candidate in candidates.sorted(by: { $0.pseudonym < $1.pseudonym }) {
            for original in candidate.originals where recorded[original] == nil && !original.contains(candidate.pseudonym) {
                guard Self.isSweptEverywhere(original, kind: candidate.kind), !isKeyName(original, kind: candidate.kind) else { continue }
                recorded[original] = RecordedReplacement(rule: candidate.rule, kind: candidate.kind, replacement: candidate.pseudonym)
            }
        }
        let short = Self.shortHostNames(of: recorded)
        let sweep = KnownValueSweep(recorded: recorded.merging(short) { own, _ in own })
        guard !sweep.isEmpty else { return names }
        var log = RedactionLog(file: "paths")
        defer { commit(log) }
        return zip(names, files).map { name, file in
            let (swept, counts) = sweep.apply(to: Data(name.utf8))
            guard !counts.isEmpty else { return name }
            for (rule, count) in counts { log.report.add(rule: rule, file: file, count: count) }
            recordShortHostNames(short, foundIn: Data(name.utf8), log: &log)
            return String(decoding: swept, as: UTF8.self)
        }
    }
}
