import DiagSupport
import Foundation
import Testing

@testable import DiagCollect

@Suite(.serialized) struct GrafanaCollectorTests {
    static let token = "glsa_fixtureToken0123456789_abcdef12"
    /// Values the Grafana fixture plants in its responses; none may reach a document.
    static let secretValues = [
        "legacy-plain-password", "jsondata-password", "sigv4-secret", "rs-secret-key", "loki-user", "s3cret", "token=abc123",
        "UA-123-secret", "loki-reader", "db-user", "sentry-key", "alice@example.com", "5c0ffee0", "grafana.example.internal",
        "9e8d7c6b5a493827", glsaPrefix,
    ]
    static let glsaPrefix = "glsa_"

    static let documents: [(path: String, schema: String)] = [
        ("grafana/health.json", "grafana-health.schema.json"),
        ("grafana/settings.json", "grafana-settings.schema.json"),
        ("grafana/datasources.json", "grafana-datasources.schema.json"),
        ("grafana/dashboards.json", "grafana-dashboards.schema.json"),
        ("grafana/alert-rules.json", "grafana-alert-rules.schema.json"),
        ("grafana/alerts.json", "grafana-alerts.schema.json"),
    ]

    static func window() -> CollectionWindow {
        CollectionWindow(start: Date() - 3600, end: Date())
    }

    @Test(.timeLimit(.minutes(1)))
    func collectsWithBearerToken() async throws {
        let server = try FixtureServer("grafana_fixture.py")
        defer { server.stop() }
        let client = HTTPClient(configuration: .init(credentials: .bearer(token: Self.token)))
        let collector = GrafanaCollector(baseURL: server.baseURL, client: client)

        let result = await collector.collect(window: Self.window(), deadline: Date() + 20)

        #expect(result.status == .ok, "\(result.failures.map(\.description))")
        #expect(result.kind == "grafana")
        let documents = documentMap(result)
        for (path, schema) in Self.documents {
            #expect(documents[path] != nil, "missing \(path)")
            #expect(try bundleSchemaViolations(json(documents[path]), schema: schema) == [], "\(path)")
        }

        let health = try #require(json(documents["grafana/health.json"]))
        #expect(health == ["database": "ok", "version": "11.2.3", "commit": "3c4a1f9e2b"])

        let settings = try #require(json(documents["grafana/settings.json"]))
        #expect(settings["buildInfo"]?["version"] == "11.2.3")
        #expect(settings["featureToggles"] == ["exampleToggle": true, "nestedFolders": false])
        #expect(settings["authentication"]?["ldapEnabled"] == true)
        #expect(settings["authentication"]?["oauthProviders"] == ["generic_oauth", "github"])
        #expect(settings["dataSourceTypes"] == ["loki", "prometheus"])
        #expect(settings["appUrl"] == nil)

        let sources = try #require(json(documents["grafana/datasources.json"]))
        #expect(sources["count"] == 2)
        let loki = try #require(entry(sources["datasources"], named: "Loki"))
        #expect(loki["url"] == "http://loki.example.internal:3100/")
        #expect(loki["access"] == "proxy")
        #expect(loki["type"] == "loki")
        #expect(loki["jsonData"] == ["maxLines": 1000, "httpHeaderName1": "X-Scope-OrgID", "tlsSkipVerify": false])
        #expect(loki["secureJsonFieldNames"] == ["basicAuthPassword", "httpHeaderValue1"])
        #expect(loki["basicAuthPassword"] == nil)
        #expect(loki["basicAuthUser"] == nil)
        #expect(entry(sources["datasources"], named: "Prometheus")?["jsonData"] == ["httpMethod": "POST", "timeInterval": "15s"])

        let dashboards = try #require(json(documents["grafana/dashboards.json"]))
        #expect(dashboards["folders"] == 1)
        #expect(dashboards["dashboards"] == 1)
        #expect(dashboards["items"]?[1]?["tags"] == ["linux", "prod"])

        let rules = try #require(json(documents["grafana/alert-rules.json"]))
        #expect(rules["rules"]?[0]?["annotationNames"] == ["summary"])
        #expect(rules["rules"]?[0]?["queries"]?[0]?["expr"]?.stringValue?.contains("http_requests_total") == true)
        #expect(rules["rules"]?[0]?["queries"]?[1]?["expressionType"] == "threshold")

        let alerts = try #require(json(documents["grafana/alerts.json"]))
        #expect(alerts["alerts"]?[0]?["state"] == "suppressed")
        #expect(alerts["alerts"]?[0]?["silenced"] == true)
        #expect(alerts["alerts"]?[0]?["receivers"] == ["web-oncall"])

        // The Loki URL keeps its host for the redactor; every other planted value is dropped.
        let text = result.documents.compactMap { json($0.content)?.serializedString() }.joined()
        for secret in Self.secretValues where secret != "grafana.example.internal" {
            #expect(!text.contains(secret), "a Grafana document leaks \(secret)")
        }
        #expect(!json(documents["grafana/settings.json"])!.serializedString().contains("grafana.example.internal"))

        let requests = try await server.requests()
        let authorized = requests.filter { $0["path"] != "/api/health" }
        #expect(authorized.allSatisfy { $0["headers"]?["authorization"] == .string("Bearer \(Self.token)") })
        #expect(requests.first { $0["path"] == "/api/search" }?["query"]?["limit"] == ["5000"])
    }

