import DiagCollect
import DiagRedaction
import DiagSupport
import Foundation

extension BundleAssembler {
    /// Sweeps the redacted documents, adds the generated files, cuts files to meet the size
    /// budget and runs the checks that must pass before anything is sealed.
    func finish(_ content: RedactedContent, tenantReport: TenantGuardReport?) throws -> Assembly {
        // Every value a rule replaced somewhere is now replaced wherever else it occurs on its own.
        let sweep = redactor.makeKnownValueSweep()
        var files = content.files
        var sweepCounts: [String: [String: Int]] = [:]
        let tenantSweep = tenantReport.flatMap(TenantNameSweep.init)
        for path in Array(files.keys) {
            var (swept, counts) = sweep(files[path]!.data, path)
            if let tenantSweep {
                let (renamed, count) = tenantSweep.apply(to: swept)
                swept = renamed
                if count > 0 { counts[TenantNameSweep.ruleID, default: 0] += count }
            }
            files[path]!.data = swept
            for (rule, count) in counts { sweepCounts[rule, default: [:]][path, default: 0] += count }
        }

        var cut: [SizeBudget.CutFile] = []
        var budgetMet = true
        var generated = Generated()
        // Each round cuts at least one file, so the loop ends; the bound is a guard.
        for _ in 0...(files.count + 1) {
            let kept = files.filter { path, _ in !cut.contains { $0.path == path } }
            generated = generate(
                content: content, files: kept, cut: cut, budgetMet: budgetMet, sweep: sweep, tenantSweep: tenantSweep,
                sweepCounts: sweepCounts, tenantReport: tenantReport)
            guard let budget = settings.sizeBudgetBytes else { break }
            let total = generated.files.values.reduce(0) { $0 + $1.data.count }
            guard total > budget else { break }
            let picked = SizeBudget.choose(from: generated.files.mapValues(\.data.count), excess: total - budget)
            guard !picked.isEmpty else {
                // Only files that are always kept remain: record that the budget was not met.
                if budgetMet {
                    budgetMet = false
                    continue
                }
                break
            }
            cut += picked.map { SizeBudget.CutFile(path: $0.path, bytes: $0.bytes, reason: SizeBudget.reason(budget: budget)) }
        }

        let ordered = generated.files.values.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        try checkForLeaks(ordered, tenantReport: tenantReport)
        return Assembly(
            files: ordered, leftOut: content.leftOut, sources: content.sources, replacements: generated.replacements, cut: cut,
            budgetMet: budgetMet, tenantReport: tenantReport)
    }

    /// The finished file set of one round of the size-budget loop.
    struct Generated {
        var files: [String: BundleFile] = [:]
        var replacements = 0
    }

