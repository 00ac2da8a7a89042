import DiagCollect
import DiagCore
import DiagSupport
import Foundation
import Testing

/// A throw-away folder for profile files, removed when released.
private final class ProfileFolder: @unchecked Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("waka-diag-profile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    @discardableResult
    func write(_ text: String, to name: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data(text.utf8).write(to: file)
        return file
    }
}

private let schemaFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Schemas")

/// Returns the violations of profile YAML against `Schemas/profile.schema.json`.
private func schemaViolations(_ yaml: String) throws -> [String] {
    let value = try YAMLDocument.parse(yaml).jsonValue()
    return try JSONSchemaValidator(schemaFolder: schemaFolder).validate(value, schemaFile: "profile.schema.json").map(\.description)
}

private let header = "version: 1\nmode: saas\nregion: eu-west\nsite: plant-7\n"

@Suite struct ProfileTests {
    @Test(arguments: DeploymentMode.allCases)
    func starterProfileLoads(mode: DeploymentMode) throws {
        let folder = try ProfileFolder()
        let path = folder.url.appendingPathComponent("profile.yaml")

        try ProfileTemplate.write(mode: mode, to: path)
        let profile = try CollectionProfile.load(url: path)

        #expect(profile.mode == mode)
        #expect(profile.replicas(of: .prometheus).map(\.url.absoluteString) == ["http://127.0.0.1:9090"])
        #expect(profile.replicas(of: .alertmanager).count == 1)
        #expect(profile.window == .since(86400))
        #expect(profile.sizeBudgetBytes == 50 * 1024 * 1024)
        #expect(profile.sharing.enabled == false)
        #expect(profile.timeouts == ProfileTimeouts(source: 120, overall: 600, request: 30))
        let text = try String(contentsOf: path, encoding: .utf8)
        #expect(try schemaViolations(text) == [])

        // Every example URL, commented out or not, is a loopback address.
        let pattern = try NSRegularExpression(pattern: #"https?://([^/\s:]+)"#)
        let urls = pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).map {
            String(text[Range($0.range(at: 1), in: text)!])
        }
        #expect(!urls.isEmpty)
        #expect(urls.allSatisfy { $0 == "127.0.0.1" }, "\(urls)")
    }

