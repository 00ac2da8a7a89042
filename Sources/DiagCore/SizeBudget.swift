import DiagSupport
import Foundation

/// Picks the files to cut when a bundle's files take more bytes than its size budget.
///
/// The manifest, SUMMARY.md, `collection/`, `redaction/` and `alerts/` are always kept. Big raw
/// API documents (Prometheus targets, TSDB status and rules, Grafana dashboards) are cut first,
/// then other documents such as status files and `report.html`, then configs, traces, logs and
/// metrics, in that order. Within one tier the largest file goes first, so as few files as
/// possible are cut.
public enum SizeBudget {
    /// A file's cut priority. A higher tier is cut earlier.
    public enum Tier: Int, Comparable, Sendable {
        case kept = 0
        case metrics
        case logs
        case traces
        case configs
        case other
        case rawAPI

        public static func < (lhs: Tier, rhs: Tier) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// One file cut to meet the budget, as `manifest.json` records it under `cut`.
    public struct CutFile: Sendable, Equatable {
        public var path: String
        public var bytes: Int
        public var reason: String

        public var jsonValue: JSONValue {
            ["path": .string(path), "bytes": JSONValue(bytes), "reason": .string(reason)]
        }

        public var leftOut: LeftOutFile {
            LeftOutFile(path: path, source: "size-budget", reason: reason)
        }
    }

    /// File names of Prometheus' raw API documents that can be large on a big server.
    static let rawPrometheusDocuments: Set<String> = ["targets.json", "tsdb-status.json", "rules.json"]

    /// Returns the tier of a bundle path; replica folders (`replica-2/`) do not change it.
    public static func tier(of path: String) -> Tier {
        let parts = path.split(separator: "/").map(String.init)
        guard let top = parts.first, let name = parts.last else { return .other }
        if parts.count == 1 { return name == BundleLayout.manifest || name == BundleLayout.summary ? .kept : .other }
        switch top {
        case "collection", "redaction", "alerts": return .kept
        case "metrics": return .metrics
        case "logs": return .logs
        case "traces": return .traces
        case "config": return .configs
        case "prometheus" where rawPrometheusDocuments.contains(name): return .rawAPI
        case "grafana" where name.contains("dashboard"): return .rawAPI
        default: return .other
        }
    }

    /// Returns the files to cut, in cut order, that together free at least `excess` bytes; all
    /// cuttable files when even that is not enough. `sizes` maps bundle paths to their sizes.
    public static func choose(from sizes: [String: Int], excess: Int) -> [(path: String, bytes: Int)] {
        guard excess > 0 else { return [] }
        let ordered = sizes.filter { tier(of: $0.key) != .kept }.sorted { left, right in
            let leftTier = tier(of: left.key)
            let rightTier = tier(of: right.key)
            if leftTier != rightTier { return leftTier > rightTier }
            if left.value != right.value { return left.value > right.value }
            return left.key.utf8.lexicographicallyPrecedes(right.key.utf8)
        }
        var chosen: [(path: String, bytes: Int)] = []
        var freed = 0
        for (path, bytes) in ordered where freed < excess {
            chosen.append((path, bytes))
            freed += bytes
        }
        return chosen
    }

    /// Returns the reason recorded for a file cut under `budget` bytes.
    static func reason(budget: Int) -> String {
        "cut to keep the bundle's files within the size budget of \(ByteCount.format(budget)) (\(budget) bytes); raise --size-budget to keep it"
    }
}
