import DiagSupport
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A Python fixture server from `Tests/DiagCoreTests/Fixtures/`, started on a free loopback
/// port with `posix_spawn` and stopped by its PID when released. Each script prints
/// `PORT <n>` first, exits by itself after its `--lifetime`, and lists the requests it
/// received at `/__fixture/requests`.
class PythonFixture: @unchecked Sendable {
    let pid: pid_t
    let port: Int
    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }
    private let folder: URL

    init(script: String, arguments: [String]) throws {
        folder = try TestSupport.temporaryFolder()
        let path = TestSupport.repositoryRoot.appendingPathComponent("Tests/DiagCoreTests/Fixtures/\(script)")
        let output = folder.appendingPathComponent("stdout").path

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = (["python3", path.path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let spawned = posix_spawnp(&child, "python3", &actions, nil, argv, environ)
        guard spawned == 0 else { throw DiagError.io("cannot start \(script): \(String(cString: strerror(spawned)))") }
        pid = child

        let limit = Date() + 15
        var found: Int?
        while Date() < limit, found == nil {
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first, line.hasPrefix("PORT "), text.contains("\n") {
                found = Int(line.dropFirst(5))
            } else {
                usleep(20_000)
            }
        }
        guard let found else {
            kill(child, SIGKILL)
            _ = waitpid(child, nil, 0)
            throw DiagError.io("\(script) did not report its port within 15 s")
        }
        port = found
    }

    deinit {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        let limit = Date() + 3
        while waitpid(pid, &status, WNOHANG) == 0, Date() < limit { usleep(20_000) }
        if waitpid(pid, &status, WNOHANG) == 0 {
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
        }
        try? FileManager.default.removeItem(at: folder)
    }

    /// Returns the requests the fixture received, oldest first, as path, query and headers.
    func requests() async throws -> [JSONValue] {
        let (data, _) = try await URLSession.shared.data(from: baseURL.appendingPathComponent("/__fixture/requests"))
        return try JSONValue.parse(data).arrayValue ?? []
    }
}

/// `Fixtures/loki_errors_fixture.py`, the Loki query API that `LokiErrorCollector` reads.
final class LokiErrorsFixture: PythonFixture, @unchecked Sendable {
    init(scenario: String = "normal", requireOrgID: String? = nil, lifetime: Int = 60) throws {
        var arguments = ["--scenario", scenario, "--lifetime", String(lifetime)]
        if let requireOrgID { arguments += ["--require-org-id", requireOrgID] }
        try super.init(script: "loki_errors_fixture.py", arguments: arguments)
    }
}
