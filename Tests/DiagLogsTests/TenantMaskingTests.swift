import DiagLogs
import DiagSupport
import Foundation
import Testing

@Suite struct TenantMaskingTests {
    static func collect(_ lines: [String], masking: TenantMasking?) -> ErrorTypeReport.Source {
        var collector = ErrorTypeCollector(name: "tenants", configuration: .init(tenantMasking: masking))
        for line in lines { collector.add(line: line) }
        return collector.report()
    }

    @Test func mergesTemplatesOfKnownTenants() throws {
        let lines = [
            "2026-03-01T00:00:01Z ERROR quota exceeded for acme in region one",
            "2026-03-01T00:00:02Z ERROR quota exceeded for acme in region one",
            "2026-03-01T00:00:03Z ERROR quota exceeded for globex in region one",
            "2026-03-01T00:00:04Z ERROR quota exceeded for globex in region one",
            "2026-03-01T00:00:05Z ERROR quota exceeded for globex in region one",
        ]
        let unmasked = Self.collect(lines, masking: nil)
        #expect(unmasked.groups.first?.templates.count == 2, "two tenants give two templates without masking")

        // Known identifiers match in any letter case.
        let source = Self.collect(lines, masking: TenantMasking(knownIdentifiers: ["ACME", "Globex"]))
        let group = try #require(source.groups.first)
        #expect(group.templates.map(\.template) == ["quota exceeded for <*> in region one"])
        #expect(group.templates.first?.count == 5)
        #expect(source.errorLines == 5)
    }

    @Test func masksTokensAfterContextWords() throws {
        let lines = [
            "ERROR sync failed for tenant initech: upstream closed",
            "ERROR sync failed for tenant umbrella: upstream closed",
            "ERROR sync failed for tenant 'hooli': upstream closed",
            "ERROR sync failed for tenant:vandelay upstream closed",
            "ERROR sync failed for tenant:wonka upstream closed",
            "ERROR tenant not found in cache",
            "ERROR tenant not found in cache",
        ]
        let source = Self.collect(lines, masking: TenantMasking())
        let templates = try #require(source.groups.first).templates
        #expect(templates.map(\.template).sorted() == [
            "sync failed for tenant <*> upstream closed", "sync failed for tenant:<*> upstream closed",
            "tenant not found in cache",
        ])
        #expect(templates.first { $0.template.hasPrefix("sync failed for tenant <*>") }?.count == 3)
    }

    @Test func masksPrefixedIdentifiersAndServices() throws {
        let lines = [
            #"{"level":"error","service":"acme-api","msg":"payment failed for tenant-acme"}"#,
            #"{"level":"error","service":"globex-api","msg":"payment failed for tenant-globex"}"#,
            #"{"level":"error","service":"tenant-initech","msg":"payment failed for tenant-initech"}"#,
        ]
        let source = Self.collect(lines, masking: TenantMasking(knownIdentifiers: ["acme", "globex"]))
        #expect(source.groups.map(\.service) == ["<*>", "<*>-api"])
        let api = try #require(source.groups.first { $0.service == "<*>-api" })
        #expect(api.errorLines == 2)
        #expect(api.templates.map(\.template) == ["payment failed for <*>"])
    }

    @Test(arguments: [
        ("acme-api", "<*>-api"), ("api", "api"), ("tenant-x-worker", "<*>"), ("worker.org.initech", "worker.org.<*>"),
        ("ACME_billing", "<*>_billing"),
    ])
    func masksServiceParts(name: String, expected: String) {
        #expect(TenantMasking(knownIdentifiers: ["acme"]).maskService(name) == expected)
    }

    @Test func leavesMessagesAloneWhenOff() {
        #expect(MessageMasker.mask("tenant acme failed") == "tenant acme failed")
        #expect(MessageMasker.mask("tenant acme failed", tenantMasking: TenantMasking()) == "tenant <*> failed")
        #expect(MessageMasker.mask("tenant quota exceeded", tenantMasking: TenantMasking()) == "tenant quota exceeded")
    }
}

