import Foundation
import Testing

@testable import DiagCollect

@Suite struct SourceResultTests {
    func failure(_ endpoint: String, _ status: SourceStatus) -> EndpointFailure {
        EndpointFailure(endpoint: endpoint, status: status, reason: "\(status.rawValue) at \(endpoint)")
    }

    func summarize(attempted: Int, failures: [EndpointFailure]) -> SourceResult {
        SourceResult.summarizing(
            name: "prometheus", kind: "prometheus", endpoint: "http://127.0.0.1:9090", started: Date(),
            attempted: attempted, documents: [], failures: failures)
    }

    @Test func nothingFailedIsOK() {
        let result = summarize(attempted: 3, failures: [])
        #expect(result.status == .ok)
        #expect(result.reason == nil)
    }

    @Test func someFailedIsPartial() {
        let result = summarize(attempted: 3, failures: [failure("/a", .timedOut)])
        #expect(result.status == .partial)
        #expect(result.reason == "1 of 3 endpoints failed; first: /a: timed_out at /a")
        #expect(result.failures.count == 1)
    }

    @Test func allFailedTakesMostCommonStatus() {
        let result = summarize(
            attempted: 3, failures: [failure("/a", .denied), failure("/b", .timedOut), failure("/c", .timedOut)])
        #expect(result.status == .timedOut)
        #expect(result.reason == "/b: timed_out at /b")
    }

    @Test func allFailedTieGoesToEarliest() {
        let result = summarize(attempted: 2, failures: [failure("/a", .denied), failure("/b", .unreachable)])
        #expect(result.status == .denied)
    }

    @Test func statusRawValuesMatchErrorsDocument() {
        #expect(SourceStatus.allCases.map(\.rawValue) == [
            "ok", "partial", "timed_out", "unreachable", "denied", "invalid_response", "skipped",
        ])
    }
}
