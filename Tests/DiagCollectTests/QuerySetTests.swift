import DiagSupport
import Foundation
import Testing

@testable import DiagCollect

@Suite struct QuerySetTests {
    static let valid = """
        version: 1
        name: small
        forbidden_labels: [namespace_id]
        queries:
          - name: up_ratio
            expr: avg by (job) (up)
            unit: ratio
          - name: memory
            description: Memory without the instance label.
            expr: sum without (instance) (process_resident_memory_bytes)
        """

    @Test func defaultSetLoads() throws {
        let querySet = try defaultQuerySet()
        #expect(querySet.name == "default")
        #expect(querySet.queries.count >= 10)
        let latency = querySet.queries.first { $0.name == "latency_p99" }
        #expect(latency?.expr.contains("sum by (le, job)") == true)
        #expect(querySet.forbiddenLabelSet.isSuperset(of: ["tenant_id", "user_id", "customer_id", "instance", "pod"]))
        for query in querySet.queries {
            #expect(!query.expr.contains("tenant_id"), "\(query.name) mentions tenant_id")
            #expect(query.description?.isEmpty == false, "\(query.name) has no description")
        }
    }

    @Test func parsesValidSet() throws {
        let querySet = try QuerySet.parse(Self.valid, source: "small.yaml")
        #expect(querySet.queries.map(\.name) == ["up_ratio", "memory"])
        #expect(querySet.queries[0].unit == "ratio")
        #expect(querySet.queries[1].description == "Memory without the instance label.")
        #expect(querySet.forbiddenLabelSet.contains("namespace_id"))
        #expect(querySet.forbiddenLabelSet.contains("pod"))
    }

    static let invalidSets = [
        ("version: 2\nname: x\nqueries: [{name: a, expr: sum by (job) (up)}]", "version must be 1"),
        ("version: 1\nqueries: [{name: a, expr: sum by (job) (up)}]", "name must be"),
        ("version: 1\nname: x\nqueries: []", "queries must be a non-empty list"),
        ("version: 1\nname: x\nqueries: [{name: a, expr: up}]", "must aggregate with 'by (...)' or 'without (...)'"),
        ("version: 1\nname: x\nqueries: [{name: a, expr: sum by (job) (up)}, {name: a, expr: max by (job) (up)}]", "repeats 'a'"),
        ("version: 1\nname: x\nqueries: [{name: Bad-Name, expr: sum by (job) (up)}]", "queries[0].name"),
        ("version: 1\nname: x\nqueries: [{name: a, expr: sum by (job) (up), step: 5}]", "queries[0].step is not allowed"),
        ("version: 1\nname: x\nextra: true\nqueries: [{name: a, expr: sum by (job) (up)}]", "key 'extra' is not allowed"),
        ("version: 1\nname: x\nforbidden_labels: [bad-label]\nqueries: [{name: a, expr: sum by (job) (up)}]", "forbidden_labels[0]"),
        ("version: 1\nname: x\nqueries: [{name: a, expr: \"  \"}]", "non-empty PromQL"),
        ("- just\n- a list\n", "must be a mapping"),
        ("version: [1\n", "invalid YAML"),
    ]

    @Test(arguments: invalidSets)
    func rejectsInvalidSet(text: String, expected: String) {
        do {
            _ = try QuerySet.parse(text, source: "bad.yaml")
            Issue.record("accepted invalid query set: \(text)")
        } catch {
            #expect(error.exitStatus == .dataError)
            #expect(error.operatorMessage.contains("bad.yaml"))
            #expect(error.operatorMessage.contains(expected), "\(error.operatorMessage)")
        }
    }

    @Test func schemaAcceptsDefaultSet() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("Queries/default.yaml"), encoding: .utf8)
        let value = try YAMLDocument.parse(text).jsonValue()
        #expect(try SchemaCheck.load("query-set.schema.json").errors(value) == [])
    }

    /// The schema rejects what the loader rejects, except duplicate names, which JSON Schema
    /// cannot express, and YAML syntax errors, which never reach it.
    @Test func schemaRejectsInvalidSets() throws {
        let schema = try SchemaCheck.load("query-set.schema.json")
        for (text, expected) in Self.invalidSets where !expected.hasPrefix("repeats") && expected != "invalid YAML" {
            let value = try YAMLDocument.parse(text).jsonValue()
            #expect(!schema.errors(value).isEmpty, "schema accepts: \(text)")
        }
    }

    @Test func rejectsTooManyQueries() {
        let queries = (0...QuerySet.maximumQueries).map { "  - name: q\($0)\n    expr: sum by (job) (up)\n" }.joined()
        #expect(throws: DiagError.self) { try QuerySet.parse("version: 1\nname: x\nqueries:\n" + queries, source: "big.yaml") }
    }

    @Test func missingFileIsNoInput() {
        let path = "/nonexistent/waka-diag/queries.yaml"
        do {
            _ = try QuerySet.load(url: URL(fileURLWithPath: path))
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.exitStatus == .noInput)
            #expect(error.operatorMessage.contains(path))
        }
    }

    @Test func invalidUTF8IsDataError() throws {
        let folder = try TemporaryFolder("queries")
        let file = folder.url.appendingPathComponent("bad.yaml")
        try Data([0x76, 0x65, 0x72, 0xFF, 0x0A]).write(to: file)
        #expect(throws: DiagError.self) { try QuerySet.load(url: file) }
        do {
            _ = try QuerySet.load(url: file)
        } catch {
            #expect(error.exitStatus == .dataError)
        }
    }

    /// Checks the rules the schema and the Swift loader share, key by key.
    @Test func schemaMatchesLoaderRules() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let schema = try JSONValue.parse(Data(contentsOf: root.appendingPathComponent("Schemas/query-set.schema.json")))

        #expect(schema["$schema"] == "https://json-schema.org/draft/2020-12/schema")
        #expect(schema["additionalProperties"] == false)
        #expect(Set(schema["properties"]?.objectValue?.keys.map { $0 } ?? []) == ["version", "name", "description", "forbidden_labels", "queries"])
        #expect(schema["properties"]?["queries"]?["maxItems"]?.intValue == Int64(QuerySet.maximumQueries))
        let query = try #require(schema["$defs"]?["query"])
        #expect(Set(query["properties"]?.objectValue?.keys.map { $0 } ?? []) == ["name", "expr", "description", "unit"])
        #expect(query["properties"]?["expr"]?["maxLength"]?.intValue == Int64(QuerySet.maximumExpressionLength))
        #expect(query["properties"]?["expr"]?["pattern"] == #"\b(by|without)\s*\("#)
    }
}
