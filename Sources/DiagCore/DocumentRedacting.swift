import DiagSupport
import Foundation

/// What the collection pipeline needs from a redaction engine.
///
/// Every collected document passes through one of the three `redact` calls before it can become a
/// bundle file. `redactYAML` throws when the text cannot be parsed, and the pipeline then
/// leaves the document out.
public protocol DocumentRedacting: AnyObject, Sendable {
    func redactText(_ text: String, file: String) -> String
    func redactJSON(_ value: JSONValue, file: String) -> JSONValue
    /// Redacts a JSON document and writes it in the layout of `original`, the bytes it was read from.
    func redactJSON(_ value: JSONValue, file: String, inLayoutOf original: Data) -> Data
    func redactYAML(_ text: String, file: String) throws -> String
    /// Returns a file or folder name with its identifiers replaced, in the characters an archive
    /// path allows.
    func redactFileName(_ name: String, file: String) -> String
    /// Returns `names` with the host, tenant, user and customer values replaced so far in any
    /// document's text replaced in them too, counted under the matching entry of `files`.
    func sweepFileNames(_ names: [String], files: [String]) -> [String]
    /// Moves the report's counts for the bundle path `file` to `newName`.
    func renameReportFile(_ file: String, to newName: String)
    /// Replacements per rule and per file, counts only, with `extra` counts (rule, then file) added.
    func reportJSON(adding extra: [String: [String: Int]]) -> JSONValue
    /// A function that replaces, in the finished bytes of the file at a bundle path, every
    /// original value replaced so far, and returns the replacements it made per rule id.
    func makeKnownValueSweep() -> @Sendable (Data, String) -> (Data, [String: Int])
    var replacementCount: Int { get }
    /// Files (bundle paths) in which one of the original values replaced so far still occurs,
    /// with the id of the rule that replaced it; never the value itself.
    func findLeaks(in files: [BundleFile]) -> [(path: String, rule: String)]
}
