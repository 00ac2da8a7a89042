import DiagSupport
import Foundation

/// The changes from one bundle of a site to another: files, source status, alert names and
/// replacement counts per rule. It is built from the bundles' redacted files only.
public struct BundleDiff: Sendable {
    /// A file present in both bundles whose bytes differ.
    public struct ChangedFile: Sendable, Equatable {
        public var path: String
        public var oldSize: Int
        public var newSize: Int
        public var sizeDelta: Int { newSize - oldSize }
    }

    /// A value that differs between the bundles; nil means absent on that side.
    public struct Change: Sendable, Equatable {
        public var name: String
        public var old: String?
        public var new: String?
    }

    public var oldBundle: String
    public var newBundle: String
    /// Files only in the newer bundle, with their sizes.
    public var added: [(path: String, size: Int)]
    /// Files only in the older bundle, with their sizes.
    public var removed: [(path: String, size: Int)]
    public var changed: [ChangedFile]
    public var unchangedCount: Int
    /// Sources whose status differs, or that exist on one side only.
    public var sourceChanges: [Change]
    /// Alert names in `alerts/prometheus-history.json` of the newer bundle only.
    public var alertsAppeared: [String]
    /// Alert names in `alerts/prometheus-history.json` of the older bundle only.
    public var alertsDisappeared: [String]
    /// Rules whose total replacement count differs, old and new count as text.
    public var replacementChanges: [Change]
    /// Origin fields (mode, region, window) that differ.
    public var originChanges: [Change]

    /// Compares `old` with `new`; fails when they come from different sites, unless `force`.
    public static func compare(_ old: OpenedBundle, _ new: OpenedBundle, force: Bool = false) throws -> BundleDiff {
        guard old.site == new.site || force else {
            throw DiagError(
                .dataError,
                "\(old.url.lastPathComponent) is from site '\(old.site)' and \(new.url.lastPathComponent) from site '\(new.site)'; bundles of different sites are not comparable. Pass --force to compare them anyway")
        }

        var added: [(String, Int)] = []
        var removed: [(String, Int)] = []
        var changed: [ChangedFile] = []
        var unchanged = 0
        for path in Set(old.files.keys).union(new.files.keys).sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            switch (old.files[path], new.files[path]) {
            case (nil, let after?): added.append((path, after.count))
            case (let before?, nil): removed.append((path, before.count))
            case (let before?, let after?) where before != after:
                changed.append(ChangedFile(path: path, oldSize: before.count, newSize: after.count))
            default: unchanged += 1
            }
        }

        let oldAlerts = alertNames(old)
        let newAlerts = alertNames(new)
        return BundleDiff(
            oldBundle: old.root, newBundle: new.root, added: added, removed: removed, changed: changed,
            unchangedCount: unchanged, sourceChanges: sourceChanges(old, new),
            alertsAppeared: newAlerts.subtracting(oldAlerts).sorted(),
            alertsDisappeared: oldAlerts.subtracting(newAlerts).sorted(),
            replacementChanges: replacementChanges(old, new), originChanges: originChanges(old, new))
    }

    static func sourceChanges(_ old: OpenedBundle, _ new: OpenedBundle) -> [Change] {
        func statuses(_ bundle: OpenedBundle) -> [String: String] {
            var result: [String: String] = [:]
            for source in bundle.manifest["sources"]?.arrayValue ?? [] {
                if let name = source["name"]?.stringValue { result[name] = source["status"]?.stringValue ?? "?" }
            }
            return result
        }
        let before = statuses(old)
        let after = statuses(new)
        return Set(before.keys).union(after.keys).sorted().compactMap { name in
            before[name] == after[name] ? nil : Change(name: name, old: before[name], new: after[name])
        }
    }

    /// Alert names from the history's intervals and totals; empty when the file is absent.
    static func alertNames(_ bundle: OpenedBundle) -> Set<String> {
        guard let history = bundle.json("alerts/prometheus-history.json") else { return [] }
        let entries = (history["intervals"]?.arrayValue ?? []) + (history["alerts"]?.arrayValue ?? [])
        return Set(entries.compactMap { $0["alertname"]?.stringValue })
    }

    static func replacementChanges(_ old: OpenedBundle, _ new: OpenedBundle) -> [Change] {
        func totals(_ bundle: OpenedBundle) -> [String: Int64] {
            let rules = bundle.json("redaction/report.json")?["rules"]?.objectValue ?? [:]
            return rules.compactMapValues { $0["total"]?.intValue }
        }
        let before = totals(old)
        let after = totals(new)
        return Set(before.keys).union(after.keys).sorted().compactMap { rule in
            before[rule] == after[rule] ? nil : Change(name: rule, old: before[rule].map { String($0) }, new: after[rule].map { String($0) })
        }
    }

    static func originChanges(_ old: OpenedBundle, _ new: OpenedBundle) -> [Change] {
        var changes: [Change] = []
        for field in ["site", "mode", "region"] {
            let before = old.manifest[field]?.stringValue
            let after = new.manifest[field]?.stringValue
            if before != after { changes.append(Change(name: field, old: before, new: after)) }
        }
        for edge in ["start", "end"] {
            let before = old.manifest["window"]?[edge]?.stringValue
            let after = new.manifest["window"]?[edge]?.stringValue
            if before != after { changes.append(Change(name: "window \(edge)", old: before, new: after)) }
        }
        return changes
    }

    /// Whether the two bundles contain the same files with the same bytes.
    public var filesIdentical: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }
}
