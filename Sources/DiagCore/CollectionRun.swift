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
    /// The site's pseudonym map as it was before this run; empty with a fresh key.
    let siteMap: PseudonymMap
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
        signingKey: MinisignSecretKey, pseudonymSecret: [UInt8], siteMap: PseudonymMap = PseudonymMap(),
        tenantIdentifiers: TenantIdentifierSink = TenantIdentifierSink()
    ) {
        self.tenantIdentifiers = tenantIdentifiers
        self.settings = settings
        self.collectors = collectors
        self.ruleset = ruleset
        self.rulesetText = rulesetText
        self.signingKey = signingKey
        self.pseudonymSecret = pseudonymSecret
        self.siteMap = siteMap
    }

    /// Loads the ruleset, query set and keys and checks every local path, so that bad input fails
    /// with a clear error before anything is contacted or written.
    public static func prepare(_ settings: CollectionSettings) throws -> CollectionRun {
        var ruleset = try Ruleset.load(default: settings.rulesPath, extra: settings.extraRulesPaths)
        if settings.allowlistMode { ruleset.allowlistMode = true }
        let rulesetText = String(decoding: try FileSafety.read(settings.rulesPath), as: UTF8.self)
        try ConfigFileCollector.validate(paths: settings.configPaths)
        try OutputFolder.check(settings.outputFolder, option: "--out")
        let querySet = try QuerySet.load(url: settings.queriesPath)
        let signingKey = try KeyFiles.loadSecretKey(at: settings.signingKeyPath)
        let secret: [UInt8]
        let siteMap: PseudonymMap
        if let path = settings.pseudonymKeyPath {
            secret = try SiteSecret.loadOrCreate(at: path)
            siteMap = try loadPseudonymMap(at: settings.pseudonymMapPath)
        } else {
            secret = SiteSecret.ephemeral()
            siteMap = PseudonymMap()
        }

        var profile = CollectionProfile(
            source: URL(fileURLWithPath: settings.profileName ?? "command line"), mode: settings.mode,
            region: settings.region, site: settings.site)
        profile.tenant = settings.tenantScope.tenant
        profile.endpoints = settings.endpoints
        profile.timeouts.request = settings.requestTimeout
        let sink = TenantIdentifierSink()
        var collectors = try profile.collectors(querySet: querySet, tenantIdentifiers: sink)
        if let lokis = settings.endpoints[.loki], !lokis.isEmpty {
            let replicas = try lokis.map { loki in
                LokiErrorCollector.Replica(
                    baseURL: loki.url, client: HTTPClient(configuration: try loki.clientConfiguration(requestTimeout: settings.requestTimeout)),
                    orgID: loki.orgID)
            }
            collectors.append(
                LokiErrorCollector(replicas: replicas, selectors: settings.lokiSelectors, masksTenants: settings.tenantScope == .aggregated))
        }
        if !settings.configPaths.isEmpty {
            collectors.append(ConfigFileCollector(paths: settings.configPaths))
        }
        if !settings.logGlobs.isEmpty {
            var logs = LogFilesCollector(globs: settings.logGlobs)
            logs.masksTenants = settings.tenantScope == .aggregated
            collectors.append(logs)
        }
        return CollectionRun(
            settings: settings, collectors: collectors, ruleset: ruleset,
            rulesetText: rulesetText, signingKey: signingKey, pseudonymSecret: secret, siteMap: siteMap,
            tenantIdentifiers: sink)
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
