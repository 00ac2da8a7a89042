import DiagCollect
import DiagSupport
import Foundation

/// Collects one Prometheus for one tenant and reads the tenant label's values, so the tenant
/// guard has every other tenant's identifier and can drop what still names one.
///
/// `base` must already be scoped: its query set carries the tenant matcher (see
/// `CollectionRun.scoped`) and its `seriesMatchers` scope the `ALERTS` history. The label
/// values request has no matcher on purpose, because it looks for the other tenants.
struct TenantScopedPrometheusCollector: Collector {
    let base: PrometheusCollector
    let sink: TenantIdentifierSink

    var name: String { base.name }
    var kind: String { base.kind }
    var endpointDescription: String { base.endpointDescription }

    func plannedRequests() -> [String] {
        base.plannedRequests() + [
            "GET /api/v1/label/\(TenantScope.matcherLabel)/values (to recognize other tenants' data and drop it)"
        ]
    }

    func collect(window: CollectionWindow, deadline: Date) async -> SourceResult {
        async let identifiers = readIdentifiers(window: window, deadline: deadline)
        var result = await base.collect(window: window, deadline: deadline)
        guard let failure = await identifiers else { return result }

        result.failures.append(failure.endpointFailure)
        if result.status == .ok {
            result.status = .partial
            result.reason = "the tenant label values could not be read: \(failure.endpointFailure)"
        }
        return result
    }

    /// Adds the tenant label's values over the window to the sink; returns the failure, if any.
    private func readIdentifiers(window: CollectionWindow, deadline: Date) async -> HTTPFailure? {
        do throws(HTTPFailure) {
            sink.add(try await base.labelValues(TenantScope.matcherLabel, window: window, deadline: deadline))
            return nil
        } catch {
            return error
        }
    }
}

/// Tenant identifiers that sources reported while collecting, shared across collectors.
final class TenantIdentifierSink: @unchecked Sendable {
    private let lock = NSLock()
    private var values: Set<String> = []

    func add<Values: Sequence>(_ identifiers: Values) where Values.Element == String {
        lock.lock()
        values.formUnion(identifiers)
        lock.unlock()
    }

    var identifiers: [String] {
        lock.lock()
        defer { lock.unlock() }
        return values.sorted()
    }
}
