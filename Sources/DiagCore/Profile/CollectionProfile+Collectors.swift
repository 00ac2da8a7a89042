import DiagCollect
import DiagSupport
import Foundation

extension CollectionProfile {
    /// The request idle timeout, in seconds, when the profile sets none.
    public static let defaultRequestTimeout: TimeInterval = 30

    /// Builds one collector per endpoint replica, in component order, each wrapped in a
    /// `ReplicaCollector` so that replicas label their documents and can be compared.
    ///
    /// Reads every token and password now, so a missing secret file or variable fails the run
    /// before any source is contacted. With `tenant` set, every Prometheus query and every
    /// Alertmanager list carries the tenant matcher (see `collectors(querySet:environment:tenantIdentifiers:)`).
    public func collectors(
        querySet: QuerySet, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> [any Collector] {
        try collectors(querySet: querySet, environment: environment, tenantIdentifiers: TenantIdentifierSink())
    }

    /// Builds the collectors as above; in a tenant-scoped collection each Prometheus also reports
    /// the tenant label's values to `sink`.
    ///
    /// Scoping puts `tenant_id="ID"` into every selector of the query set and of the `ALERTS`
    /// history, and into a `filter` of Alertmanager's alert, group and silence lists. Throws a
    /// data error naming the query when a query cannot be scoped.
    func collectors(
        querySet: QuerySet, environment: [String: String] = ProcessInfo.processInfo.environment,
        tenantIdentifiers sink: TenantIdentifierSink
    ) throws -> [any Collector] {
        var querySet = querySet
        var matchers: [String] = []
        if let tenant {
            querySet = try CollectionRun.scoped(querySet, tenant: tenant)
            matchers = [PromQLMatcherInjector(label: TenantScope.matcherLabel, value: tenant).matcher]
        }
        let requestTimeout = timeouts.request ?? Self.defaultRequestTimeout
        var collectors: [any Collector] = []
        for component in ProfileComponent.allCases {
            for endpoint in replicas(of: component) {
                let key = "endpoints.\(component.rawValue)[\(endpoint.replica - 1)]"
                let configuration: HTTPClientConfiguration
                do {
                    configuration = try endpoint.clientConfiguration(requestTimeout: requestTimeout, environment: environment)
                } catch {
                    throw DiagError(error.exitStatus, "profile \(source.path): \(key).auth: \(error.operatorMessage)")
                }
                let client = HTTPClient(configuration: configuration)
                let name = ReplicaCollector.sourceName(component.rawValue, replica: endpoint.replica)
                let base: any Collector
                switch component {
                case .prometheus:
                    let prometheus = PrometheusCollector(
                        name: name, baseURL: endpoint.url, client: client, querySet: querySet, seriesMatchers: matchers)
                    base = tenant == nil ? prometheus : TenantScopedPrometheusCollector(base: prometheus, sink: sink)
                case .alertmanager:
                    base = AlertmanagerCollector(name: name, baseURL: endpoint.url, client: client, filters: matchers)
                case .loki:
                    base = LokiCollector(name: name, baseURL: endpoint.url, client: client, orgID: endpoint.orgID)
                case .jaeger:
                    base = JaegerCollector(name: name, baseURL: endpoint.url, client: client)
                case .grafana:
                    base = GrafanaCollector(name: name, baseURL: endpoint.url, client: client)
                }
                collectors.append(ReplicaCollector(base, replica: endpoint.replica))
            }
        }
        return collectors
    }
}
