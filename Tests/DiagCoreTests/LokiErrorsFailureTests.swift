@testable import DiagCore
import DiagCollect
import DiagLogs
import DiagSupport
import Foundation
import Testing

@Suite(.serialized) struct LokiErrorsFailureTests {
    @Test func reportsUnreachableLoki() async throws {
        var fixture: LokiErrorsFixture? = try LokiErrorsFixture()
        let url = try #require(fixture?.baseURL)
        fixture = nil  // the port is closed now

        let collector = LokiErrorCollector(baseURL: url, client: LokiErrorsTestData.client())
        let result = await collector.collect(window: LokiErrorsTestData.window, deadline: Date() + 30)
        #expect(result.status == .unreachable)
        #expect(result.documents.isEmpty)
        #expect(result.failures.count == 1, "no request follows a refused connection")
    }

    @Test func reportsSlowLokiAsTimedOut() async throws {
        let fixture = try LokiErrorsFixture(scenario: "stall")
        let collector = LokiErrorCollector(baseURL: fixture.baseURL, client: LokiErrorsTestData.client(timeout: 1))
        let started = Date()
        let result = await collector.collect(window: LokiErrorsTestData.window, deadline: Date() + 30)
        #expect(result.status == .timedOut)
        #expect(result.documents.isEmpty)
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test func reportsBadQueryWithLokiMessage() async throws {
        let fixture = try LokiErrorsFixture(scenario: "bad-query")
        let collector = LokiErrorCollector(
            baseURL: fixture.baseURL, client: LokiErrorsTestData.client(), selectors: ["{app=checkout}"])
        let result = await collector.collect(window: LokiErrorsTestData.window, deadline: Date() + 30)
        #expect(result.status == .invalidResponse)
        #expect(result.reason?.contains("HTTP 400") == true)
        #expect(result.reason?.contains("parse error at line 1, col 14") == true)
        #expect(result.reason?.contains("logs.selectors") == true)
        #expect(result.documents.isEmpty)
    }

    @Test func reportsServerError() async throws {
        let fixture = try LokiErrorsFixture(scenario: "server-error")
        let collector = LokiErrorCollector(baseURL: fixture.baseURL, client: LokiErrorsTestData.client())
        let result = await collector.collect(window: LokiErrorsTestData.window, deadline: Date() + 30)
        #expect(result.status == .invalidResponse)
        #expect(result.reason?.contains("HTTP 500") == true)
        #expect(result.documents.isEmpty)
    }

    @Test func stopsPagingThatNeverAdvances() async throws {
        let fixture = try LokiErrorsFixture(scenario: "paging-forever")
        let limits = LokiErrorCollector.Limits(maximumPages: 40, pageLines: 5, slices: 1)
        let collector = LokiErrorCollector(baseURL: fixture.baseURL, client: LokiErrorsTestData.client(), limits: limits)
        let result = await collector.collect(window: LokiErrorsTestData.window, deadline: Date() + 30)
        #expect(result.status == .partial)
        #expect(result.failures.map(\.reason).contains { $0.contains("paging made no progress") })

        let source = try LokiErrorsTestData.source(result)
        #expect(source["sampling"]?["stopped_by"] == "no_progress")
        #expect(source["sampling"]?["pages"] == 2)
        #expect(source["sampling"]?["lines_fetched"] == 5)
        #expect(source["error_lines"] == 100)
        let pageRequests = try await fixture.requests().filter { $0["query"]?["limit"] != nil }
        #expect(pageRequests.count == 2)
    }

    @Test func mergesWithLogFilesDocument() async throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("2026-03-01T00:10:00Z ERROR disk full on /dev/sda1\n".utf8).write(to: folder.appendingPathComponent("app.log"))
        let files = await LogFilesCollector(globs: [folder.path + "/*.log"])
            .collect(window: LokiErrorsTestData.window, deadline: Date() + 30)

        let fixture = try LokiErrorsFixture()
        let loki = await LokiErrorCollector(baseURL: fixture.baseURL, client: LokiErrorsTestData.client())
            .collect(window: LokiErrorsTestData.window, deadline: Date() + 30)

        let merged = ErrorTypeDocuments.merge([files, loki])
        #expect(merged[1].documents.isEmpty)
        let document = try #require(merged[0].documents.first { $0.path == ErrorTypeReport.bundlePath })
        guard case .json(let value) = document.content else {
            Issue.record("the merged document is not JSON")
            return
        }
        #expect(value["sources"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["log-files", "loki"])
        #expect(value["totals"]?["error_lines"] == 101)
        let schemas = TestSupport.repositoryRoot.appendingPathComponent("Schemas")
        let violations = try JSONSchemaValidator(schemaFolder: schemas).validate(value, schemaFile: "error-types.schema.json")
        #expect(violations.isEmpty, "\(violations)")

        let single = ErrorTypeDocuments.merge([loki])
        #expect(single[0].documents.count == 1)
    }
}
