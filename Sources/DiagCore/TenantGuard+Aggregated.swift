import DiagCollect
import DiagSupport
import Foundation

extension TenantGuard {
    /// Replaces a per-tenant label value in aggregated alert history.
    static let aggregatedMarker = "<redacted:aggregated>"

    /// Removes per-tenant series and label values from one source's documents: metric series
    /// with a per-tenant label are dropped and counted, and alert history keeps each interval
    /// with its per-tenant label values replaced.
    func aggregate(_ result: SourceResult, report: inout TenantGuardReport) -> SourceResult {
        var result = result
        result.documents = result.documents.map { document in
            guard case .json(let value) = document.content else { return document }
            var counts = TenantGuardReport.Counts()
            let name = (document.path as NSString).lastPathComponent
            var content = document.content
            if document.path.hasPrefix("metrics/"), name == "summary.json" {
                content = .json(Self.dropPerTenantSeries(value, dropped: &counts.perTenantSeries))
            } else if Self.isAlertHistory(document.path) {
                content = .json(Self.removePerTenantLabels(value, removed: &counts.perTenantLabelValues))
            }
            report.add(counts, path: document.path)
            var guarded = document
            guarded.content = content
            return guarded
        }
        return result
    }

    /// Drops every series of `metrics/summary.json` whose labels include a per-tenant label, and
    /// adds the drops to the document's own counts of dropped series.
    static func dropPerTenantSeries(_ document: JSONValue, dropped: inout Int) -> JSONValue {
        guard case .object(var members) = document, let queries = members["queries"]?.arrayValue else { return document }
        var droppedHere = 0
        members["queries"] = .array(
            queries.map { query -> JSONValue in
                guard case .object(var fields) = query, let series = fields["series"]?.arrayValue else { return query }
                var kept: [JSONValue] = []
                var because = Set((fields["dropped_because_of_labels"]?.arrayValue ?? []).compactMap(\.stringValue))
                for entry in series {
                    let labels = entry["labels"]?.objectValue?.keys.filter { TenantScope.perTenantLabels.contains($0.lowercased()) } ?? []
                    if labels.isEmpty {
                        kept.append(entry)
                    } else {
                        because.formUnion(labels)
                    }
                }
                let removed = series.count - kept.count
                guard removed > 0 else { return query }
                droppedHere += removed
                fields["series"] = .array(kept)
                fields["dropped_series"] = JSONValue(Int(fields["dropped_series"]?.intValue ?? 0) + removed)
                fields["dropped_because_of_labels"] = .array(because.sorted().map { .string($0) })
                return .object(fields)
            })
        if droppedHere > 0 {
            members["dropped_series_total"] = JSONValue(Int(members["dropped_series_total"]?.intValue ?? 0) + droppedHere)
        }
        dropped += droppedHere
        return .object(members)
    }

    /// Replaces the values of per-tenant labels in every interval's labels.
    static func removePerTenantLabels(_ document: JSONValue, removed: inout Int) -> JSONValue {
        guard case .object(var members) = document, let intervals = members["intervals"]?.arrayValue else { return document }
        members["intervals"] = .array(
            intervals.map { interval -> JSONValue in
                guard case .object(var fields) = interval, case .object(var labels)? = fields["labels"] else { return interval }
                for key in labels.keys.sorted() where TenantScope.perTenantLabels.contains(key.lowercased()) {
                    guard labels[key] != .string(aggregatedMarker) else { continue }
                    labels[key] = .string(aggregatedMarker)
                    removed += 1
                }
                fields["labels"] = .object(labels)
                return .object(fields)
            })
        return .object(members)
    }
}
