import Foundation
import Testing

/// Validates documents against `Schemas/` with Python's `jsonschema`, an implementation independent of ours.
enum SchemaCheck {
    static func validateBundle(_ bundle: URL, extra: [(schema: String, file: URL)] = []) throws {
        var arguments = [TestSupport.repositoryRoot.appendingPathComponent("scripts/check-schemas").path, bundle.path]
        for item in extra { arguments += ["--document", item.schema, item.file.path] }
        let output = try TestSupport.run("/usr/bin/env", ["python3"] + arguments)
        #expect(output.status == 0, "schema check failed:\n\(output.stdout)\(output.stderr)")
    }
}
