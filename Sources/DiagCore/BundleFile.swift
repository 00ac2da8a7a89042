import DiagSupport
import Foundation

/// One file inside a bundle, already redacted, with its path relative to the bundle's root folder.
public struct BundleFile: Sendable, Equatable {
    public var path: String
    public var data: Data

    public init(path: String, data: Data) {
        self.path = path
        self.data = data
    }

    public init(path: String, json: JSONValue) {
        self.init(path: path, data: json.serialized())
    }

    public var sha256: String { Sodium.sha256(data).hexString }
}

/// A file or document that was left out of the bundle, and why; recorded in `collection/errors.json`.
public struct LeftOutFile: Sendable, Equatable {
    public var path: String
    public var source: String
    public var reason: String

    public init(path: String, source: String, reason: String) {
        self.path = path
        self.source = source
        self.reason = reason
    }

    public var jsonValue: JSONValue {
        ["path": .string(path), "source": .string(source), "reason": .string(reason)]
    }
}

/// Fixed paths of the documents every bundle has.
public enum BundleLayout {
    public static let manifest = "manifest.json"
    public static let summary = "SUMMARY.md"
    public static let ruleset = "redaction/ruleset.yaml"
    public static let redactionReport = "redaction/report.json"
    public static let collectionErrors = "collection/errors.json"

    /// Schema identifiers written in each document's `schema` field and matched by `Schemas/`.
    public static let manifestSchema = "https://webwaka.example/waka-diag/schemas/manifest-v1.json"
    public static let errorsSchema = "https://webwaka.example/waka-diag/schemas/collection-errors-v1.json"
}
