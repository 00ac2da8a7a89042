import DiagSupport
import Foundation
import Testing

@testable import DiagCollect

@Suite struct ConfigFileCollectorTests {
    let window = CollectionWindow(start: Date() - 60, end: Date())

    func collect(_ paths: [URL]) async -> SourceResult {
        await ConfigFileCollector(paths: paths).collect(window: window, deadline: Date() + 10)
    }

    func failure(_ result: SourceResult, endingWith suffix: String) -> EndpointFailure? {
        result.failures.first { $0.endpoint.hasSuffix(suffix) }
    }

    @Test func readsFolderRecursivelyInOrder() async throws {
        let folder = try TemporaryFolder("configs")
        let root = folder.url.appendingPathComponent("prometheus")
        _ = try folder.write("global:\n  scrape_interval: 15s\n", to: "prometheus/prometheus.yml")
        _ = try folder.write("groups: []", to: "prometheus/rules/b.yaml")
        _ = try folder.write(#"{"datasources": [{"url": "http://10.0.0.5"}]}"#, to: "prometheus/rules/a.json")
        _ = try folder.write("key=value\nno final newline", to: "prometheus/env")
        _ = try folder.write("", to: "prometheus/empty.txt")

        let result = await collect([root])

        #expect(result.status == .ok, "\(result.failures.map(\.reason))")
        #expect(result.documents.map(\.path) == [
            "config/files/prometheus/empty.txt", "config/files/prometheus/env", "config/files/prometheus/prometheus.yml",
            "config/files/prometheus/rules/a.json", "config/files/prometheus/rules/b.yaml",
        ])
        guard case .json(let value) = result.documents[3].content else {
            Issue.record("a.json is not a JSON document")
            return
        }
        #expect(value["datasources"]?[0]?["url"] == "http://10.0.0.5")
        guard case .yaml(let yaml) = result.documents[2].content, case .text(let text) = result.documents[1].content else {
            Issue.record("wrong document kinds")
            return
        }
        #expect(yaml.hasPrefix("global:"))
        #expect(text == "key=value\nno final newline")
    }

    @Test func leavesOutBadFilesFailClosed() async throws {
        let folder = try TemporaryFolder("configs")
        _ = try folder.write("scrape_configs: []\n", to: "etc/good.yml")
        _ = try folder.write(#"{"password": "hunter2", "#, to: "etc/broken.json")
        try Data([0x61, 0x00, 0x62]).write(to: folder.url.appendingPathComponent("etc/binary.conf"))
        try Data([0x70, 0x77, 0x3D, 0xC3, 0x28]).write(to: folder.url.appendingPathComponent("etc/latin.conf"))
        _ = try folder.write("a: 1\n", to: "etc/line\nbreak.yml")

        let result = await collect([folder.url.appendingPathComponent("etc")])

        #expect(result.status == .partial)
        #expect(result.documents.map(\.path) == ["config/files/etc/good.yml"])
        #expect(failure(result, endingWith: "broken.json")?.reason.contains("invalid JSON") == true)
        #expect(failure(result, endingWith: "binary.conf")?.reason.contains("not text") == true)
        #expect(failure(result, endingWith: "latin.conf")?.reason.contains("not text") == true)
        #expect(failure(result, endingWith: "latin.conf")?.status == .invalidResponse)
        #expect(!result.failures.contains { $0.reason.contains("hunter2") })
        #expect(failure(result, endingWith: "break.yml")?.reason.contains("control characters") == true)
    }

    @Test func symlinksStayInsideFolder() async throws {
        let folder = try TemporaryFolder("configs")
        let outside = try folder.write("secret: yes\n", to: "outside.yml")
        _ = try folder.write("inside: yes\n", to: "conf/real.yml")
        let conf = folder.url.appendingPathComponent("conf")
        try FileManager.default.createSymbolicLink(at: conf.appendingPathComponent("escape.yml"), withDestinationURL: outside)
        try FileManager.default.createSymbolicLink(
            at: conf.appendingPathComponent("alias.yml"), withDestinationURL: conf.appendingPathComponent("real.yml"))
        try FileManager.default.createSymbolicLink(
            at: conf.appendingPathComponent("dangling.yml"), withDestinationURL: conf.appendingPathComponent("missing.yml"))
        try FileManager.default.createSymbolicLink(at: conf.appendingPathComponent("loop"), withDestinationURL: conf)

        let result = await collect([conf])

        #expect(result.documents.map(\.path) == ["config/files/conf/alias.yml", "config/files/conf/real.yml"])
        #expect(failure(result, endingWith: "escape.yml")?.reason.contains("outside") == true)
        #expect(failure(result, endingWith: "escape.yml")?.status == .skipped)
        #expect(failure(result, endingWith: "dangling.yml")?.reason.contains("dangling") == true)
        #expect(failure(result, endingWith: "loop")?.status == .skipped)
    }

    @Test func skipsFIFOAndOversizedFiles() async throws {
        let folder = try TemporaryFolder("configs")
        let conf = folder.url.appendingPathComponent("conf")
        try FileManager.default.createDirectory(at: conf, withIntermediateDirectories: true)
        #expect(mkfifo(conf.appendingPathComponent("pipe").path, 0o600) == 0)
        try Data(repeating: 0x61, count: ConfigFileCollector.maximumFileBytes + 1).write(to: conf.appendingPathComponent("huge.txt"))

        let started = Date()
        let result = await collect([conf])

        #expect(Date().timeIntervalSince(started) < 5)
        #expect(result.documents.isEmpty)
        #expect(failure(result, endingWith: "pipe")?.status == .skipped)
        #expect(failure(result, endingWith: "huge.txt")?.reason.contains("8 MiB") == true)
        #expect(result.status == .skipped || result.status == .invalidResponse)
    }

    @Test func singleFilesAndNameClashes() async throws {
        let first = try TemporaryFolder("first")
        let second = try TemporaryFolder("second")
        let one = try first.write("a: 1\n", to: "app.yaml")
        let two = try second.write("a: 2\n", to: "app.yaml")

        let result = await collect([one, two])

        #expect(result.documents.map(\.path) == ["config/files/app.yaml", "config/files/app-2.yaml"])
        #expect(result.status == .ok)
    }

    @Test func missingPathIsRecordedByName() async throws {
        let missing = URL(fileURLWithPath: "/nonexistent/waka-diag/alertmanager.yml")
        let result = await collect([missing])
        #expect(result.status == .unreachable)
        #expect(result.failures.first?.endpoint == missing.path)
    }

    @Test func validateRejectsMissingPath() throws {
        let folder = try TemporaryFolder("configs")
        let present = try folder.write("a: 1\n", to: "a.yml")
        try ConfigFileCollector.validate(paths: [present, folder.url])

        let missing = URL(fileURLWithPath: "/nonexistent/waka-diag/config.yml")
        do {
            try ConfigFileCollector.validate(paths: [present, missing])
            Issue.record("validate accepted a missing path")
        } catch {
            #expect(error.exitStatus == .noInput)
            #expect(error.operatorMessage.contains(missing.path))
        }
    }
}