    @Test(.timeLimit(.minutes(1)))
    func collectsWithBasicAuth() async throws {
        let server = try FixtureServer("grafana_fixture.py")
        defer { server.stop() }
        let client = HTTPClient(configuration: .init(credentials: .basic(username: "admin", password: "fixture-admin-password")))

        let result = await GrafanaCollector(baseURL: server.baseURL, client: client).collect(window: Self.window(), deadline: Date() + 20)

        #expect(result.status == .ok, "\(result.failures.map(\.description))")
        #expect(result.documents.count == 6)
    }

    @Test(.timeLimit(.minutes(1)))
    func viewerTokenIsPartial() async throws {
        let server = try FixtureServer("grafana_fixture.py", scenario: "viewer")
        defer { server.stop() }
        let client = HTTPClient(configuration: .init(credentials: .bearer(token: Self.token)))

        let result = await GrafanaCollector(baseURL: server.baseURL, client: client).collect(window: Self.window(), deadline: Date() + 20)

        #expect(result.status == .partial)
        #expect(Set(result.failures.map(\.endpoint)) == ["/api/datasources", "/api/v1/provisioning/alert-rules"])
        #expect(result.failures.allSatisfy { $0.status == .denied })
        #expect(result.failures.allSatisfy { $0.reason.contains("HTTP 403") })
        #expect(documentMap(result)["grafana/settings.json"] != nil)
    }

    @Test(.timeLimit(.minutes(1)))
    func wrongPasswordNamesItsFile() async throws {
        let server = try FixtureServer("grafana_fixture.py")
        defer { server.stop() }
        let configuration = HTTPClientConfiguration(
            credentials: .basic(username: "admin", password: "wrong"), credentialOrigin: "password file /etc/waka/grafana.pass")

        let result = await GrafanaCollector(baseURL: server.baseURL, client: HTTPClient(configuration: configuration))
            .collect(window: Self.window(), deadline: Date() + 20)

        #expect(result.status == .partial, "only /api/health needs no credentials")
        #expect(result.failures.count == 5)
        let reason = try #require(result.failures.first { $0.endpoint == "/api/datasources" }?.reason)
        #expect(reason.contains("authentication failed for http://127.0.0.1:\(server.port)/api/datasources"), "\(reason)")
        #expect(reason.contains("check the password file /etc/waka/grafana.pass"), "\(reason)")
        #expect(!reason.contains("wrong"))
    }

    @Test(.timeLimit(.minutes(1)))
    func keepsFailingDatabaseHealth() async throws {
        let server = try FixtureServer("grafana_fixture.py", scenario: "database-failing")
        defer { server.stop() }
        let client = HTTPClient(configuration: .init(credentials: .bearer(token: Self.token)))

        let result = await GrafanaCollector(baseURL: server.baseURL, client: client).collect(window: Self.window(), deadline: Date() + 20)

        #expect(result.status == .ok)
        #expect(json(documentMap(result)["grafana/health.json"])?["database"] == "failing")
    }

    @Test(.timeLimit(.minutes(1)), arguments: [
        ("unauthorized", SourceStatus.partial, "HTTP 401"),
        ("server-error", .invalidResponse, "Internal Server Error"),
        ("html", .invalidResponse, "HTML"),
        ("truncated", .invalidResponse, "truncated JSON"),
        ("stall", .timedOut, "deadline"),
    ])
    func reportsFixtureFault(scenario: String, status: SourceStatus, reasonPart: String) async throws {
        let server = try FixtureServer("grafana_fixture.py", scenario: scenario)
        defer { server.stop() }
        let client = HTTPClient(configuration: .init(requestTimeout: 10, credentials: .bearer(token: Self.token)))
        let started = Date()

        let result = await GrafanaCollector(baseURL: server.baseURL, client: client).collect(window: Self.window(), deadline: started + 2)

        #expect(result.status == status, "\(scenario): \(result.reason ?? "")")
        #expect(result.reason?.contains(reasonPart) == true, "\(scenario): \(result.reason ?? "")")
        #expect(Date().timeIntervalSince(started) < 3.5)
    }

    @Test func sanitizedURLDropsCredentialsAndQuery() {
        #expect(GrafanaDocuments.sanitizedURL("https://u:p@db.example:5432/x?sslmode=disable&password=y#f") == "https://db.example:5432/x")
        #expect(GrafanaDocuments.sanitizedURL("/api/datasources/proxy/uid/a?x=1") == "/api/datasources/proxy/uid/a")
        #expect(GrafanaDocuments.sanitizedURL("") == "")
    }
}
