import DiagSupport
import Foundation
import Testing

/// `collect --loki` counts Loki's error lines into `logs/error-types.json`.
@Suite(.serialized) struct PipelineLokiTests {
    @Test func lokiErrorsReachBundle() throws {
        let fixture = try LokiErrorsFixture()
        defer { kill(fixture.pid, SIGTERM) }
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)

        let output = try TestSupport.wakaDiag(
            [
                "collect", "--loki", fixture.baseURL.absoluteString, "--mode", "partner", "--region", "eu-west-1",
                "--from", "2026-03-01T00:00:00Z", "--to", "2026-03-01T01:00:00Z", "--secret-key", keys.secret.path,
                "--out", work.appendingPathComponent("out").path, "--json",
            ], home: work, timeout: 120)
        let result = try JSONValue.parse(Data(output.stdout.utf8))
        var statuses: [String: String] = [:]
        for source in result["sources"]?.arrayValue ?? [] {
            statuses[source["name"]?.stringValue ?? "?"] = source["status"]?.stringValue
        }
        #expect(statuses["loki-errors"] == "ok", "\(output.stderr)")
        #expect(statuses["loki"] != nil, "the Loki status collector still runs")

        let bundle = try #require(result["bundle"]?.stringValue)
        let errors = try JSONValue.parse(Data(try TestSupport.wakaDiag(["review", bundle, "--show", "logs/error-types.json"], home: work).stdout.utf8))
        let sources = (errors["sources"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        #expect(sources == ["loki"])
        #expect((errors["totals"]?["error_lines"]?.intValue ?? 0) > 0)
        try SchemaCheck.validateBundle(URL(fileURLWithPath: bundle))
    }

    @Test func manifestRecordsHowLokiWasReached() throws {
        let fixture = try LokiErrorsFixture()
        defer { kill(fixture.pid, SIGTERM) }
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        try "tok-loki-7f3a9c\n".write(to: work.appendingPathComponent("loki.token"), atomically: true, encoding: .utf8)
        let profile = work.appendingPathComponent("site.yaml")
        try """
            version: 1
            mode: partner
            region: eu-west-1
            site: plant-7
            window: {from: "2026-03-01T00:00:00Z", to: "2026-03-01T01:00:00Z"}
            endpoints:
              loki:
                - url: \(fixture.baseURL.absoluteString)
                  org_id: team-orion-42
                  auth: {bearer_token_file: loki.token}
            logs: {selectors: ['{app="checkout"}']}
            sharing: {enabled: true, allowed_regions: [eu-west-1]}

            """.write(to: profile, atomically: true, encoding: .utf8)

        let output = try TestSupport.wakaDiag(
            [
                "collect", "--profile", profile.path, "--secret-key", keys.secret.path,
                "--out", work.appendingPathComponent("out").path, "--json",
            ], home: work, timeout: 120)
        let result = try JSONValue.parse(Data(output.stdout.utf8))
        let bundle = try #require(result["bundle"]?.stringValue, "\(output.stderr)")
        let text = try TestSupport.wakaDiag(["review", bundle, "--show", "manifest.json"], home: work).stdout
        let manifest = try JSONValue.parse(Data(text.utf8))

        let loki = try #require(manifest["settings"]?["connections"]?["loki"]?[0])
        #expect(loki["authentication"] == "bearer")
        #expect(loki["secret_from"] == "file")
        #expect(manifest["settings"]?["sharing"]?["enabled"] == true)
        #expect(manifest["settings"]?["sharing"]?["allowed_regions"] == ["eu-west-1"])
        #expect(loki["org_id_header"] == true)
        #expect(loki["custom_ca"] == false)
        #expect(loki["client_certificate"] == false)
        #expect(loki["replica"] == 1)
        #expect(manifest["settings"]?["loki_selectors"] == 1)
        #expect(!text.contains("team-orion-42"))
        #expect(!text.contains("tok-loki-7f3a9c"))
        try SchemaCheck.validateBundle(URL(fileURLWithPath: bundle))
    }

    @Test func failingLokiReplicaIsRecorded() throws {
        let healthy = try LokiErrorsFixture()
        let broken = try LokiErrorsFixture(scenario: "server-error")
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)

        let output = try TestSupport.wakaDiag(
            [
                "collect", "--loki", healthy.baseURL.absoluteString, "--loki", broken.baseURL.absoluteString, "--mode", "partner",
                "--region", "eu-west-1", "--from", "2026-03-01T00:00:00Z", "--to", "2026-03-01T01:00:00Z",
                "--secret-key", keys.secret.path, "--out", work.appendingPathComponent("out").path, "--json",
            ], home: work, timeout: 120)
        #expect(output.status == 2, "a failed replica makes the bundle partial: \(output.stderr)")
        let result = try JSONValue.parse(Data(output.stdout.utf8))
        let lokiErrors = (result["sources"]?.arrayValue ?? []).first { $0["name"] == "loki-errors" }
        #expect(lokiErrors?["status"] == "partial")

        let bundle = try #require(result["bundle"]?.stringValue)
        let errors = try JSONValue.parse(Data(try TestSupport.wakaDiag(["review", bundle, "--show", "collection/errors.json"], home: work).stdout.utf8))
        let endpoints = (errors["endpoints"]?.arrayValue ?? []).filter { $0["source"] == "loki-errors" }
        #expect(!endpoints.isEmpty)
        for endpoint in endpoints {
            #expect(endpoint["endpoint"]?.stringValue?.hasPrefix("replica 2 (") == true, "\(endpoint)")
        }
        let types = try JSONValue.parse(Data(try TestSupport.wakaDiag(["review", bundle, "--show", "logs/error-types.json"], home: work).stdout.utf8))
        #expect(types["totals"]?["error_lines"] == 100, "replica 1 counts alone; replica 2 adds nothing")

        let verify = try TestSupport.wakaDiag(["verify", bundle, "--public-key", keys.public.path], home: work)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        try SchemaCheck.validateBundle(URL(fileURLWithPath: bundle))
    }
}
