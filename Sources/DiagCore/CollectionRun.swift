import DiagCollect
import DiagCrypto
import DiagRedaction
import DiagSupport
import Foundation

/// One `collect`: everything is loaded and checked by `prepare`, before any source is contacted,
/// then `execute` collects, redacts, assembles, seals and signs.
public final class CollectionRun: @unchecked Sendable {
    public let settings: CollectionSettings
    let collectors: [any Collector]
    let ruleset: Ruleset
    let rulesetText: String
    let signingKey: MinisignSecretKey
    let pseudonymSecret: [UInt8]
    /// Tenant identifiers that sources report during a tenant-scoped collection.
    let tenantIdentifiers: TenantIdentifierSink

    /// One source as `--dry-run` shows it.
    public struct PlannedSource: Sendable {
        public var name: String
        public var endpoint: String
        public var requests: [String]
    }

    init(
        settings: CollectionSettings, collectors: [any Collector], ruleset: Ruleset, rulesetText: String,
        signingKey: MinisignSecretKey, pseudonymSecret: [UInt8], tenantIdentifiers: TenantIdentifierSink = TenantIdentifierSink()
    ) {
        self.tenantIdentifiers = tenantIdentifiers
        self.settings = settings
        self.collectors = collectors
        self.ruleset = ruleset
        self.rulesetText = rulesetText
        self.signingKey = signingKey
        self.pseudonymSecret = pseudonymSecret
    }

    /// Loads the ruleset, query set and keys and checks every local path, so that bad input fails
    /// with a clear error before anything is contacted or written.
    public static func prepare(_ settings: CollectionSettings) throws -> CollectionRun {
        let ruleset = try Ruleset.load(default: settings.rulesPath, extra: settings.extraRulesPaths)
        let rulesetText = String(decoding: try FileSafety.read(settings.rulesPath), as: UTF8.self)
        try ConfigFileCollector.validate(paths: settings.configPaths)
        var querySet = try QuerySet.load(url: settings.queriesPath)
        if let tenant = settings.tenantScope.tenant {
            querySet = try scoped(querySet, tenant: tenant)
        }
        let signingKey = try KeyFiles.loadSecretKey(at: settings.signingKeyPath)
        let secret: [UInt8]
        if let path = settings.pseudonymKeyPath {
            secret = try SiteSecret.loadOrCreate(at: path)
        } else {
            secret = SiteSecret.ephemeral()
        }

        var profile = CollectionProfile(
            source: URL(fileURLWithPath: settings.profileName ?? "command line"), mode: settings.mode,
            region: settings.region, site: settings.site)
        profile.endpoints = settings.endpoints
        profile.timeouts.request = settings.requestTimeout
        var collectors = try profile.collectors(querySet: querySet)
        if let loki = settings.endpoints[.loki]?.first {
            // Replicas of one Loki serve the same logs, so the first one is asked for error lines.
            let client = HTTPClient(configuration: try loki.clientConfiguration(requestTimeout: settings.requestTimeout))
            let errors = LokiErrorCollector(
                baseURL: loki.url, client: client, orgID: loki.orgID, selectors: settings.lokiSelectors,
                masksTenants: settings.tenantScope == .aggregated)
            collectors.append(errors)
        }
        if !settings.configPaths.isEmpty {
            collectors.append(ConfigFileCollector(paths: settings.configPaths))
        }
        if !settings.logGlobs.isEmpty {
            var logs = LogFilesCollector(globs: settings.logGlobs)
            logs.masksTenants = settings.tenantScope == .aggregated
            collectors.append(logs)
        }
        let sink = TenantIdentifierSink()
        return CollectionRun(
            settings: settings, collectors: try scopedCollectors(collectors, settings: settings, sink: sink), ruleset: ruleset,
            rulesetText: rulesetText, signingKey: signingKey, pseudonymSecret: secret, tenantIdentifiers: sink)
    }

    /// Returns `querySet` with the tenant matcher in every selector of every query.
    static func scoped(_ querySet: QuerySet, tenant: String) throws -> QuerySet {
        let injector = PromQLMatcherInjector(label: TenantScope.matcherLabel, value: tenant)
        var scoped = querySet
        scoped.queries = try querySet.queries.map { query in
            var query = query
            do {
                query.expr = try injector.inject(into: query.expr)
            } catch {
                throw DiagError.data("query set \(querySet.name), query \(query.name): \(error.operatorMessage)")
            }
            return query
        }
        return scoped
    }

    /// Replaces the Prometheus and Alertmanager collectors of a tenant-scoped collection with
    /// their tenant-scoped forms; returns `collectors` unchanged when the collection is aggregated.
    private static func scopedCollectors(
        _ collectors: [any Collector], settings: CollectionSettings, sink: TenantIdentifierSink
    ) throws -> [any Collector] {
        guard let tenant = settings.tenantScope.tenant else { return collectors }
        let injector = PromQLMatcherInjector(label: TenantScope.matcherLabel, value: tenant)
        return try collectors.map { collector -> any Collector in
            guard let replica = collector as? ReplicaCollector else { return collector }
            let index = replica.replicaNumber - 1
            if let prometheus = replica.base as? PrometheusCollector, let endpoint = settings.endpoints[.prometheus]?[safe: index] {
                let client = HTTPClient(configuration: try endpoint.clientConfiguration(requestTimeout: settings.requestTimeout))
                let scoped = TenantScopedPrometheusCollector(base: prometheus, client: client, injector: injector, sink: sink)
                return ReplicaCollector(scoped, replica: replica.replicaNumber)
            }
            if let alertmanager = replica.base as? AlertmanagerCollector, let endpoint = settings.endpoints[.alertmanager]?[safe: index] {
                let client = HTTPClient(configuration: try endpoint.clientConfiguration(requestTimeout: settings.requestTimeout))
                let scoped = TenantScopedAlertmanagerCollector(
                    name: alertmanager.name, baseURL: alertmanager.baseURL, client: client, tenant: tenant)
                return ReplicaCollector(scoped, replica: replica.replicaNumber)
            }
            return collector
        }
    }

    public var plan: [PlannedSource] {
        collectors.map { PlannedSource(name: $0.name, endpoint: $0.endpointDescription, requests: $0.plannedRequests()) }
    }

    public var planJSON: JSONValue {
        [
            "dry_run": true,
            "mode": .string(settings.mode.rawValue), "region": .string(settings.region), "site": .string(settings.site),
            "tenant_scope": .string(settings.tenantScope.settingValue),
            "size_budget_bytes": settings.sizeBudgetBytes.map { JSONValue($0) } ?? .null,
            "window": [
                "start": .string(Timestamp.format(settings.window.start)),
                "end": .string(Timestamp.format(settings.window.end)),
            ],
            "bundle": .string(settings.outputFolder.appendingPathComponent(settings.bundleName + ".tar.gz").path),
            "sources": .array(
                plan.map { ["name": .string($0.name), "endpoint": .string($0.endpoint), "requests": .array($0.requests.map { .string($0) })] }
            ),
        ]
    }
}

extension Array {
    subscript(safe index: Int) -> Element? {
        indices.contains(index) ? self[index] : nil
    }
}