    /// Adds `collection/errors.json`, the ruleset, the redaction report, `report.html` (unless
    /// cut), `SUMMARY.md` and `manifest.json` to `files`.
    private func generate(
        content: RedactedContent, files: [String: BundleFile], cut: [SizeBudget.CutFile], budgetMet: Bool,
        sweep: @Sendable (Data, String) -> (Data, [String: Int]), tenantSweep: TenantNameSweep?,
        sweepCounts: [String: [String: Int]], tenantReport: TenantGuardReport?
    ) -> Generated {
        var files = files
        var counts = sweepCounts
        func finished(_ data: Data, path: String, counted: Bool) -> Data {
            var (swept, found) = sweep(data, path)
            if let tenantSweep {
                let (renamed, count) = tenantSweep.apply(to: swept)
                swept = renamed
                if count > 0 { found[TenantNameSweep.ruleID, default: 0] += count }
            }
            if counted { for (rule, count) in found { counts[rule, default: [:]][path, default: 0] += count } }
            return swept
        }

        let leftOut = content.leftOut + cut.map(\.leftOut)
        let errors: JSONValue = [
            "schema": .string(BundleLayout.errorsSchema), "sources": .array(content.errorSources),
            "endpoints": .array(content.errorEndpoints), "left_out": .array(leftOut.map(\.jsonValue)),
        ]
        files[BundleLayout.collectionErrors] = BundleFile(
            path: BundleLayout.collectionErrors, data: finished(errors.serialized(), path: BundleLayout.collectionErrors, counted: true))

        let sweptTotal = counts.values.reduce(0) { $0 + $1.values.reduce(0, +) }
        let replacements = redactor.replacementCount + sweptTotal
        files[BundleLayout.ruleset] = BundleFile(path: BundleLayout.ruleset, data: Data(rulesetText.utf8))

        // The report and the summary come last so that they count every replacement made above.
        files[BundleLayout.redactionReport] = BundleFile(
            path: BundleLayout.redactionReport, json: redactor.reportJSON(adding: counts))

        // Likely secrets that no rule replaced, listed by file, line and kind, never by value. The
        // shipped ruleset is not scanned because its examples hold fake tokens on purpose.
        var scannable: [String: Data] = [:]
        for (path, file) in files where path != BundleLayout.ruleset { scannable[path] = file.data }
        let residual = ResidualScanner.scanCounting(files: scannable)
        files[ResidualScanner.warningsPath] = BundleFile(
            path: ResidualScanner.warningsPath,
            json: ResidualScanner.warningsDocument(residual.warnings, omitted: residual.omitted))
        if !cut.contains(where: { $0.path == HTMLReport.path }) {
            let page = HTMLReport(settings: settings, sources: content.sources, leftOut: leftOut, files: files, replacements: replacements)
            files[HTMLReport.path] = BundleFile(path: HTMLReport.path, data: finished(page.data, path: HTMLReport.path, counted: false))
        }
        let summary = SummaryDocument(
            settings: settings, sources: content.sources, files: files, leftOut: leftOut, replacements: replacements, cut: cut,
            budgetMet: budgetMet, tenantReport: tenantReport)
        files[BundleLayout.summary] = BundleFile(
            path: BundleLayout.summary, data: finished(Data(summary.markdown().utf8), path: BundleLayout.summary, counted: false))

        let manifest = Manifest(
            bundleName: settings.bundleName, toolVersion: toolVersion, created: settings.now, mode: settings.mode,
            region: settings.region, site: settings.site, window: settings.window, sources: content.sources,
            files: Array(files.values), leftOut: content.leftOut, ruleset: rulesetSummary,
            settings: settingsDocument(budgetMet: budgetMet), replacements: replacements, cut: cut, tenantScope: tenantReport)
        files[BundleLayout.manifest] = BundleFile(
            path: BundleLayout.manifest, data: finished(manifest.jsonValue.serialized(), path: BundleLayout.manifest, counted: false))
        return Generated(files: files, replacements: replacements)
    }

    /// Stops the seal when a replaced value, or anything of another tenant, is still in a file.
    private func checkForLeaks(_ files: [BundleFile], tenantReport: TenantGuardReport?) throws {
        // The ruleset file is shipped text from the repository, not collected data; its examples
        // may coincide with real values, so it is not scanned.
        let scanned = files.filter { $0.path != BundleLayout.ruleset }
        let leaks = redactor.findLeaks(in: scanned)
        if !leaks.isEmpty {
            let list = leaks.prefix(5).map { "\($0.path) (rule \($0.rule))" }.joined(separator: ", ")
            throw DiagError(
                .checkFailed,
                "refusing to seal the bundle: a value replaced by the redactor still occurs in \(list); no bundle was written. Add a rule that covers that field (waka-diag rules explain FILE shows the matches) and collect again"
            )
        }
        guard let tenantReport, !tenantReport.otherTenantMarks.isEmpty else { return }
        let matcher = TenantIdentifierMatcher(tenantReport.otherTenantMarks, keeping: tenantReport.scope.tenant.map { [$0] } ?? [])
        let hits = scanned.filter { matcher.matches($0.data) }.map(\.path)
        guard hits.isEmpty else {
            throw DiagError(
                .checkFailed,
                "refusing to seal the bundle: an identifier or pseudonym of another tenant still occurs in \(hits.prefix(5).joined(separator: ", ")); no bundle was written. Report this as a bug in the tenant guard"
            )
        }
    }

