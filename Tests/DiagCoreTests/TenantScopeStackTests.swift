import DiagCollect
@testable import DiagCore
import DiagSupport
import Foundation
import Testing

/// Tenant scope against the real demo stack, whose alerts and scrape targets carry the tenants
/// acme-bank-ng and zenith-retail.
@Suite(.serialized) struct TenantScopeStackTests {
    static let tenants = ["acme-bank-ng", "zenith-retail"]

    /// Runs an instant query and returns the response envelope.
    static func query(_ prometheus: String, _ expression: String) throws -> JSONValue {
        var components = URLComponents(string: prometheus + "/api/v1/query")!
        components.queryItems = [URLQueryItem(name: "query", value: expression)]
        let encoded = components.percentEncodedQuery!.replacingOccurrences(of: "+", with: "%2B")
        components.percentEncodedQuery = encoded
        return try JSONValue.parse(try Data(contentsOf: components.url!))
    }

    /// Polls `condition` every half second until it holds or `timeout` seconds pass.
    static func waitUntil(timeout: Double, _ condition: () throws -> Bool) throws {
        let limit = Date().addingTimeInterval(timeout)
        while Date() < limit {
            if try condition() { return }
            usleep(500_000)
        }
    }

    /// Returns the pseudonym the site key gives a tenant, from the real `redact` command.
    static func pseudonym(of tenant: String, key: URL, work: URL) throws -> String {
        let input = work.appendingPathComponent("pseudonym-\(tenant).yaml")
        try "tenant_id: \(tenant)\n".write(to: input, atomically: true, encoding: .utf8)
        let out = work.appendingPathComponent("pseudonym-\(tenant)")
        let output = try TestSupport.wakaDiag(
            ["redact", input.path, "--out", out.path, "--pseudonym-key", key.path, "--pseudonym-map", work.appendingPathComponent("redact-map.json").path],
            home: work)
        try #require(output.status == 0, "redact failed: \(output.stderr)")
        // The copy's name loses the tenant that its text names.
        let copies = try FileManager.default.contentsOfDirectory(atPath: out.path)
        let copy = try #require(copies.first, "no copy in \(out.path)")
        try #require(copies.count == 1 && !copy.contains(tenant), "unexpected copies \(copies)")
        let text = try String(contentsOf: out.appendingPathComponent(copy), encoding: .utf8)
        let value = text.replacingOccurrences(of: "tenant_id:", with: "").trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(value.hasPrefix("tenant-") && value != tenant, "unexpected pseudonym '\(value)'")
        return value
    }