    @Test func initRefusesToOverwrite() throws {
        let folder = try ProfileFolder()
        let path = try folder.write("keep me\n", to: "profile.yaml")

        #expect {
            try ProfileTemplate.write(mode: .partner, to: path)
        } throws: { error in
            (error as? DiagError)?.exitStatus == .cannotCreate && "\(error)".contains("already exists")
        }
        #expect(try String(contentsOf: path, encoding: .utf8) == "keep me\n")
    }

    @Test func fullProfileLoads() throws {
        let folder = try ProfileFolder()
        try folder.write("s3cret-password\n", to: "prometheus.pass")
        try folder.write("-----BEGIN CERTIFICATE-----\n", to: "ca.pem")
        let path = try folder.write(
            header + """
                window: {from: "2026-12-04T08:00:00Z", to: "2026-12-04T09:30:00Z"}
                queries: queries.yaml
                endpoints:
                  prometheus:
                    - url: https://127.0.0.1:9090
                      auth: {basic: {username: diag, password_file: prometheus.pass}}
                      ca_file: ca.pem
                    - url: https://127.0.0.1:9091/prometheus
                      auth: {basic: {username: diag, password_env: WAKA_TEST_PROMETHEUS_PASSWORD}}
                  loki:
                    - url: http://127.0.0.1:3100
                      org_id: team-a
                  grafana:
                    - url: http://127.0.0.1:3000
                      auth: {bearer_token_env: WAKA_TEST_GRAFANA_TOKEN}
                logs: {selectors: ['{app="checkout"}'], globs: [logs/*.log]}
                config_files: [/etc/webwaka]
                size_budget: 2 GiB
                sharing: {enabled: true, allowed_regions: [eu-west], destinations: [{name: support, url: "https://127.0.0.1:8443", region: eu-west}]}
                timeouts: {source: 90s, request: 10s}
                """, to: "site.yaml")

        let profile = try CollectionProfile.load(url: path)

        #expect(profile.window == .range(from: Timestamp.parse("2026-12-04T08:00:00Z")!, to: Timestamp.parse("2026-12-04T09:30:00Z")!))
        #expect(profile.queriesPath == folder.url.appendingPathComponent("queries.yaml").standardizedFileURL)
        let prometheus = profile.replicas(of: .prometheus)
        #expect(prometheus.map(\.replica) == [1, 2])
        #expect(prometheus[0].authentication == .basic(username: "diag", password: .file(folder.url.appendingPathComponent("prometheus.pass").standardizedFileURL)))
        #expect(prometheus[0].tls.caFile?.lastPathComponent == "ca.pem")
        #expect(prometheus[1].authentication == .basic(username: "diag", password: .environment("WAKA_TEST_PROMETHEUS_PASSWORD")))
        #expect(profile.replicas(of: .loki).first?.orgID == "team-a")
        #expect(profile.logs.lokiSelectors == [#"{app="checkout"}"#])
        #expect(profile.logs.globs == [folder.url.appendingPathComponent("logs/*.log").path])
        #expect(profile.sizeBudgetBytes == 2 << 30)
        #expect(profile.sharing.destinations == [.init(name: "support", url: "https://127.0.0.1:8443", region: "eu-west")])
        #expect(profile.timeouts == ProfileTimeouts(source: 90, overall: nil, request: 10))
        #expect(try schemaViolations(try String(contentsOf: path, encoding: .utf8)) == [])

        let querySet = QuerySet(name: "test", queries: [.init(name: "up_ratio", expr: "avg by (job) (up)")])
        let environment = ["WAKA_TEST_PROMETHEUS_PASSWORD": "from-env", "WAKA_TEST_GRAFANA_TOKEN": "glsa_test"]
        let collectors = try profile.collectors(querySet: querySet, environment: environment)
        #expect(collectors.map(\.name) == ["prometheus", "prometheus-replica-2", "loki", "grafana"])
        #expect(collectors.map(\.replica) == [1, 2, 1, 1])
        #expect(collectors.map(\.kind) == ["prometheus", "prometheus", "loki", "grafana"])

        #expect {
            try profile.collectors(querySet: querySet, environment: ["WAKA_TEST_PROMETHEUS_PASSWORD": "x"])
        } throws: { error in
            let message = "\(error)"
            return message.contains("endpoints.grafana[0].auth") && message.contains("WAKA_TEST_GRAFANA_TOKEN")
                && (error as? DiagError)?.exitStatus == .configuration
        }
    }

    /// Invalid profiles, each with the key path and problem its error must name.
    static let invalidProfiles: [(name: String, body: String, message: String)] = [
        ("bad URL", "endpoints:\n  prometheus:\n    - url: http://127.0.0.1:9090\n    - url: x\n",
         "endpoints.prometheus[1].url: invalid URL 'x'"),
        ("inline bearer token", "endpoints:\n  grafana:\n    - url: http://127.0.0.1:3000\n      auth: {bearer_token: glsa_abc}\n",
         "endpoints.grafana[0].auth.bearer_token: secrets are not allowed inline"),
        ("inline password", "endpoints:\n  prometheus:\n    - url: http://127.0.0.1:9090\n      auth: {basic: {username: a, password: hunter2}}\n",
         "endpoints.prometheus[0].auth.basic.password: secrets are not allowed inline"),
        ("password in URL", "endpoints:\n  prometheus:\n    - url: http://diag:hunter2@127.0.0.1:9090\n",
         "endpoints.prometheus[0].url: the URL contains a password"),
        ("unknown top-level key", "colour: blue\n", "colour: unknown key"),
        ("unknown endpoint key", "endpoints:\n  prometheus:\n    - url: http://127.0.0.1:9090\n      timeout: 5s\n",
         "endpoints.prometheus[0].timeout: unknown key"),
        ("unknown component", "endpoints:\n  tempo:\n    - url: http://127.0.0.1:3200\n", "endpoints.tempo: unknown key"),
        ("single endpoint not in a list", "endpoints:\n  loki:\n    url: http://127.0.0.1:3100\n", "endpoints.loki: must be a list"),
        ("repeated replica", "endpoints:\n  loki:\n    - url: http://127.0.0.1:3100\n    - url: http://127.0.0.1:3100\n",
         "endpoints.loki[1].url: repeats the URL of endpoints.loki[0]"),
        ("org_id outside Loki", "endpoints:\n  prometheus:\n    - url: http://127.0.0.1:9090\n      org_id: a\n",
         "endpoints.prometheus[0].org_id: is only used by loki endpoints"),
        ("two credentials", "endpoints:\n  grafana:\n    - url: http://127.0.0.1:3000\n      auth: {bearer_token_env: A, basic: {username: u, password_env: B}}\n",
         "endpoints.grafana[0].auth: give exactly one of"),
        ("bad variable name", "endpoints:\n  grafana:\n    - url: http://127.0.0.1:3000\n      auth: {bearer_token_env: 1TOKEN}\n",
         "endpoints.grafana[0].auth.bearer_token_env: invalid environment variable name '1TOKEN'"),
        ("missing password file", "endpoints:\n  prometheus:\n    - url: http://127.0.0.1:9090\n      auth: {basic: {username: a, password_file: nowhere.pass}}\n",
         "endpoints.prometheus[0].auth.basic.password_file: file"),
        ("certificate without key", "endpoints:\n  prometheus:\n    - url: https://127.0.0.1:9090\n      client_cert_file: present.pem\n",
         "endpoints.prometheus[0]: give client_cert_file and client_key_file together"),
        ("CA file on http", "endpoints:\n  prometheus:\n    - url: http://127.0.0.1:9090\n      ca_file: present.pem\n",
         "endpoints.prometheus[0].url: uses http"),
        ("since and from", "window: {since: 1h, from: \"2026-12-04T08:00:00Z\"}\n", "window: give either since or from and to"),
        ("window backwards", "window: {from: \"2026-12-04T09:00:00Z\", to: \"2026-12-04T08:00:00Z\"}\n", "window.to: must be later"),
        ("bad duration", "timeouts: {source: soon}\n", "timeouts.source: invalid duration 'soon'"),
        ("duration without unit", "timeouts: {source: 30}\n", "timeouts.source: invalid duration 30: give it a unit, such as 30s or 5m"),
        ("zero duration", "timeouts: {request: 0s}\n", "timeouts.request: invalid duration '0s': it must be longer than zero"),
        ("bad size", "size_budget: lots\n", "size_budget: invalid size 'lots'"),
        ("bad selector", "logs: {selectors: ['app=checkout']}\n", "logs.selectors[0]: 'app=checkout' is not a Loki stream selector"),
        ("plain http destination", "sharing: {destinations: [{url: \"http://support.example\", region: eu}]}\n",
         "sharing.destinations[0].url: 'http://support.example' must be https"),
        ("duplicate key", "site: other\n", "site: is given twice"),
    ]

    @Test(arguments: invalidProfiles.map(\.name))
    func invalidProfileNamesKeyPath(name: String) throws {
        let folder = try ProfileFolder()
        try folder.write("pem\n", to: "present.pem")
        let invalid = Self.invalidProfiles.first { $0.name == name }!
        let path = try folder.write(header + invalid.body, to: "p.yaml")

        #expect {
            try CollectionProfile.load(url: path)
        } throws: { error in
            let message = "\(error)"
            let expected = "profile \(path.path): \(invalid.message)"
            #expect(message.hasPrefix(expected), "\(name): \(message)")
            #expect(!message.contains("hunter2"), "\(name) echoes a secret: \(message)")
            #expect(!message.contains("glsa_abc"), "\(name) echoes a secret: \(message)")
            return (error as? DiagError)?.exitStatus == .configuration
        }
    }

    @Test(arguments: [
        ("mode: cloud\n", "mode: invalid deployment mode 'cloud': use one of saas, partner, self-hosted"),
        ("mode: saas\n", "version: is missing"),
        ("version: 2\nmode: saas\n", "version: must be 1"),
        ("version: 1\nmode: saas\nsite: a\n", "region: is missing"),
        ("version: 1\nmode: saas\nregion: '../x'\nsite: a\n", "region: invalid name '../x'"),
    ])
    func invalidHeaderNamesKey(body: String, message: String) throws {
        let folder = try ProfileFolder()
        let text = body.hasPrefix("mode: cloud") ? "version: 1\nregion: r\nsite: s\n" + body : body
        let path = try folder.write(text, to: "p.yaml")

        #expect {
            try CollectionProfile.load(url: path)
        } throws: { error in
            #expect("\(error)".hasPrefix("profile \(path.path): \(message)"), "\(error)")
            return (error as? DiagError)?.exitStatus == .configuration
        }
    }

    @Test func unreadableProfilesFailClearly() throws {
        let folder = try ProfileFolder()
        #expect(throws: DiagError.self) { try CollectionProfile.load(url: folder.url.appendingPathComponent("missing.yaml")) }
        let broken = try folder.write("version: 1\nmode: [saas\n", to: "broken.yaml")
        #expect {
            try CollectionProfile.load(url: broken)
        } throws: { error in
            (error as? DiagError)?.exitStatus == .dataError && "\(error)".contains("invalid YAML at line")
        }
        let binary = folder.url.appendingPathComponent("binary.yaml")
        try Data([0x76, 0x3A, 0xFF, 0xFE]).write(to: binary)
        #expect {
            try CollectionProfile.load(url: binary)
        } throws: { error in
            "\(error)".contains("not valid UTF-8")
        }
    }

    @Test func schemaRejectsWhatLoaderRejects() throws {
        #expect(try !schemaViolations(header + "endpoints:\n  grafana:\n    - url: http://127.0.0.1:3000\n      auth: {bearer_token: x}\n").isEmpty)
        #expect(try !schemaViolations(header + "colour: blue\n").isEmpty)
        #expect(try !schemaViolations(header.replacingOccurrences(of: "saas", with: "cloud")).isEmpty)
        #expect(try !schemaViolations(header + "endpoints:\n  prometheus:\n    - url: http://a:b@127.0.0.1:9090\n").isEmpty)
        #expect(try schemaViolations(header + "endpoints:\n  loki:\n    - {url: 'http://127.0.0.1:3100', org_id: a}\n") == [])
    }
}
