import DiagCollect
import DiagSupport
import Foundation

/// Writes `SUMMARY.md`, the page a support engineer reads first. It is built only from files that
/// were already redacted, so it cannot carry anything the rest of the bundle does not.
struct SummaryDocument {
    var settings: CollectionSettings
    var sources: [Manifest.SourceSummary]
    var files: [String: BundleFile]
    var leftOut: [LeftOutFile]
    var replacements: Int
    /// Files cut by the size budget; they are also in `leftOut`.
    var cut: [SizeBudget.CutFile] = []
    var budgetMet = true
    var tenantReport: TenantGuardReport?

    func markdown() -> String {
        var lines: [String] = []
        lines.append("# Diagnostics bundle \(settings.bundleName)")
        lines.append("")
        lines.append("| | |")
        lines.append("|---|---|")
        lines.append("| Site | \(settings.site) |")
        lines.append("| Deployment mode | \(settings.mode.rawValue) |")
        lines.append("| Region | \(settings.region) |")
        lines.append(
            "| Window | \(Timestamp.format(settings.window.start)) to \(Timestamp.format(settings.window.end)) (\(DurationText.format(settings.window.end.timeIntervalSince(settings.window.start)))) |"
        )
        lines.append("| Collected | \(Timestamp.format(settings.now)) |")
        lines.append("| Replacements made by redaction | \(replacements) (see redaction/report.json) |")
        if let tenantReport { lines.append("| Tenants | \(cell(tenantReport.sentence)) |") }
        if let budget = settings.sizeBudgetBytes {
            var state = "met"
            if !budgetMet {
                state = "not met: the files that are always kept exceed it"
            } else if !cut.isEmpty {
                state = "met after cutting \(cut.count) files"
            }
            lines.append("| Size budget | \(ByteCount.format(budget)), \(state) |")
        }
        lines.append("")

        lines.append("## Sources")
        lines.append("")
        lines.append("| Source | Endpoint | Status | Time | Documents | Reason |")
        lines.append("|---|---|---|---|---|---|")
        for source in sources {
            let time = String(format: "%.1f s", source.durationSeconds)
            lines.append(
                "| \(source.name) | \(cell(source.endpoint)) | \(source.status.rawValue) | \(time) | \(source.documents) | \(cell(source.reason ?? "")) |"
            )
        }
        lines.append("")

        lines.append(contentsOf: replicaSection())
        lines.append(contentsOf: alertSection())
        lines.append(contentsOf: metricSection())

        if !cut.isEmpty {
            lines.append("## Cut by the size budget")
            lines.append("")
            for item in cut { lines.append("- `\(item.path)` (\(item.bytes) bytes)") }
            lines.append("")
        }

        let otherLeftOut = leftOut.filter { item in !cut.contains { $0.path == item.path && item.source == "size-budget" } }
        if !otherLeftOut.isEmpty {
            lines.append("## Left out")
            lines.append("")
            for item in otherLeftOut { lines.append("- `\(item.path)` (\(item.source)): \(item.reason)") }
            lines.append("")
        }

        lines.append("## Files")
        lines.append("")
        for path in files.keys.sorted() {
            lines.append("- `\(path)` (\(files[path]!.data.count) bytes)")
        }
        lines.append("- `\(BundleLayout.summary)`, `\(BundleLayout.manifest)`")
        lines.append("")
        lines.append("Verify with `waka-diag verify BUNDLE --public-key KEY.pub` or `minisign -Vm BUNDLE -p KEY.pub`.")
        return lines.joined(separator: "\n") + "\n"
    }

    private func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    /// Calls out config drift and version skew between replicas of one component.
    private func replicaSection() -> [String] {
        guard let file = files["collection/replicas.json"], let document = try? JSONValue.parse(file.data),
            let components = document["components"]?.arrayValue, !components.isEmpty
        else { return [] }
        var lines = ["## Replicas", ""]
        for component in components {
            let name = component["component"]?.stringValue ?? "?"
            let count = component["replicas"]?.arrayValue?.count ?? 0
            var findings: [String] = []
            if component["version_skew"] == .bool(true) {
                let versions = (component["versions"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", ")
                findings.append("version skew (\(versions))")
            }
            if component["config_drift"] == .bool(true) {
                let keys = (component["config_differences"]?.arrayValue ?? []).compactMap(\.stringValue).prefix(10)
                findings.append("config drift in \(keys.joined(separator: ", "))")
            }
            lines.append("- \(name): \(count) replicas, " + (findings.isEmpty ? "same version and config" : findings.joined(separator: "; ")))
        }
        lines.append("")
        return lines
    }

    /// Lists alerts from the history document: name, severity, state, how often and how long they fired.
    private func alertSection() -> [String] {
        guard let file = files["alerts/prometheus-history.json"], let history = try? JSONValue.parse(file.data),
            let alerts = history["alerts"]?.arrayValue, !alerts.isEmpty
        else { return [] }
        let intervals = history["intervals"]?.arrayValue ?? []
        // "Intervals of" is the state the intervals record (firing or pending); "Now" shows
        // whether one of them was still open when the window ended.
        var lines = [
            "## Alert history", "", "| Alert | Severity | Intervals of | Intervals | Time in that state | Now |",
            "|---|---|---|---|---|---|",
        ]
        for alert in alerts.prefix(30) {
            let name = alert["alertname"]?.stringValue ?? "?"
            let severity = intervals.first { $0["alertname"]?.stringValue == name }?["severity"]?.stringValue ?? ""
            let count = alert["interval_count"]?.intValue ?? 0
            let seconds = alert["total_seconds"]?.doubleValue ?? 0
            let state = alert["state"]?.stringValue ?? ""
            let now = (alert["open_count"]?.intValue ?? 0) > 0 ? "still \(state)" : "ended"
            let time = seconds < 1 ? "under 1s" : DurationText.format(seconds)
            lines.append("| \(cell(name)) | \(cell(severity)) | \(cell(state)) | \(count) | \(time) | \(now) |")
        }
        lines.append("")
        return lines
    }

    private func metricSection() -> [String] {
        guard let file = files["metrics/summary.json"], let summary = try? JSONValue.parse(file.data),
            let queries = summary["queries"]?.arrayValue, !queries.isEmpty
        else { return [] }
        var lines = ["## Metric summaries", "", "| Query | Series | Min | Mean | Max | Last |", "|---|---|---|---|---|---|"]
        for query in queries {
            let name = query["name"]?.stringValue ?? "?"
            let series = query["series"]?.arrayValue ?? []
            guard let first = series.first else {
                lines.append("| \(cell(name)) | 0 | | | | |")
                continue
            }
            let stats = first["stats"] ?? first
            func show(_ key: String) -> String {
                guard let value = stats[key]?.doubleValue else { return "" }
                return String(format: "%.4g", value)
            }
            lines.append("| \(cell(name)) | \(series.count) | \(show("min")) | \(show("mean")) | \(show("max")) | \(show("last")) |")
        }
        lines.append("")
        return lines
    }
}
