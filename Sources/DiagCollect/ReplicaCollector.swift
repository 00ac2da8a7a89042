import Foundation

/// Collects one replica of a component (one Prometheus of an HA pair, one of three Loki
/// replicas) and labels its result, so that replicas of one component can share a bundle.
///
/// Replica 1 keeps the plain document paths, so a single-replica site and the first replica of
/// a pair produce the same bundle layout. Replica N > 1 has `replica-N/` inserted before the
/// file name: `prometheus/buildinfo.json` becomes `prometheus/replica-2/buildinfo.json` and
/// `config/loki/loki.yaml` becomes `config/loki/replica-2/loki.yaml`.
public struct ReplicaCollector: Collector {
    public let base: any Collector
    /// The 1-based replica number.
    public let replicaNumber: Int

    public init(_ base: any Collector, replica: Int) {
        self.base = base
        self.replicaNumber = max(1, replica)
    }

    public var name: String { base.name }
    public var kind: String { base.kind }
    public var replica: Int? { replicaNumber }
    public var endpointDescription: String { base.endpointDescription }

    public func plannedRequests() -> [String] {
        base.plannedRequests()
    }

    public func collect(window: CollectionWindow, deadline: Date) async -> SourceResult {
        var result = await base.collect(window: window, deadline: deadline)
        result.replica = replicaNumber
        result.documents = result.documents.map { document in
            CollectedDocument(path: Self.path(document.path, replica: replicaNumber), content: document.content)
        }
        return result
    }

    /// Returns the bundle path of `path` for `replica`.
    public static func path(_ path: String, replica: Int) -> String {
        guard replica > 1 else { return path }
        var parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        parts.insert("replica-\(replica)", at: max(parts.count - 1, 0))
        return parts.joined(separator: "/")
    }

    /// Returns the source name of `replica` of `component`: the component name for replica 1,
    /// `component-replica-N` after it.
    public static func sourceName(_ component: String, replica: Int) -> String {
        replica > 1 ? "\(component)-replica-\(replica)" : component
    }
}
