import DiagSupport
import Foundation

/// Compares the replicas of each component collected in one run and finds configuration drift
/// (different effective configurations) and version skew (different versions).
///
/// Configurations are compared after parsing, so formatting and key order do not count, and
/// without the keys in `expectedDifferences`, such as Prometheus' `global.external_labels`
/// that HA pairs set apart on purpose. The document lists key paths and digests only, never
/// configuration values.
public struct ReplicaComparison: Sendable, Equatable {
    /// The version and configuration digest of one replica.
    public struct Replica: Sendable, Equatable {
        public var name: String
        public var replica: Int
        public var status: SourceStatus
        public var version: String?
        /// The first 16 hex digits of the configuration's keyed SHA-256, or nil without one.
        public var configDigest: String?
    }

    public var component: String
    public var replicas: [Replica]
    /// The distinct versions reported, sorted.
    public var versions: [String]
    /// Key paths whose values differ between replicas, at most `maximumDifferences`.
    public var configDifferences: [String]
    /// Differing key paths under `expectedDifferences`, which do not count as drift.
    public var expectedDifferences: [String]
    /// Replicas that could not be compared, with the reason.
    public var notCompared: [String: String]

    public var versionSkew: Bool { versions.count > 1 }
    public var configDrift: Bool { !configDifferences.isEmpty }

    /// The maximum key paths listed per component.
    public static let maximumDifferences = 25
    /// Key path prefixes that replicas of a component may set apart on purpose.
    public static let expectedDifferences: [String: [String]] = ["prometheus": ["global.external_labels"]]

    /// Compares every component with more than one replica among `results`, in component order.
    ///
    /// `digestKey` keys the configuration digests, so a digest in a shared bundle cannot confirm a
    /// guessed configuration. Pass the site's pseudonym secret; nil gives plain SHA-256.
    public static func compare(_ results: [SourceResult], digestKey: [UInt8]?) -> [ReplicaComparison] {
        let groups = Dictionary(grouping: results.filter { $0.replica != nil }, by: \.kind)
        return groups.keys.sorted().compactMap { kind in
            let members = groups[kind]!.sorted { ($0.replica ?? 0) < ($1.replica ?? 0) }
            return members.count > 1 ? compare(kind: kind, members: members, digestKey: digestKey) : nil
        }
    }

    static func compare(kind: String, members: [SourceResult], digestKey: [UInt8]?) -> ReplicaComparison {
        let ignored = expectedDifferences[kind] ?? []
        var replicas: [Replica] = []
        var configs: [(name: String, value: JSONValue)] = []
        var notCompared: [String: String] = [:]

        for result in members {
            let fingerprint = ReplicaFingerprint(result)
            var config = fingerprint.configuration
            if let value = config { config = removing(ignored, from: value) }
            replicas.append(
                Replica(
                    name: result.name, replica: result.replica ?? 1, status: result.status, version: fingerprint.version,
                    configDigest: config.map { digest($0, key: digestKey) }))
            if let config {
                configs.append((result.name, config))
            } else {
                notCompared[result.name] = "no configuration collected (source status \(result.status.rawValue))"
            }
        }

        var differences: Set<String> = []
        var expected: Set<String> = []
        if let reference = configs.first {
            for other in configs.dropFirst() {
                differences.formUnion(JSONDifference.paths(reference.value, other.value))
            }
            let originals = members.compactMap { ReplicaFingerprint($0).configuration }
            if let first = originals.first {
                for other in originals.dropFirst() {
                    expected.formUnion(
                        JSONDifference.paths(first, other).filter { path in ignored.contains { path.hasPrefix($0) } })
                }
            }
        }
        return ReplicaComparison(
            component: kind, replicas: replicas,
            versions: Array(Set(replicas.compactMap(\.version))).sorted(),
            configDifferences: Array(differences.sorted().prefix(maximumDifferences)),
            expectedDifferences: Array(expected.sorted().prefix(maximumDifferences)),
            notCompared: notCompared)
    }

    /// Builds `collection/replicas.json`, or nil when no component has several replicas.
    public static func document(_ comparisons: [ReplicaComparison]) -> CollectedDocument? {
        guard !comparisons.isEmpty else { return nil }
        let components: [JSONValue] = comparisons.map(\.json)
        return CollectedDocument(path: "collection/replicas.json", content: .json(["components": .array(components)]))
    }

    public var json: JSONValue {
        [
            "component": .string(component),
            "replicas": .array(
                replicas.map {
                    [
                        "name": .string($0.name), "replica": JSONValue($0.replica), "status": .string($0.status.rawValue),
                        "version": $0.version.map { .string($0) } ?? .null,
                        "config_digest": $0.configDigest.map { .string($0) } ?? .null,
                    ]
                }),
            "versions": .array(versions.map { .string($0) }),
            "version_skew": .bool(versionSkew),
            "config_drift": .bool(configDrift),
            "config_differences": .array(configDifferences.map { .string($0) }),
            "expected_differences": .array(expectedDifferences.map { .string($0) }),
            "not_compared": .object(notCompared.mapValues { .string($0) }),
        ]
    }

    // MARK: Helpers

    static func digest(_ value: JSONValue, key: [UInt8]?) -> String {
        let text = value.serialized(pretty: false)
        let bytes = key.map { Sodium.hmacSHA256(key: $0, message: text) } ?? Sodium.sha256(text)
        return String(bytes.hexString.prefix(16))
    }

    /// Removes the members at the dotted `paths` (such as `global.external_labels`).
    static func removing(_ paths: [String], from value: JSONValue) -> JSONValue {
        var result = value
        for path in paths {
            result = removing(path.split(separator: ".").map(String.init)[...], from: result)
        }
        return result
    }

    private static func removing(_ keys: ArraySlice<String>, from value: JSONValue) -> JSONValue {
        guard let first = keys.first, var members = value.objectValue else { return value }
        if keys.count == 1 {
            members.removeValue(forKey: first)
        } else if let child = members[first] {
            members[first] = removing(keys.dropFirst(), from: child)
        }
        return .object(members)
    }
}
