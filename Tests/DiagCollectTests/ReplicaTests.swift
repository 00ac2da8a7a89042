import DiagSupport
import Foundation
import Testing

@testable import DiagCollect

/// A Debian Prometheus on a loopback port with the given `global` section and one scrape job,
/// of `scrapeTarget` (a `host:port`) or of itself.
final class ReplicaPrometheus: @unchecked Sendable {
    let folder: TemporaryFolder
    let port: Int
    let process: ManagedProcess
    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    init(global: String, scrapeTarget: String? = nil) throws {
        folder = try TemporaryFolder("replica")
        port = try LoopbackServer.closedPort()
        let config = try folder.write(
            """
            global:
            \(global)
            scrape_configs:
              - job_name: prometheus
                static_configs:
                  - targets: ['\(scrapeTarget ?? "127.0.0.1:\(port)")']

            """, to: "prometheus.yml")
        process = try ManagedProcess(
            executable: "/usr/bin/prometheus",
            arguments: [
                "--config.file=\(config.path)", "--storage.tsdb.path=\(folder.url.appendingPathComponent("data").path)",
                "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
            ],
            log: folder.url.appendingPathComponent("prometheus.log"))
    }

    deinit { process.stop() }

    func waitUntilReady() async throws {
        try await waitForOK(baseURL.appendingPathComponent("/-/ready"), timeout: 20, log: folder.url.appendingPathComponent("prometheus.log"))
    }
}

@Suite(.serialized) struct ReplicaTests {
    static let querySet = QuerySet(name: "replicas", queries: [.init(name: "up_ratio", expr: "avg by (job) (up)")])

    static func collect(_ servers: [ReplicaPrometheus]) async -> [SourceResult] {
        let now = Date()
        var results: [SourceResult] = []
        for (index, server) in servers.enumerated() {
            let replica = index + 1
            let base = PrometheusCollector(
                name: ReplicaCollector.sourceName("prometheus", replica: replica), baseURL: server.baseURL, client: HTTPClient(),
                querySet: querySet)
            results.append(await ReplicaCollector(base, replica: replica).collect(window: CollectionWindow(start: now - 60, end: now), deadline: now + 30))
        }
        return results
    }

    @Test(.timeLimit(.minutes(2)))
    func findsDriftBetweenRealPrometheusReplicas() async throws {
        let first = try ReplicaPrometheus(global: "  scrape_interval: 15s\n  external_labels:\n    replica: a")
        defer { first.process.stop() }
        let second = try ReplicaPrometheus(global: "  scrape_interval: 30s\n  external_labels:\n    replica: b")
        defer { second.process.stop() }
        try await first.waitUntilReady()
        try await second.waitUntilReady()

        let results = await Self.collect([first, second])

        #expect(results.map(\.status) == [.ok, .ok], "\(results.flatMap(\.failures).map(\.description))")
        #expect(results.map(\.name) == ["prometheus", "prometheus-replica-2"])
        #expect(results[0].documents.contains { $0.path == "prometheus/buildinfo.json" })
        #expect(results[1].documents.contains { $0.path == "prometheus/replica-2/buildinfo.json" })
        #expect(results[1].documents.contains { $0.path == "config/prometheus/replica-2/prometheus.yml" })
        #expect(results[1].documents.contains { $0.path == "metrics/replica-2/summary.json" })

        let comparisons = ReplicaComparison.compare(results, digestKey: Array("site-secret".utf8))
        let prometheus = try #require(comparisons.first)
        #expect(comparisons.count == 1)
        #expect(prometheus.component == "prometheus")
        #expect(prometheus.configDrift)
        #expect(prometheus.configDifferences.contains("global.scrape_interval"), "\(prometheus.configDifferences)")
        #expect(!prometheus.configDifferences.contains { $0.hasPrefix("global.external_labels") })
        #expect(prometheus.expectedDifferences == ["global.external_labels.replica"])
        #expect(!prometheus.versionSkew)
        #expect(prometheus.versions.first?.hasPrefix("2.") == true)
        #expect(prometheus.replicas[0].configDigest != prometheus.replicas[1].configDigest)

        let document = try #require(ReplicaComparison.document(comparisons))
        #expect(document.path == "collection/replicas.json")
        let value = try #require(json(document.content))
        #expect(try bundleSchemaViolations(value, schema: "replicas.schema.json") == [])
        #expect(!value.serializedString().contains("15s"), "no configuration value leaves")
        #expect(!value.serializedString().contains("30s"))
    }

