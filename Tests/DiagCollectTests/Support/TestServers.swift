import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A child process that the test started and stops by its own PID: SIGTERM, then SIGKILL after
/// five seconds. Stopping happens at the latest when the object is released.
final class ManagedProcess: @unchecked Sendable {
    let process = Process()
    let pid: Int32
    private let lock = NSLock()
    private var stopped = false

    init(executable: String, arguments: [String], log: URL) throws {
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: log.path])
        }
        let output = try FileHandle(forWritingTo: log)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        pid = process.processIdentifier
    }

    deinit { stop() }

    func stop() {
        lock.lock()
        guard !stopped else {
            lock.unlock()
            return
        }
        stopped = true
        lock.unlock()

        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        let limit = Date() + 5
        while process.isRunning, Date() < limit { usleep(50_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }
}

/// Errors of the test servers, with the server log's tail for diagnosis.
struct TestServerError: Error, CustomStringConvertible {
    var description: String
}

/// Polls `url` until it returns HTTP 200 or `timeout` seconds pass.
func waitForOK(_ url: URL, timeout: TimeInterval, log: URL) async throws {
    let limit = Date() + timeout
    while Date() < limit {
        var request = URLRequest(url: url)
        request.timeoutInterval = 2
        if let (_, response) = try? await URLSession.shared.data(for: request),
            (response as? HTTPURLResponse)?.statusCode == 200
        {
            return
        }
        try await Task.sleep(nanoseconds: 100_000_000)
    }
    let tail = (try? String(contentsOf: log, encoding: .utf8))?.suffix(2000) ?? ""
    throw TestServerError(description: "\(url) not ready after \(timeout) s; log tail:\n\(tail)")
}

/// A throw-away temporary folder, removed when released.
final class TemporaryFolder: @unchecked Sendable {
    let url: URL

    init(_ label: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("waka-diag-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func write(_ text: String, to name: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
        return file
    }
}

/// `/usr/bin/prometheus-alertmanager` on a loopback port, with clustering off and a single
/// webhook receiver on loopback.
final class AlertmanagerServer: @unchecked Sendable {
    let folder: TemporaryFolder
    let port: Int
    let process: ManagedProcess
    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    init(webhookURL: URL) throws {
        folder = try TemporaryFolder("alertmanager")
        port = try LoopbackServer.closedPort()
        let config = try folder.write(
            """
            route:
              receiver: local-hook
              group_wait: 1s
              group_interval: 5s
              repeat_interval: 1h
            receivers:
              - name: local-hook
                webhook_configs:
                  - url: \(webhookURL.absoluteString)
                    send_resolved: false
            """, to: "alertmanager.yml")
        process = try ManagedProcess(
            executable: "/usr/bin/prometheus-alertmanager",
            arguments: [
                "--config.file=\(config.path)",
                "--storage.path=\(folder.url.appendingPathComponent("data").path)",
                "--web.listen-address=127.0.0.1:\(port)",
                "--cluster.listen-address=",
                "--log.level=warn",
            ],
            log: folder.url.appendingPathComponent("alertmanager.log"))
    }

    deinit { process.stop() }

    func waitUntilReady() async throws {
        try await waitForOK(
            baseURL.appendingPathComponent("/-/ready"), timeout: 20, log: folder.url.appendingPathComponent("alertmanager.log"))
    }
}

/// `/usr/bin/prometheus` on a loopback port, scraping itself every second, with an always-firing
/// alert that carries `tenant_id` and `user_id` labels and an alert held pending by `for: 10m`.
final class PrometheusServer: @unchecked Sendable {
    let folder: TemporaryFolder
    let port: Int
    let process: ManagedProcess
    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    init(alertmanagerPort: Int?, nodeExporterPort: Int? = nil) throws {
        folder = try TemporaryFolder("prometheus")
        port = try LoopbackServer.closedPort()
        let rules = try folder.write(
            """
            groups:
              - name: diag-test
                interval: 1s
                rules:
                  - alert: AlwaysFiring
                    expr: vector(1) > 0
                    labels:
                      severity: critical
                      tenant_id: tenant-4711
                      user_id: user-0042
                    annotations:
                      summary: Always firing for tenant-4711
                  - alert: LongPending
                    expr: vector(1) > 0
                    for: 10m
                    labels:
                      severity: warning
            """, to: "rules.yml")
        var config = """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
              - \(rules.path)
            scrape_configs:
              - job_name: prometheus
                static_configs:
                  - targets: ['127.0.0.1:\(port)']
            """
        if let nodeExporterPort {
            config += """

                  - job_name: node
                    static_configs:
                      - targets: ['127.0.0.1:\(nodeExporterPort)']
                """
        }
        if let alertmanagerPort {
            config += """

                alerting:
                  alertmanagers:
                    - static_configs:
                        - targets: ['127.0.0.1:\(alertmanagerPort)']
                """
        }
        let configFile = try folder.write(config + "\n", to: "prometheus.yml")
        process = try ManagedProcess(
            executable: "/usr/bin/prometheus",
            arguments: [
                "--config.file=\(configFile.path)",
                "--storage.tsdb.path=\(folder.url.appendingPathComponent("data").path)",
                "--web.listen-address=127.0.0.1:\(port)",
                "--rules.alert.resend-delay=1s",
                "--log.level=warn",
            ],
            log: folder.url.appendingPathComponent("prometheus.log"))
    }

    deinit { process.stop() }

    func waitUntilReady() async throws {
        try await waitForOK(
            baseURL.appendingPathComponent("/-/ready"), timeout: 20, log: folder.url.appendingPathComponent("prometheus.log"))
    }
}

/// `/usr/bin/prometheus-node-exporter` on a loopback port with its default collectors.
final class NodeExporterServer: @unchecked Sendable {
    let folder: TemporaryFolder
    let port: Int
    let process: ManagedProcess

    init() throws {
        folder = try TemporaryFolder("node-exporter")
        port = try LoopbackServer.closedPort()
        process = try ManagedProcess(
            executable: "/usr/bin/prometheus-node-exporter",
            arguments: ["--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"],
            log: folder.url.appendingPathComponent("node-exporter.log"))
    }

    deinit { process.stop() }
}

/// Polls `url` until its JSON body, decoded by `isSatisfied`, passes or `timeout` seconds pass.
func waitForJSON(_ url: URL, timeout: TimeInterval, until isSatisfied: (Any) -> Bool) async -> Bool {
    let limit = Date() + timeout
    while Date() < limit {
        if let (data, _) = try? await URLSession.shared.data(from: url),
            let value = try? JSONSerialization.jsonObject(with: data), isSatisfied(value)
        {
            return true
        }
        try? await Task.sleep(nanoseconds: 250_000_000)
    }
    return false
}
