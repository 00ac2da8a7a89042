import DiagSupport
import Foundation
import Testing
import TestCleanup

/// Paths and process helpers shared by the end-to-end tests.
enum TestSupport {
    static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url = url.deletingLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// The `waka-diag` binary built beside the test bundle.
    static let binary: URL = {
        var folder = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("waka-diag")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        for configuration in ["debug", "release"] {
            let candidate = repositoryRoot.appendingPathComponent(".build/\(configuration)/waka-diag")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        fatalError("waka-diag binary not found; run 'swift build' first")
    }()

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a program to completion with a time limit, capturing its output.
    ///
    /// Uses `posix_spawn` and `waitpid` on the child's PID rather than Foundation's `Process`,
    /// whose exit detection was seen to hang on Linux when many tests start processes at once.
    @discardableResult
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], timeout: Double = 120
    ) throws -> Output {
        var merged = ProcessInfo.processInfo.environment
        merged["NO_COLOR"] = "1"
        for (key, value) in environment { merged[key] = value }
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outPath = folder.appendingPathComponent("out").path
        let errPath = folder.appendingPathComponent("err").path

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else {
            throw DiagError.io("cannot start \(executable): \(String(cString: strerror(spawned)))")
        }

        var status: Int32 = 0
        let limit = Date().addingTimeInterval(timeout)
        var finished = false
        while Date() < limit {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                finished = true
                break
            }
            if result < 0 && errno != EINTR { break }
            usleep(20_000)
        }
        if !finished {
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
            Issue.record("\(executable) \(arguments.joined(separator: " ")) did not finish within \(timeout) s")
        }
        let exitCode: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Output(
            status: exitCode,
            stdout: String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data(), as: UTF8.self),
            stderr: String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data(), as: UTF8.self))
    }

    /// Runs the `waka-diag` binary with `WAKA_DIAG_HOME` pointing at the checkout and a private
    /// HOME, which also contains its data and its compiled-screen cache.
    @discardableResult
    static func wakaDiag(_ arguments: [String], home: URL, timeout: Double = 120) throws -> Output {
        try run(
            binary.path, arguments,
            environment: [
                "WAKA_DIAG_HOME": repositoryRoot.path, "HOME": home.path, "XDG_DATA_HOME": "", "XDG_CACHE_HOME": "",
                "WAKA_DIAG_CACHE": "",
            ],
            timeout: timeout)
    }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("waka-diag-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        ExitCleanup.register(url)
        return url
    }

    /// Creates a signing key pair in `folder` with the real `keygen` command.
    static func makeKeys(in folder: URL, home: URL) throws -> (secret: URL, public: URL) {
        let secret = folder.appendingPathComponent("keys/test.key")
        let publicKey = folder.appendingPathComponent("keys/test.pub")
        let output = try wakaDiag(["keygen", "--secret-key", secret.path, "--public-key", publicKey.path], home: home)
        guard output.status == 0 else {
            throw DiagError.io("keygen failed: \(output.stderr)")
        }
        return (secret, publicKey)
    }

    /// All bytes of a .tar.gz after gunzip, headers included, so a scan covers names and contents.
    static func decompressedBytes(_ bundle: URL) throws -> Data {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("bundle.tar")
        let output = try run("/bin/sh", ["-c", "gzip -dc \"$0\" > \"$1\"", bundle.path, target.path])
        guard output.status == 0 else { throw DiagError.io("gzip -dc failed: \(output.stderr)") }
        return try Data(contentsOf: target)
    }

    /// Returns the planted identifiers of the demo stack, one per line, comments and blanks skipped.
    static func plantedIdentifiers() throws -> [String] {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("demo/planted-identifiers.txt"), encoding: .utf8)
        return text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }
}