@Suite struct SelectedLineTests {
    @Test func labelsWinOverLineFields() throws {
        var collector = ErrorTypeCollector(name: "loki")
        let fields = ErrorTypeCollector.LineFields(service: "checkout", level: .critical, timestamp: 1_772_323_200)
        collector.add(selectedLine: #"{"level":"info","service":"other","msg":"card vault unreachable"}"#, fields: fields)
        collector.add(selectedLine: "level=error msg=\"card vault unreachable\"\n  at vault.go:12", fields: fields)
        let source = collector.report()
        #expect(source.errorLines == 2)
        let group = try #require(source.groups.first)
        #expect(group.service == "checkout")
        #expect(group.level == "critical")
        #expect(group.templates.map(\.template) == ["card vault unreachable"])
        #expect(group.templates.first?.firstSeen == 1_772_323_200)
    }

    @Test func countsLinesBelowErrorLevelApart() throws {
        var collector = ErrorTypeCollector(name: "loki")
        collector.add(selectedLine: "level=info msg=\"retried after error\"", fields: .init(service: "api"))
        collector.add(selectedLine: "connection error while dialing backend", fields: .init(service: "api"))
        collector.add(selectedLine: "connection error while dialing backend", fields: .init(service: "api", level: .warning))
        let source = collector.report()
        #expect(collector.belowErrorLevelLines == 2)
        #expect(source.errorLines == 1)
        #expect(source.groups.first?.level == "unknown")
    }
}

@Suite struct SampledReportTests {
    static func sampleSource() -> ErrorTypeReport.Source {
        var collector = ErrorTypeCollector(name: "loki")
        for _ in 0..<3 { collector.add(selectedLine: "ERROR db timeout", fields: .init(service: "api", level: .error)) }
        collector.add(selectedLine: "ERROR cache miss storm", fields: .init(service: "web", level: .error))
        return collector.report()
    }

    @Test func appliesSourceCountsToGroups() throws {
        var source = Self.sampleSource()
        source.applyCounts(
            [
                .init(service: "api", level: "error", count: 120), .init(service: "batch", level: "fatal", count: 7),
                .init(service: "web", level: "error", count: 0),
            ],
            sampling: .init(linesFetched: 4, pages: 1, stoppedBy: "line_cap"))
        #expect(source.groups.map(\.service) == ["api", "batch", "web"])
        #expect(source.groups.map(\.errorLines) == [120, 7, 1])
        #expect(source.groups.map(\.sampledLines) == [3, 0, 1])
        #expect(source.errorLines == 128)

        let document = ErrorTypeReport(window: nil, sources: [source]).jsonValue
        #expect(document["sources"]?[0]?["sampling"]?["stopped_by"] == "line_cap")
        #expect(document["sources"]?[0]?["groups"]?[0]?["sampled_lines"] == 3)
        let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Schemas")
        let violations = try JSONSchemaValidator(schemaFolder: schemas).validate(document, schemaFile: "error-types.schema.json")
        #expect(violations.isEmpty, "\(violations)")
    }

    @Test func mergesDocumentsIntoOne() throws {
        let window = ErrorTypeReport.Window(start: Date(timeIntervalSince1970: 0), end: Date(timeIntervalSince1970: 3600))
        var files = ErrorTypeCollector(name: "log-files")
        files.add(line: "ERROR disk full")
        let first = ErrorTypeReport(window: window, sources: [files.report()]).jsonValue
        let second = ErrorTypeReport(window: nil, sources: [Self.sampleSource()]).jsonValue

        let merged = ErrorTypeReport.mergeDocuments([first, second])
        #expect(merged["sources"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["log-files", "loki"])
        #expect(merged["totals"]?["error_lines"] == 5)
        #expect(merged["totals"]?["lines_read"] == 5)
        #expect(merged["window"]?["bucket_count"] == 24)
        #expect(ErrorTypeReport.mergeDocuments([])["sources"] == .array([]))
    }
}
