import DiagSupport
import Foundation

/// A likely secret that no rule replaced, found in redacted output: where it is and what it
/// looks like, never the value itself.
public struct ResidualWarning: Sendable, Equatable, Hashable {
    /// The shape or context that made the value suspicious.
    public enum Kind: String, Sendable, CaseIterable {
        /// A random-looking value right after a key named like a secret (`password`, `token`, ...).
        case secretContext = "secret-context"
        /// A credential after an `Authorization`-like header or an authentication scheme word.
        case authorizationHeader = "authorization-header"
        /// A base64 or base64url run of 24 or more characters mixing upper case, lower case and digits.
        case base64Blob = "base64-blob"
        /// A run of 24 or more hexadecimal digits mixing letters and digits.
        case hexBlob = "hex-blob"
    }

    /// The bundle path of the file.
    public var file: String
    /// The 1-based line number.
    public var line: Int
    public var rule: String
    public var kind: Kind
    /// The length of the value in bytes.
    public var length: Int
    /// The key or header name in front of the value, when there is one.
    public var contextKey: String?

    public init(file: String, line: Int, kind: Kind, length: Int, contextKey: String?) {
        self.file = file
        self.line = line
        self.rule = ResidualScanner.ruleID
        self.kind = kind
        self.length = length
        self.contextKey = contextKey
    }

    /// Returns `{file, line, rule, kind, length, context_key}`, with `context_key` null when there is no key.
    public func jsonValue() -> JSONValue {
        [
            "file": .string(file),
            "line": .int(Int64(line)),
            "rule": .string(rule),
            "kind": .string(kind.rawValue),
            "length": .int(Int64(length)),
            "context_key": contextKey.map { .string($0) } ?? .null,
        ]
    }
}

extension ResidualScanner {
    /// The `schema` value of `redaction/warnings.json`, the `$id` of redaction-warnings.schema.json.
    public static let warningsSchema = "https://webwaka.example/waka-diag/schemas/redaction-warnings-v1.json"

    /// The bundle path of the warnings document.
    public static let warningsPath = "redaction/warnings.json"

    /// Returns the document for `redaction/warnings.json`: `{schema, warnings, omitted}`, where
    /// `omitted` counts the warnings left out past `maximumWarningsPerFile` in some file.
    public static func warningsDocument(_ warnings: [ResidualWarning], omitted: Int = 0) -> JSONValue {
        [
            "schema": .string(warningsSchema),
            "warnings": .array(warnings.map { $0.jsonValue() }),
            "omitted": .int(Int64(omitted)),
        ]
    }

    /// Scans `files` and returns the warnings document in one step.
    public static func warningsDocument(scanning files: [String: Data]) -> JSONValue {
        let result = scanCounting(files: files)
        return warningsDocument(result.warnings, omitted: result.omitted)
    }
}
