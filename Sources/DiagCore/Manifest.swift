import DiagCollect
import DiagSupport
import Foundation

/// The manifest that makes a bundle checkable: where it came from, what was collected, and the
/// size and SHA-256 of every other file in it.
public struct Manifest: Sendable {
    public static let formatVersion = 1

    public var bundleName: String
    public var toolVersion: String
    public var created: Date
    public var mode: DeploymentMode
    public var region: String
    public var site: String
    public var window: CollectionWindow
    public var sources: [SourceSummary]
    public var files: [BundleFile]
    public var leftOut: [LeftOutFile]
    public var ruleset: RulesetSummary
    public var settings: JSONValue
    public var replacements: Int
    /// Files cut by the size budget, in cut order.
    public var cut: [SizeBudget.CutFile] = []
    /// Counts of what the tenant guard removed; nil when the bundle is assembled without it.
    public var tenantScope: TenantGuardReport?

    /// One source's outcome as the manifest records it.
    public struct SourceSummary: Sendable, Equatable {
        public var name: String
        public var kind: String
        public var endpoint: String
        public var status: SourceStatus
        public var reason: String?
        public var durationSeconds: Double
        public var documents: Int

        public var jsonValue: JSONValue {
            var members: [String: JSONValue] = [
                "name": .string(name), "kind": .string(kind), "endpoint": .string(endpoint),
                "status": .string(status.rawValue), "duration_seconds": .number((durationSeconds * 1000).rounded() / 1000),
                "documents": JSONValue(documents),
            ]
            if let reason { members["reason"] = .string(reason) }
            return .object(members)
        }
    }

    /// The ruleset as the manifest records it: no pattern texts or operator keywords, only ids and digests.
    public struct RulesetSummary: Sendable, Equatable {
        public var id: String
        public var sha256: String
        public var ruleCount: Int
        public var disabled: [(id: String, reason: String)]
        public var keywordCount: Int
        /// Whether allowlist mode was on, from the rulesets or from `--allowlist-mode`.
        public var allowlistMode: Bool

        public init(
            id: String, sha256: String, ruleCount: Int, disabled: [(id: String, reason: String)], keywordCount: Int,
            allowlistMode: Bool = false
        ) {
            self.id = id
            self.sha256 = sha256
            self.ruleCount = ruleCount
            self.disabled = disabled
            self.keywordCount = keywordCount
            self.allowlistMode = allowlistMode
        }

        public static func == (lhs: RulesetSummary, rhs: RulesetSummary) -> Bool {
            lhs.id == rhs.id && lhs.sha256 == rhs.sha256 && lhs.ruleCount == rhs.ruleCount
                && lhs.keywordCount == rhs.keywordCount && lhs.disabled.map(\.id) == rhs.disabled.map(\.id)
                && lhs.allowlistMode == rhs.allowlistMode
        }

        var jsonValue: JSONValue {
            [
                "id": .string(id), "sha256": .string(sha256), "rules": JSONValue(ruleCount),
                "operator_keywords": JSONValue(keywordCount), "allowlist_mode": .bool(allowlistMode),
                "disabled": .array(disabled.map { ["id": .string($0.id), "reason": .string($0.reason)] }),
            ]
        }
    }

    public var jsonValue: JSONValue {
        var document = baseJSON
        if !cut.isEmpty { document = document.adding("cut", .array(cut.map(\.jsonValue))) }
        if let tenantScope { document = document.adding("tenant_scope", tenantScope.jsonValue) }
        return document
    }

    private var baseJSON: JSONValue {
        [
            "schema": .string(BundleLayout.manifestSchema),
            "format_version": JSONValue(Self.formatVersion),
            "bundle": .string(bundleName),
            "tool": ["name": "waka-diag", "version": .string(toolVersion)],
            "created": .string(Timestamp.format(created)),
            "mode": .string(mode.rawValue),
            "region": .string(region),
            "site": .string(site),
            "window": [
                "start": .string(Timestamp.format(window.start)), "end": .string(Timestamp.format(window.end)),
                "seconds": JSONValue(Int(window.end.timeIntervalSince(window.start).rounded())),
            ],
            "sources": .array(sources.map(\.jsonValue)),
            "files": .array(
                files.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }.map { file in
                    ["path": .string(file.path), "size": JSONValue(file.data.count), "sha256": .string(file.sha256)]
                }),
            "left_out": .array(leftOut.map(\.jsonValue)),
            "ruleset": ruleset.jsonValue,
            "redaction": ["replacements": JSONValue(replacements), "report": .string(BundleLayout.redactionReport)],
            "settings": settings,
            "schema_versions": [
                "manifest": 1, "collection-errors": 1, "redaction-report": 1, "alert-history": 1, "metric-summary": 1,
            ],
        ]
    }
}

extension JSONValue {
    /// Returns this object with `key` set to `value`, or any other value unchanged.
    func adding(_ key: String, _ value: JSONValue) -> JSONValue {
        guard case .object(var members) = self else { return self }
        members[key] = value
        return .object(members)
    }
}
