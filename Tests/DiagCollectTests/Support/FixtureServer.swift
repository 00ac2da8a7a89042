import DiagSupport
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One of the Python fixture servers in `Tests/DiagCollectTests/Fixtures/`, started on a free
/// loopback port and stopped by its own PID when released. The script also exits by itself
/// after `lifetime` seconds, so a crashed test run leaves nothing running for long.
final class FixtureServer: @unchecked Sendable {
    let process: Process
    let port: Int
    let scheme: String
    var baseURL: URL { URL(string: "\(scheme)://127.0.0.1:\(port)")! }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// Starts `script` (such as `jaeger_fixture.py`) with `scenario` and waits for its port line;
    /// `tls` gives the certificate and key files for HTTPS.
    init(_ script: String, scenario: String = "normal", lifetime: Int = 90, tls: (certificate: URL, key: URL)? = nil) throws {
        scheme = tls == nil ? "http" : "https"
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", Self.folder.appendingPathComponent(script).path, "--scenario", scenario, "--lifetime", String(lifetime),
        ] + (tls.map { ["--tls-cert", $0.certificate.path, "--tls-key", $0.key.path] } ?? [])
        process.currentDirectoryURL = Self.folder
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()

        // The first line is `PORT <n>`; read byte by byte so nothing after it is consumed.
        var line = Data()
        let limit = Date() + 15
        while Date() < limit {
            guard let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty else { break }
            if byte == Data([0x0A]) { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let number = Int(text.dropFirst(5)) else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            throw TestServerError(description: "\(script) did not report its port; first line was '\(text)'")
        }
        port = number
    }

    deinit { stop() }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let limit = Date() + 3
        while process.isRunning, Date() < limit { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Returns the requests the fixture received, oldest first, as path, query and headers.
    func requests() async throws -> [JSONValue] {
        let (data, _) = try await URLSession.shared.data(from: baseURL.appendingPathComponent("/__fixture/requests"))
        return try JSONValue.parse(data).arrayValue ?? []
    }
}
