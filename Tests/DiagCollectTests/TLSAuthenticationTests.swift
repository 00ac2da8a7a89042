import DiagSupport
import Foundation
import Testing

@testable import DiagCollect

/// A Debian Prometheus serving HTTPS with basic auth through `--web.config.file`.
final class TLSPrometheus: @unchecked Sendable {
    /// bcrypt (cost 10) of `password`, made once with `htpasswd -nbB`, so the test needs no bcrypt tool.
    static let passwordHash = "$2y$10$hrGujW6D5EGPD2n8U7ZGEOgb2lq94G8JaolE3GvddaspxRZGLKJzC"
    static let username = "diag"
    static let password = "diag-test-password"

    let folder: TemporaryFolder
    let port: Int
    let process: ManagedProcess
    let certificates: TestCertificates
    var baseURL: URL { URL(string: "https://127.0.0.1:\(port)")! }

    init(certificates: TestCertificates, requireClientCertificate: Bool = false) throws {
        self.certificates = certificates
        folder = try TemporaryFolder("tls-prometheus")
        port = try LoopbackServer.closedPort()
        var web = """
            tls_server_config:
              cert_file: \(certificates.serverCertificate.path)
              key_file: \(certificates.serverKey.path)

            """
        if requireClientCertificate {
            web += """
                  client_auth_type: RequireAndVerifyClientCert
                  client_ca_file: \(certificates.caCertificate.path)

                """
        }
        web += "basic_auth_users:\n  \(Self.username): \(Self.passwordHash)\n"
        let webConfig = try folder.write(web, to: "web.yml")
        let config = try folder.write("global:\n  scrape_interval: 15s\n", to: "prometheus.yml")
        process = try ManagedProcess(
            executable: "/usr/bin/prometheus",
            arguments: [
                "--config.file=\(config.path)", "--storage.tsdb.path=\(folder.url.appendingPathComponent("data").path)",
                "--web.listen-address=127.0.0.1:\(port)", "--web.config.file=\(webConfig.path)", "--log.level=warn",
            ],
            log: folder.url.appendingPathComponent("prometheus.log"))
    }

    deinit { process.stop() }

    /// Polls `/-/ready` with the right CA, password and client certificate until it returns 200.
    func waitUntilReady() async throws {
        let client = HTTPClient(
            configuration: .init(
                requestTimeout: 2, credentials: .basic(username: Self.username, password: Self.password),
                tls: TLSFiles(
                    caFile: certificates.caCertificate, clientCertificateFile: certificates.clientCertificate,
                    clientKeyFile: certificates.clientKey)))
        let limit = Date() + 20
        while Date() < limit {
            if let response = try? await client.get(baseURL.appendingPathComponent("/-/ready"), endpoint: "/-/ready", deadline: Date() + 3),
                response.statusCode == 200
            {
                return
            }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        let log = (try? String(contentsOf: folder.url.appendingPathComponent("prometheus.log"), encoding: .utf8)) ?? ""
        throw TestServerError(description: "TLS Prometheus not ready after 20 s; log tail:\n\(log.suffix(2000))")
    }
}

@Suite(.serialized) struct TLSAuthenticationTests {
    static let querySet = QuerySet(name: "tls", queries: [.init(name: "up_ratio", expr: "avg by (job) (up)")])

    static func collect(_ server: TLSPrometheus, configuration: HTTPClientConfiguration) async -> SourceResult {
        let now = Date()
        let collector = PrometheusCollector(baseURL: server.baseURL, client: HTTPClient(configuration: configuration), querySet: querySet)
        return await collector.collect(window: CollectionWindow(start: now - 60, end: now), deadline: now + 20)
    }

    @Test(.timeLimit(.minutes(2)))
    func realPrometheusOverTLSWithBasicAuth() async throws {
        let certificates = try TestCertificates()
        let server = try TLSPrometheus(certificates: certificates)
        defer { server.process.stop() }
        try await server.waitUntilReady()
        let secrets = try TemporaryFolder("secrets")
        let passwordFile = try secrets.write(TLSPrometheus.password + "\n", to: "prometheus.pass")

        // Right CA and the password from a file: every endpoint succeeds.
        let fromFile = try SourceAuthentication.basic(username: TLSPrometheus.username, password: .file(passwordFile)).resolve()
        let good = HTTPClientConfiguration(
            credentials: fromFile.credentials, credentialOrigin: fromFile.origin, tls: TLSFiles(caFile: certificates.caCertificate))
        let result = await Self.collect(server, configuration: good)
        #expect(result.status == .ok, "\(result.failures.map(\.description))")
        #expect(json(documentMap(result)["prometheus/buildinfo.json"])?["version"]?.stringValue?.hasPrefix("2.") == true)

        // An unrelated CA: the certificate is not trusted.
        var otherCA = good
        otherCA.tls = TLSFiles(caFile: certificates.otherCACertificate)
        let untrusted = await Self.collect(server, configuration: otherCA)
        #expect(untrusted.status == .unreachable)
        #expect(untrusted.reason?.contains("certificate not trusted") == true, "\(untrusted.reason ?? "")")
        #expect(untrusted.reason?.contains(certificates.otherCACertificate.path) == true)

        // No CA file: the system store does not know the test CA, through URLSession as well.
        var systemStore = good
        systemStore.tls = TLSFiles()
        let unknown = await Self.collect(server, configuration: systemStore)
        #expect(unknown.status == .unreachable)
        #expect(unknown.reason?.contains("certificate not trusted") == true, "\(unknown.reason ?? "")")

        // A wrong password from an environment variable: the message names the variable.
        let fromEnvironment = try SourceAuthentication.basic(username: TLSPrometheus.username, password: .environment("WAKA_DIAG_TEST_PASSWORD"))
            .resolve(environment: ["WAKA_DIAG_TEST_PASSWORD": "not-the-password"])
        let wrongPassword = HTTPClientConfiguration(
            credentials: fromEnvironment.credentials, credentialOrigin: fromEnvironment.origin, tls: TLSFiles(caFile: certificates.caCertificate))
        let denied = await Self.collect(server, configuration: wrongPassword)
        #expect(denied.status == .denied)
        let reason = try #require(denied.failures.first { $0.endpoint == "/api/v1/status/buildinfo" }?.reason)
        #expect(
            reason.contains("authentication failed for https://127.0.0.1:\(server.port)/api/v1/status/buildinfo: check the password variable WAKA_DIAG_TEST_PASSWORD"),
            "\(reason)")
        #expect(!reason.contains("not-the-password"))
    }

