import DiagSupport
import Foundation

/// Checks every JSON document of a bundle against its schema in `Schemas/`, using the path table
/// in `Schemas/bundle-files.json` that `scripts/check-schemas` reads too.
public enum BundleSchemaCheck {
    /// Returns one problem per invalid or unmapped document; empty when all are valid.
    public static func problems(in files: [String: Data], schemaFolder: URL) throws -> [String] {
        let table = try JSONValue.parse(try FileSafety.read(schemaFolder.appendingPathComponent("bundle-files.json")))
        let mapping: [(pattern: String, schema: String)] = (table["documents"]?.arrayValue ?? []).compactMap { entry in
            guard let pattern = entry["path"]?.stringValue, let schema = entry["schema"]?.stringValue else { return nil }
            return (pattern, schema)
        }
        let validator = JSONSchemaValidator(schemaFolder: schemaFolder)
        var problems: [String] = []
        for path in files.keys.sorted() where path.hasSuffix(".json") {
            guard let schema = mapping.first(where: { fnmatch($0.pattern, path, 0) == 0 })?.schema else {
                problems.append("\(path): no schema in Schemas/bundle-files.json covers this document")
                continue
            }
            let document: JSONValue
            do {
                document = try JSONValue.parse(files[path]!)
            } catch {
                problems.append("\(path): \(error.operatorMessage)")
                continue
            }
            for violation in try validator.validate(document, schemaFile: schema).prefix(5) {
                problems.append("\(path) (\(schema)) \(violation)")
            }
        }
        return problems
    }
}