    @Test func scopedBundlesHoldOneTenantOnly() throws {
        let stack = try DemoStack()
        defer { stack.stop() }
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let siteKey = work.appendingPathComponent("site/pseudonym.key")
        #expect(stack.waitForFiringAlert(timeout: 60), "no alert fired in the demo stack within 60 s")
        let prometheus = stack.url("prometheus")

        // Every default query, scoped, is valid PromQL to a real Prometheus.
        let querySet = try QuerySet.load(url: TestSupport.repositoryRoot.appendingPathComponent("Queries/default.yaml"))
        let scopedSet = try CollectionRun.scoped(querySet, tenant: "zenith-retail")
        for query in scopedSet.queries {
            let response = try Self.query(prometheus, query.expr)
            #expect(response["status"] == "success", "\(query.name): \(query.expr) -> \(response)")
        }
        // The node exporter target carries tenant_id=zenith-retail, so only its job is seen.
        let zenithUp = try PromQLMatcherInjector(label: "tenant_id", value: "zenith-retail").inject(into: "count by (job) (up)")
        var zenithJobs: [String] = []
        try Self.waitUntil(timeout: 30) {
            zenithJobs = try Self.query(prometheus, zenithUp)["data"]?["result"]?.arrayValue?.compactMap { $0["metric"]?["job"]?.stringValue } ?? []
            return !zenithJobs.isEmpty
        }
        #expect(zenithJobs == ["node"])
        let acmeJobs = try Self.query(prometheus, try PromQLMatcherInjector(label: "tenant_id", value: "acme-bank-ng").inject(into: "count by (job) (up)"))
        #expect(acmeJobs["data"]?["result"]?.arrayValue?.isEmpty == true)

        // Prometheus forwards zenith-retail's alerts to Alertmanager within a few evaluations.
        let filtered = stack.url("alertmanager") + "/api/v2/alerts?filter=" + #"tenant_id%3D%22zenith-retail%22"#
        try Self.waitUntil(timeout: 30) { (try JSONValue.parse(try Data(contentsOf: URL(string: filtered)!)).arrayValue ?? []).count > 0 }

        var pseudonyms: [String: String] = [:]
        for tenant in Self.tenants { pseudonyms[tenant] = try Self.pseudonym(of: tenant, key: siteKey, work: work) }

        for tenant in Self.tenants {
            let other = Self.tenants.first { $0 != tenant }!
            let output = try TestSupport.wakaDiag(
                [
                    "collect", "--prometheus", prometheus, "--alertmanager", stack.url("alertmanager"),
                    "--config", TestSupport.repositoryRoot.appendingPathComponent("demo/configs").path,
                    "--mode", "saas", "--tenant", tenant, "--region", "af-west-1", "--site", "lagos-dc1", "--since", "10m",
                    "--pseudonym-key", siteKey.path, "--pseudonym-map", work.appendingPathComponent("site/map.json").path,
                    "--secret-key", keys.secret.path, "--out", work.appendingPathComponent("out-\(tenant)").path, "--json",
                ], home: work, timeout: 180)
            #expect(output.status == 2, "collect for \(tenant) exited \(output.status): \(output.stderr)")
            let result = try JSONValue.parse(Data(output.stdout.utf8))
            let bundle = URL(fileURLWithPath: try #require(result["bundle"]?.stringValue))
            #expect(result["tenant_scope"]?["tenant"]?.stringValue == pseudonyms[tenant])
            #expect((result["tenant_scope"]?["other_tenant_items_dropped"]?.intValue ?? 0) > 0)

            let bytes = try TestSupport.decompressedBytes(bundle)
            let text = String(decoding: bytes, as: UTF8.self).lowercased()
            #expect(!text.contains(other), "\(other) occurs in the bundle scoped to \(tenant)")
            #expect(!text.contains(pseudonyms[other]!), "the pseudonym of \(other) occurs in the bundle scoped to \(tenant)")
            #expect(!text.contains(tenant), "\(tenant) occurs under its own name")
            #expect(text.contains(pseudonyms[tenant]!))

            // Alertmanager's lists were filtered by tenant, and the queries carry the matcher.
            let alerts = try JSONValue.parse(Data(try TestSupport.wakaDiag(["review", bundle.path, "--show", "alerts/alertmanager-alerts.json"], home: work).stdout.utf8))
            for alert in alerts.arrayValue ?? [] {
                #expect(alert["labels"]?["tenant_id"]?.stringValue == pseudonyms[tenant])
            }
            if tenant == "zenith-retail" { #expect((alerts.arrayValue?.count ?? 0) > 0, "zenith-retail has firing alerts") }
            let metrics = try TestSupport.wakaDiag(["review", bundle.path, "--show", "metrics/summary.json"], home: work).stdout
            #expect(metrics.contains(#"tenant_id=\"\#(pseudonyms[tenant]!)\""#))
            let history = try TestSupport.wakaDiag(["review", bundle.path, "--show", "alerts/prometheus-history.json"], home: work).stdout
            #expect(history.contains(#"ALERTS{tenant_id=\"\#(pseudonyms[tenant]!)\"}"#))
            let summary = try TestSupport.wakaDiag(["review", bundle.path, "--show", "SUMMARY.md"], home: work).stdout
            #expect(summary.range(of: #"dropped [1-9][0-9]* items of other tenants"#, options: .regularExpression) != nil)

            let verify = try TestSupport.wakaDiag(["verify", bundle.path, "--public-key", keys.public.path], home: work)
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
            try SchemaCheck.validateBundle(bundle)
        }

        // Partner mode aggregates: alert history keeps the alerts without tenant values.
        let partner = try TestSupport.wakaDiag(
            [
                "collect", "--prometheus", prometheus, "--alertmanager", stack.url("alertmanager"), "--mode", "partner",
                "--region", "af-west-1", "--since", "10m", "--pseudonym-key", siteKey.path,
                "--pseudonym-map", work.appendingPathComponent("site/map.json").path,
                "--secret-key", keys.secret.path, "--out", work.appendingPathComponent("out-partner").path, "--json",
            ], home: work, timeout: 180)
        #expect(partner.status == 0, "\(partner.stderr)")
        let result = try JSONValue.parse(Data(partner.stdout.utf8))
        let bundle = try #require(result["bundle"]?.stringValue)
        #expect((result["tenant_scope"]?["per_tenant_label_values_removed"]?.intValue ?? 0) > 0)
        #expect(result["tenant_scope"]?["scope"] == "aggregated")
        let history = try JSONValue.parse(Data(try TestSupport.wakaDiag(["review", bundle, "--show", "alerts/prometheus-history.json"], home: work).stdout.utf8))
        let intervals = history["intervals"]?.arrayValue ?? []
        #expect(!intervals.isEmpty)
        for interval in intervals {
            let labels = interval["labels"]?.objectValue ?? [:]
            for key in ["tenant_id", "user_id"] where labels[key] != nil {
                #expect(labels[key] == "<redacted:aggregated>", "\(interval)")
            }
        }
        let metrics = try JSONValue.parse(Data(try TestSupport.wakaDiag(["review", bundle, "--show", "metrics/summary.json"], home: work).stdout.utf8))
        for query in metrics["queries"]?.arrayValue ?? [] {
            for series in query["series"]?.arrayValue ?? [] {
                let keys = Set(series["labels"]?.objectValue?.keys.map { $0 } ?? [])
                #expect(keys.isDisjoint(with: TenantScope.perTenantLabels), "\(series)")
            }
        }
        try SchemaCheck.validateBundle(URL(fileURLWithPath: bundle))
    }

    @Test func tenantOutsideSaasIsUsageError() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let output = try TestSupport.wakaDiag(
            ["collect", "--config", "/etc/hostname", "--mode", "partner", "--tenant", "acme-bank-ng", "--region", "r1", "--dry-run"], home: work)
        #expect(output.status == 64)
        #expect(output.stderr.contains("--tenant is only allowed with --mode saas"), "\(output.stderr)")

        let profile = work.appendingPathComponent("site.yaml")
        try "version: 1\nmode: partner\nregion: r1\nsite: s1\ntenant: acme-bank-ng\n".write(to: profile, atomically: true, encoding: .utf8)
        let fromProfile = try TestSupport.wakaDiag(["collect", "--profile", profile.path, "--config", "/etc/hostname", "--dry-run"], home: work)
        #expect(fromProfile.status == 78)
        #expect(fromProfile.stderr.contains("tenant: is only allowed with mode: saas"), "\(fromProfile.stderr)")
    }
}