    @Test(.timeLimit(.minutes(2)))
    func clientCertificateWhenRequired() async throws {
        let certificates = try TestCertificates()
        let server = try TLSPrometheus(certificates: certificates, requireClientCertificate: true)
        defer { server.process.stop() }
        try await server.waitUntilReady()
        let credentials = HTTPCredentials.basic(username: TLSPrometheus.username, password: TLSPrometheus.password)

        let withCertificate = HTTPClientConfiguration(
            credentials: credentials,
            tls: TLSFiles(caFile: certificates.caCertificate, clientCertificateFile: certificates.clientCertificate, clientKeyFile: certificates.clientKey))
        let accepted = await Self.collect(server, configuration: withCertificate)
        #expect(accepted.status == .ok, "\(accepted.failures.map(\.description))")

        let withoutCertificate = HTTPClientConfiguration(credentials: credentials, tls: TLSFiles(caFile: certificates.caCertificate))
        let rejected = await Self.collect(server, configuration: withoutCertificate)
        #expect(rejected.status == .unreachable || rejected.status == .invalidResponse, "\(rejected.reason ?? "")")
        #expect(rejected.reason?.contains("client_cert_file") == true, "\(rejected.reason ?? "")")

        // A key that does not belong to the certificate is the operator's mistake, named as such.
        let mismatched = HTTPClientConfiguration(
            credentials: credentials,
            tls: TLSFiles(caFile: certificates.caCertificate, clientCertificateFile: certificates.clientCertificate, clientKeyFile: certificates.serverKey))
        let broken = await Self.collect(server, configuration: mismatched)
        #expect(broken.status == .unreachable)
        #expect(broken.reason?.contains("client_key_file") == true, "\(broken.reason ?? "")")
    }

    @Test(.timeLimit(.minutes(1)))
    func stalledTLSBodyHonorsDeadline() async throws {
        let certificates = try TestCertificates()
        let server = try FixtureServer("jaeger_fixture.py", scenario: "stall", tls: (certificates.serverCertificate, certificates.serverKey))
        defer { server.stop() }
        let client = HTTPClient(configuration: .init(requestTimeout: 30, tls: TLSFiles(caFile: certificates.caCertificate)))
        let started = Date()

        let result = await JaegerCollector(baseURL: server.baseURL, client: client)
            .collect(window: CollectionWindow(start: started - 60, end: started), deadline: started + 2)

        #expect(result.status == .timedOut, "\(result.reason ?? "")")
        #expect(result.reason?.contains("deadline") == true, "\(result.reason ?? "")")
        #expect(Date().timeIntervalSince(started) < 3.5)
    }

    @Test func secretReferencesReadFilesAndVariables() throws {
        let folder = try TemporaryFolder("secret-reference")
        let file = try folder.write("token-value\r\n", to: "token")
        #expect(try SecretReference.file(file).read("token") == "token-value")
        #expect(SecretReference.file(file).origin("token") == "token file \(file.path)")
        #expect(try SecretReference.environment("T").read("token", environment: ["T": "abc"]) == "abc")

        #expect {
            try SecretReference.environment("WAKA_UNSET").read("password", environment: [:])
        } throws: { "\($0)".contains("environment variable WAKA_UNSET for the password is not set or empty") }
        #expect {
            try SecretReference.file(folder.url.appendingPathComponent("missing")).read("password")
        } throws: { "\($0)".contains("cannot read password file") && "\($0)".contains("not found") }
        let twoLines = try folder.write("a\nb\n", to: "two")
        #expect {
            try SecretReference.file(twoLines).read("password")
        } throws: { "\($0)".contains("contains several lines") }
        let empty = try folder.write("\n", to: "empty")
        #expect {
            try SecretReference.file(empty).read("password")
        } throws: { "\($0)".contains("is empty") }
    }
}
