import DiagCollect
@testable import DiagCore
import DiagLogs
import DiagSupport
import Foundation
import Testing

/// `LokiErrorCollector` over two replicas of one Loki, each a `loki_errors_fixture.py` serving
/// the same generated logs (100 error lines in the test window).
@Suite(.serialized) struct LokiErrorsReplicaTests {
    static func replica(_ fixture: LokiErrorsFixture) -> LokiErrorCollector.Replica {
        LokiErrorCollector.Replica(baseURL: fixture.baseURL, client: LokiErrorsTestData.client())
    }

    @Test func replicasAreNotCountedTwice() async throws {
        let first = try LokiErrorsFixture()
        let second = try LokiErrorsFixture()
        let collector = LokiErrorCollector(replicas: [Self.replica(first), Self.replica(second)])
        let result = await collector.collect(window: LokiErrorsTestData.window, deadline: Date() + 30)
        #expect(result.status == .ok, "\(result.reason ?? "")")
        #expect(result.failures.isEmpty)
        #expect(result.endpoint == "\(first.baseURL.absoluteString), \(second.baseURL.absoluteString)")

        let source = try LokiErrorsTestData.source(result)
        #expect(source["error_lines"] == 100, "the same 100 error lines from two replicas count once")
        #expect(source["lines_read"] == 120)
        let checkout = LokiErrorsTestData.group(source, service: "checkout", level: "error")
        #expect(checkout?["error_lines"] == 40)
        #expect(LokiErrorsTestData.templates(checkout)["card vault unreachable"] == 20)
        let buckets = checkout?["templates"]?[0]?["buckets"]?.arrayValue?.compactMap(\.intValue) ?? []
        #expect(buckets.reduce(0, +) == 20, "buckets take the larger value per bucket, not the sum")

        #expect(try await !first.requests().isEmpty)
        #expect(try await !second.requests().isEmpty)
    }

    @Test func failingReplicaIsRecorded() async throws {
        let healthy = try LokiErrorsFixture()
        let broken = try LokiErrorsFixture(scenario: "server-error")
        let collector = LokiErrorCollector(replicas: [Self.replica(healthy), Self.replica(broken)])
        let result = await collector.collect(window: LokiErrorsTestData.window, deadline: Date() + 30)

        #expect(result.status == .partial)
        let reason = result.reason ?? ""
        #expect(reason.contains("replica 2 (\(broken.baseURL.absoluteString)) invalid_response"), "\(reason)")
        #expect(reason.contains("the counts come from replica 1"), "\(reason)")
        #expect(!result.failures.isEmpty)
        for failure in result.failures {
            #expect(failure.endpoint.hasPrefix("replica 2 (\(broken.baseURL.absoluteString)): /loki/api/v1/query_range"), "\(failure)")
            #expect(failure.reason.contains("HTTP 500"), "\(failure)")
        }

        let source = try LokiErrorsTestData.source(result)
        #expect(source["error_lines"] == 100)
        #expect(LokiErrorsTestData.group(source, service: "auth", level: "error")?["error_lines"] == 20)
    }

    @Test func unreachableFirstReplicaLeavesSecond() async throws {
        var closed: LokiErrorsFixture? = try LokiErrorsFixture()
        let closedURL = try #require(closed?.baseURL)
        closed = nil  // the port is closed now
        let healthy = try LokiErrorsFixture()
        let collector = LokiErrorCollector(
            replicas: [.init(baseURL: closedURL, client: LokiErrorsTestData.client()), Self.replica(healthy)])
        let result = await collector.collect(window: LokiErrorsTestData.window, deadline: Date() + 30)

        #expect(result.status == .partial)
        #expect(result.failures.map(\.status) == [.unreachable], "no request follows a refused connection")
        #expect(result.failures.first?.endpoint.hasPrefix("replica 1 (") == true)
        #expect(result.reason?.contains("the counts come from replica 2") == true, "\(result.reason ?? "")")
        #expect(try LokiErrorsTestData.source(result)["error_lines"] == 100)
    }

    @Test func everyReplicaFailing() async throws {
        let first = try LokiErrorsFixture(scenario: "server-error")
        let second = try LokiErrorsFixture(scenario: "server-error")
        let collector = LokiErrorCollector(replicas: [Self.replica(first), Self.replica(second)])
        let result = await collector.collect(window: LokiErrorsTestData.window, deadline: Date() + 30)

        #expect(result.status == .invalidResponse)
        #expect(result.documents.isEmpty)
        #expect(result.reason?.hasPrefix("every replica failed; replica 1 (") == true, "\(result.reason ?? "")")
        #expect(Set(result.failures.map { String($0.endpoint.prefix(9)) }) == ["replica 1", "replica 2"])
    }

    @Test func mergeTakesLargerCounts() {
        func source(_ count: Int, buckets: [Int], first: Double, last: Double, stoppedBy: String?) -> ErrorTypeReport.Source {
            let template = ErrorTypeReport.TemplateCount(template: "disk full", count: count, firstSeen: first, lastSeen: last, buckets: buckets)
            let group = ErrorTypeReport.Group(service: "api", level: "error", errorLines: count + 5, otherLines: 0, templates: [template], sampledLines: count)
            return ErrorTypeReport.Source(
                name: "loki", linesRead: count, errorLines: count + 5, groups: [group],
                sampling: ErrorTypeReport.Sampling(linesFetched: count, pages: 2, stoppedBy: stoppedBy))
        }
        let merged = LokiReplicaMerge.merge(
            source(10, buckets: [4, 6, 0], first: 100, last: 200, stoppedBy: "line_cap"),
            source(8, buckets: [5, 2, 1], first: 50, last: 150, stoppedBy: nil))

        #expect(merged.errorLines == 15)
        #expect(merged.linesRead == 10)
        #expect(merged.groups.count == 1)
        let template = merged.groups[0].templates[0]
        #expect(template.count == 10)
        #expect(template.buckets == [5, 6, 1])
        #expect(template.firstSeen == 50)
        #expect(template.lastSeen == 200)
        #expect(merged.groups[0].sampledLines == 10)
        #expect(merged.sampling?.stoppedBy == nil, "one replica read every line")
        #expect(merged.sampling?.linesFetched == 10)
    }
}