    @Test(.timeLimit(.minutes(2)))
    func externalLabelsAloneAreNoDrift() async throws {
        // An HA pair scrapes the same targets, so both scrape one refused port.
        let target = "127.0.0.1:\(try LoopbackServer.closedPort())"
        let first = try ReplicaPrometheus(global: "  scrape_interval: 15s\n  external_labels:\n    replica: a", scrapeTarget: target)
        defer { first.process.stop() }
        let second = try ReplicaPrometheus(global: "  external_labels:\n    replica: b\n  scrape_interval: 15s", scrapeTarget: target)
        defer { second.process.stop() }
        try await first.waitUntilReady()
        try await second.waitUntilReady()

        let comparisons = ReplicaComparison.compare(await Self.collect([first, second]), digestKey: nil)

        let prometheus = try #require(comparisons.first)
        #expect(!prometheus.configDrift, "\(prometheus.configDifferences)")
        #expect(prometheus.replicas[0].configDigest == prometheus.replicas[1].configDigest)
        #expect(prometheus.expectedDifferences == ["global.external_labels.replica"])
    }

    @Test func findsVersionSkewAndUncomparedReplica() throws {
        func loki(_ replica: Int, version: String?, config: String?, status: SourceStatus = .ok) -> SourceResult {
            var documents: [CollectedDocument] = []
            if let version {
                documents.append(CollectedDocument(path: ReplicaCollector.path("loki/buildinfo.json", replica: replica), content: .json(["version": .string(version)])))
            }
            if let config {
                documents.append(CollectedDocument(path: ReplicaCollector.path("config/loki/loki.yaml", replica: replica), content: .yaml(config)))
            }
            return SourceResult(
                name: ReplicaCollector.sourceName("loki", replica: replica), kind: "loki", endpoint: "http://127.0.0.1:\(3100 + replica)",
                status: status, reason: nil, durationSeconds: 0, documents: documents, failures: [], replica: replica)
        }
        let results = [
            loki(1, version: "3.5.1", config: "server:\n  http_listen_port: 3100\nlimits_config:\n  max_query_series: 500\n"),
            loki(2, version: "3.5.1", config: "limits_config: {max_query_series: 500}\nserver: {http_listen_port: 3100}\n"),
            loki(3, version: "3.4.2", config: nil, status: .partial),
            loki(1, version: "3.5.1", config: nil).withReplica(nil),
        ]

        let comparison = try #require(ReplicaComparison.compare(results, digestKey: nil).first)

        #expect(comparison.replicas.count == 3, "a result without a replica number is no replica")
        #expect(comparison.versionSkew)
        #expect(comparison.versions == ["3.4.2", "3.5.1"])
        #expect(!comparison.configDrift, "the same settings in flow and block style are equal")
        #expect(comparison.notCompared == ["loki-replica-3": "no configuration collected (source status partial)"])
        #expect(comparison.replicas[2].configDigest == nil)
        #expect(try bundleSchemaViolations(json(ReplicaComparison.document([comparison])?.content), schema: "replicas.schema.json") == [])
    }

    @Test func replicaPathsInsertFolderBeforeFileName() {
        #expect(ReplicaCollector.path("prometheus/buildinfo.json", replica: 1) == "prometheus/buildinfo.json")
        #expect(ReplicaCollector.path("prometheus/buildinfo.json", replica: 2) == "prometheus/replica-2/buildinfo.json")
        #expect(ReplicaCollector.path("config/loki/loki.yaml", replica: 3) == "config/loki/replica-3/loki.yaml")
        #expect(ReplicaCollector.path("manifest.json", replica: 2) == "replica-2/manifest.json")
        #expect(ReplicaCollector.sourceName("grafana", replica: 1) == "grafana")
        #expect(ReplicaCollector.sourceName("grafana", replica: 2) == "grafana-replica-2")
        let collector = ReplicaCollector(
            LokiCollector(name: "loki-replica-3", baseURL: URL(string: "http://127.0.0.1:3103")!, client: HTTPClient()), replica: 3)
        #expect(collector.kind == "loki")
        #expect(collector.replica == 3)
        #expect(collector.name == "loki-replica-3")
    }

    @Test func differencePathsNameKeysAndIndexes() {
        let first: JSONValue = ["a": ["b": 1, "c": [1, 2]], "d": "x"]
        let second: JSONValue = ["a": ["b": 2, "c": [1, 2, 3]], "e": "y"]
        #expect(JSONDifference.paths(first, second) == ["a.b", "a.c[2]", "d", "e"])
        #expect(JSONDifference.paths(first, first).isEmpty)
    }
}

extension SourceResult {
    func withReplica(_ replica: Int?) -> SourceResult {
        var copy = self
        copy.replica = replica
        return copy
    }
}