    /// Builds the manifest's record of the settings used, without secrets or local paths.
    private func settingsDocument(budgetMet: Bool) -> JSONValue {
        [
            "endpoints": .object(
                Dictionary(uniqueKeysWithValues: settings.endpoints.map { ($0.key.rawValue, JSONValue($0.value.count)) })),
            "profile": settings.profileName.map { .string($0) } ?? .null,
            "size_budget_bytes": settings.sizeBudgetBytes.map { JSONValue($0) } ?? .null,
            "size_budget_met": settings.sizeBudgetBytes == nil ? .null : .bool(budgetMet),
            "tenant_scope": .string(settings.tenantScope.settingValue),
            "request_timeout_seconds": .number(settings.requestTimeout),
            "window_seconds": JSONValue(Int(settings.window.durationSeconds.rounded())),
            "config_paths": JSONValue(settings.configPaths.count),
            "log_globs": JSONValue(settings.logGlobs.count),
            "source_timeout_seconds": .number(settings.sourceTimeout),
            "overall_timeout_seconds": .number(settings.overallTimeout),
            "extra_rules_files": JSONValue(settings.extraRulesPaths.count),
            "pseudonym_key": .string(settings.pseudonymKeyPath == nil ? "fresh per bundle" : "site key"),
            "query_set": .string(settings.queriesPath.lastPathComponent),
            "connections": connectionsDocument(),
            "loki_selectors": JSONValue(settings.lokiSelectors.count),
            "sharing": settings.sharing.map { sharing in
                [
                    "enabled": .bool(sharing.enabled), "allowed_regions": .array(sharing.allowedRegions.map { .string($0) }),
                    "destinations": JSONValue(sharing.destinations.count),
                ]
            } ?? .null,
        ]
    }

    /// Describes how each endpoint was reached, per component and replica: the authentication
    /// scheme, where its secret was read from (a file or an environment variable), and whether a
    /// custom CA, a client certificate or a Loki tenant header was set.
    /// Records no URL, user name, secret, path or tenant, only which kinds were used.
    private func connectionsDocument() -> JSONValue {
        var components: [String: JSONValue] = [:]
        for (component, endpoints) in settings.endpoints {
            components[component.rawValue] = .array(
                endpoints.map { endpoint in
                    let authentication: String
                    var secret: SecretReference?
                    switch endpoint.authentication {
                    case .none: authentication = "none"
                    case .bearer(let token): authentication = "bearer"; secret = token
                    case .basic(_, let password): authentication = "basic"; secret = password
                    }
                    let secretFrom: JSONValue
                    switch secret {
                    case .file?: secretFrom = "file"
                    case .environment?: secretFrom = "environment"
                    case nil: secretFrom = .null
                    }
                    return [
                        "replica": JSONValue(endpoint.replica),
                        "scheme": .string(endpoint.url.scheme ?? "http"),
                        "authentication": .string(authentication),
                        "secret_from": secretFrom,
                        "custom_ca": .bool(endpoint.tls.caFile != nil),
                        "client_certificate": .bool(endpoint.tls.clientCertificateFile != nil),
                        "org_id_header": .bool(endpoint.orgID != nil),
                    ]
                })
        }
        return .object(components)
    }
}

/// Replaces the scoped tenant's identifier, wherever it still occurs as a word in a finished
/// file, with its pseudonym, so the bundle names the tenant only by its pseudonym.
struct TenantNameSweep {
    static let ruleID = "tenant-scope"

    let matcher: TenantIdentifierMatcher
    let pseudonym: String

    init?(_ report: TenantGuardReport) {
        guard let tenant = report.scope.tenant, let pseudonym = report.tenantPseudonym else { return nil }
        matcher = TenantIdentifierMatcher([tenant])
        self.pseudonym = pseudonym
    }

    func apply(to data: Data) -> (Data, Int) {
        matcher.replacing(in: data, with: pseudonym)
    }
}
