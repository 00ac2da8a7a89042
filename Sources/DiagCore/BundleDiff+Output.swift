import DiagSupport
import Foundation

extension BundleDiff {
    /// Formats the comparison as lines for a terminal: `+` added, `-` removed, `~` changed.
    public func lines() -> [String] {
        var lines = ["comparing \(oldBundle) (old) with \(newBundle) (new)"]
        if !originChanges.isEmpty {
            lines.append("origin:")
            for change in originChanges { lines.append("  \(change.name): \(show(change.old)) -> \(show(change.new))") }
        }

        lines.append("files: \(added.count) added, \(removed.count) removed, \(changed.count) changed, \(unchangedCount) unchanged")
        for file in added { lines.append("  + \(file.path) (\(file.size) bytes)") }
        for file in removed { lines.append("  - \(file.path) (\(file.size) bytes)") }
        for file in changed {
            lines.append("  ~ \(file.path) \(file.oldSize) -> \(file.newSize) bytes (\(signed(file.sizeDelta)))")
        }

        lines.append(sourceChanges.isEmpty ? "sources: no status changed" : "sources whose status changed:")
        for change in sourceChanges { lines.append("  \(change.name): \(show(change.old)) -> \(show(change.new))") }

        if alertsAppeared.isEmpty && alertsDisappeared.isEmpty {
            lines.append("alerts: the same alert names in both histories")
        } else {
            lines.append("alerts in alerts/prometheus-history.json:")
            if !alertsAppeared.isEmpty { lines.append("  appeared:    \(alertsAppeared.joined(separator: ", "))") }
            if !alertsDisappeared.isEmpty { lines.append("  disappeared: \(alertsDisappeared.joined(separator: ", "))") }
        }

        lines.append(replacementChanges.isEmpty ? "replacements: the same count for every rule" : "replacements per rule:")
        for change in replacementChanges {
            let delta = (Int(change.new ?? "0") ?? 0) - (Int(change.old ?? "0") ?? 0)
            lines.append("  \(change.name): \(change.old ?? "0") -> \(change.new ?? "0") (\(signed(delta)))")
        }
        return lines
    }

    public var jsonValue: JSONValue {
        func changes(_ list: [Change]) -> JSONValue {
            .array(list.map { ["name": .string($0.name), "old": $0.old.map { .string($0) } ?? .null, "new": $0.new.map { .string($0) } ?? .null] })
        }
        return [
            "old": .string(oldBundle), "new": .string(newBundle),
            "files": [
                "added": .array(added.map { ["path": .string($0.path), "size": JSONValue($0.size)] }),
                "removed": .array(removed.map { ["path": .string($0.path), "size": JSONValue($0.size)] }),
                "changed": .array(
                    changed.map {
                        ["path": .string($0.path), "old_size": JSONValue($0.oldSize), "new_size": JSONValue($0.newSize), "size_delta": JSONValue($0.sizeDelta)]
                    }),
                "unchanged": JSONValue(unchangedCount),
            ],
            "sources": changes(sourceChanges),
            "alerts": ["appeared": .array(alertsAppeared.map { .string($0) }), "disappeared": .array(alertsDisappeared.map { .string($0) })],
            "replacements": changes(replacementChanges),
            "origin": changes(originChanges),
        ]
    }

    private func show(_ value: String?) -> String { value ?? "(absent)" }

    private func signed(_ value: Int) -> String { value > 0 ? "+\(value)" : String(value) }
}
