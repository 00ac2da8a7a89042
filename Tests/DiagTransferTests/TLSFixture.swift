import Foundation

/// A throw-away PKI made with Debian's `openssl`, version 3.0 or later for `req -x509 -CA`.
/// It has a CA with a server certificate for 127.0.0.1 and a client certificate, an unrelated
/// CA, and a certificate from the right CA that names another host.
final class TestPKI: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let folder: TemporaryFolder

    func file(_ name: String) -> URL { folder.path(name) }
    var caCertificate: URL { file("ca.pem") }
    var otherCACertificate: URL { file("other-ca.pem") }
    var serverCertificate: URL { file("server.pem") }
    var serverKey: URL { file("server.key") }
    var misnamedCertificate: URL { file("misnamed.pem") }
    var misnamedKey: URL { file("misnamed.key") }
    var clientCertificate: URL { file("client.pem") }
    var clientKey: URL { file("client.key") }

    init() throws {
        folder = try TemporaryFolder()
        try makeCA("ca", subject: "/CN=waka-diag upload test CA")
        try makeCA("other-ca", subject: "/CN=unrelated test CA")
        try issue("server", subject: "/CN=127.0.0.1", extensions: ["subjectAltName=IP:127.0.0.1,DNS:localhost", "extendedKeyUsage=serverAuth"])
        try issue("misnamed", subject: "/CN=elsewhere.invalid", extensions: ["subjectAltName=DNS:elsewhere.invalid", "extendedKeyUsage=serverAuth"])
        try issue("client", subject: "/CN=waka-diag upload client", extensions: ["extendedKeyUsage=clientAuth"])
    }

    /// P-256 keys, which generate in milliseconds, without a passphrase.
    private static let newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"]

    private func makeCA(_ name: String, subject: String) throws {
        try openssl(
            ["req", "-x509"] + Self.newKey + [
                "-keyout", file("\(name).key").path, "-out", file("\(name).pem").path, "-subj", subject,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
            ])
    }

    private func issue(_ name: String, subject: String, extensions: [String]) throws {
        try openssl(
            ["req", "-x509", "-CA", caCertificate.path, "-CAkey", file("ca.key").path] + Self.newKey
                + ["-keyout", file("\(name).key").path, "-out", file("\(name).pem").path, "-subj", subject]
                + ["-addext", "basicConstraints=CA:FALSE"]
                + extensions.flatMap { ["-addext", $0] })
    }

    private func openssl(_ arguments: [String]) throws {
        let pid = try ChildProcess.spawn("/usr/bin/openssl", arguments, output: folder.path("openssl.log"))
        let status = ChildProcess.wait(pid, timeout: 30)
        guard status == 0 else {
            throw Failure(description: "openssl \(arguments.joined(separator: " ")) exited with \(status)")
        }
    }
}

/// `Fixtures/tls_proxy.py` on 127.0.0.1: terminates TLS with a certificate of `TestPKI` and relays
/// to a plain-HTTP port on 127.0.0.1. The test stops it by its PID, and it exits by itself
/// after `lifetime` seconds in any case.
final class TLSProxy: @unchecked Sendable {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tls_proxy.py")

    let pid: pid_t
    let port: Int
    let log: URL

    var baseURL: String { "https://127.0.0.1:\(port)" }

    init(
        certificate: URL, key: URL, upstreamPort: Int, requireClientCertificateFrom clientCA: URL? = nil,
        folder: TemporaryFolder, lifetime: Int = 120
    ) throws {
        let output = folder.path("proxy-\(UUID().uuidString).out")
        log = folder.path("proxy-\(UUID().uuidString).log")

        var arguments = [
            Self.script.path, "--cert", certificate.path, "--key", key.path, "--upstream-port", String(upstreamPort),
            "--lifetime", String(lifetime),
        ]
        if let clientCA { arguments += ["--client-ca", clientCA.path] }
        pid = try ChildProcess.spawn("/usr/bin/python3", arguments, output: output, errors: log)

        // The script prints `port N` once it listens.
        let limit = Date() + 10
        var found: Int?
        while found == nil, Date() < limit, ChildProcess.isRunning(pid) {
            let text = String(decoding: (try? Data(contentsOf: output)) ?? Data(), as: UTF8.self)
            if text.hasSuffix("\n"), text.hasPrefix("port ") { found = Int(text.dropFirst(5).dropLast()) }
            if found == nil { usleep(20_000) }
        }
        guard let found else {
            ChildProcess.stop(pid)
            let tail = String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self)
            throw TestPKI.Failure(description: "tls_proxy.py did not report a port within 10 s: \(tail.suffix(1000))")
        }
        port = found
    }

    deinit {
        ChildProcess.stop(pid)
    }

    /// The proxy's stderr: handshake failures and closed connections.
    var logText: String { String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self) }
}

/// Child processes started with `posix_spawn` and reaped with `waitpid` on their own PID.
///
/// Foundation's `Process` is not used: on Linux, `waitUntilExit` for a short-lived `openssl` was
/// seen to block until an unrelated long-running child (the proxy) exited.
enum ChildProcess {
    /// Starts `executable` with stdin from /dev/null and stdout and stderr to files.
    static func spawn(_ executable: String, _ arguments: [String], output: URL, errors: URL? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output.path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, (errors ?? output).path, O_WRONLY | O_CREAT | O_APPEND, 0o600)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard result == 0 else {
            throw TestPKI.Failure(description: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// Waits up to `timeout` seconds and returns the exit status, or -1 after killing a child
    /// that did not finish in time.
    static func wait(_ pid: pid_t, timeout: TimeInterval) -> Int32 {
        var status: Int32 = 0
        let limit = Date() + timeout
        while Date() < limit {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : -1 }
            if result < 0 && errno != EINTR { return -1 }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
        return -1
    }

    static func isRunning(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }

    /// Sends SIGTERM, then SIGKILL after 5 seconds, and reaps the child.
    static func stop(_ pid: pid_t) {
        guard isRunning(pid) else { return }
        kill(pid, SIGTERM)
        _ = wait(pid, timeout: 5)
    }
}
