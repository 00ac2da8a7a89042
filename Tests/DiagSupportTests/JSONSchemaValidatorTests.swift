import DiagSupport
import Foundation
import Testing

@Suite struct JSONSchemaValidatorTests {
    static let schema: JSONValue = [
        "type": "object",
        "required": ["id", "count"],
        "additionalProperties": false,
        "properties": [
            "id": ["type": "string", "pattern": "^[a-z][a-z0-9-]*$"],
            "count": ["type": "integer", "minimum": 0],
            "mode": ["enum": ["saas", "partner", "self-hosted"]],
            "tags": ["type": "array", "items": ["$ref": "#/$defs/tag"], "uniqueItems": true],
        ],
        "$defs": ["tag": ["type": "string", "minLength": 1]],
    ]

    func violations(_ value: JSONValue) -> [JSONSchemaValidator.Violation] {
        JSONSchemaValidator(schemaFolder: nil).validate(value, schema: Self.schema)
    }

    @Test func acceptsValidDocument() {
        #expect(violations(["id": "email", "count": 3, "mode": "saas", "tags": ["a", "b"]]).isEmpty)
    }

    @Test func reportsEachViolationWithPath() {
        let found = violations(["id": "Bad Id", "count": -1, "mode": "cloud", "tags": ["a", "a", ""], "extra": true])
        let paths = Set(found.map(\.path))
        #expect(paths.contains("/id"))
        #expect(paths.contains("/count"))
        #expect(paths.contains("/mode"))
        #expect(paths.contains("/tags/1"))
        #expect(paths.contains("/tags/2"))
        #expect(found.contains { $0.message.contains("'extra' is not allowed") })
    }

    @Test func reportsMissingRequired() {
        let found = violations(["id": "x"])
        #expect(found.count == 1)
        #expect(found.first?.message.contains("'count'") == true)
    }

    @Test func integerAcceptsWholeDouble() {
        #expect(violations(["id": "x", "count": .double(2)]).isEmpty)
        #expect(!violations(["id": "x", "count": .double(2.5)]).isEmpty)
    }

    @Test func validatesShippedSchemasAgainstExamples() throws {
        var root = URL(fileURLWithPath: #filePath)
        while !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) {
            root.deleteLastPathComponent()
        }
        let validator = JSONSchemaValidator(schemaFolder: root.appendingPathComponent("Schemas"))
        let report: JSONValue = ["rules": ["email": ["total": 2, "files": ["a.yaml": 2]]]]
        #expect(try validator.validate(report, schemaFile: "redaction-report.schema.json").isEmpty)
        let broken: JSONValue = ["rules": ["email": ["total": "two", "files": [:]]]]
        #expect(try !validator.validate(broken, schemaFile: "redaction-report.schema.json").isEmpty)
    }
}
