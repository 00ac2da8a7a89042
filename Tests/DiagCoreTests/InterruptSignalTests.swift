@testable import DiagCore
import DiagSupport
import Foundation
import Testing

/// SIGINT and SIGTERM during a collection: exit 130, and nothing is left in the output folder
/// or in TMPDIR.
@Suite(.serialized) struct InterruptSignalTests {
    /// A started `waka-diag` process whose output goes to files.
    struct Running {
        var pid: pid_t
        var stderrPath: URL

        var stderr: String { (try? String(contentsOf: stderrPath, encoding: .utf8)) ?? "" }

        /// Waits for the process to end, at most `timeout` seconds, and returns its exit status;
        /// a process still running then is killed and reported.
        func wait(timeout: Double) -> Int32 {
            var status: Int32 = 0
            let limit = Date().addingTimeInterval(timeout)
            while Date() < limit {
                let result = waitpid(pid, &status, WNOHANG)
                if result == pid { return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F) }
                usleep(20_000)
            }
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
            Issue.record("waka-diag did not end within \(timeout) s")
            return -1
        }
    }

    /// Starts `waka-diag` without waiting, with default signal handling and an empty signal mask.
    static func start(_ arguments: [String], environment: [String: String], folder: URL) throws -> Running {
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let errPath = folder.appendingPathComponent("stderr-\(UUID().uuidString)")

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errPath.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let executable = TestSupport.binary.path
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw DiagError.io("cannot start \(executable): \(String(cString: strerror(spawned)))") }
        return Running(pid: pid, stderrPath: errPath)
    }

    /// Returns every file and folder under `folder`, as paths relative to it.
    static func contents(of folder: URL) -> [String] {
        (FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String] ?? []).sorted()
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func signalLeavesNothingBehind(_ signalNumber: Int32) throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let hang = try CollectFailureTests.startFaultServer("hang", folder: work)
        defer { kill(hang.pid, SIGTERM) }
        let out = work.appendingPathComponent("out")
        let temporary = work.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)

        let running = try Self.start(
            [
                "collect", "--prometheus", hang.url, "--config", TestSupport.repositoryRoot.appendingPathComponent("demo/configs").path,
                "--region", "eu-west-1", "--timeout", "60s", "--secret-key", keys.secret.path, "--out", out.path,
            ],
            environment: [
                "WAKA_DIAG_HOME": TestSupport.repositoryRoot.path, "HOME": work.path, "XDG_DATA_HOME": "", "TMPDIR": temporary.path,
                "NO_COLOR": "1",
            ],
            folder: work)

        // Stderr is a file, so progress arrives as log lines; interrupt once collection started.
        let limit = Date().addingTimeInterval(30)
        while Date() < limit, !running.stderr.contains("collect: prometheus started") { usleep(50_000) }
        #expect(running.stderr.contains("collect: prometheus started"), "collect never started: \(running.stderr)")
        usleep(300_000)
        kill(running.pid, signalNumber)

        let status = running.wait(timeout: 30)
        #expect(status == 130, "exit status \(status) after signal \(signalNumber): \(running.stderr)")
        #expect(running.stderr.contains("interrupted"), "\(running.stderr)")
        let left = Self.contents(of: out)
        #expect(left.isEmpty, "files left in --out: \(left)")
        let temporaryLeft = Self.contents(of: temporary)
        #expect(temporaryLeft.isEmpty, "files left in TMPDIR: \(temporaryLeft)")
    }

    /// Interrupts while the bundle is being sealed in its staging folder, which 17 MB of config
    /// text keeps busy for a few seconds.
    @Test func signalDuringSealRemovesStaging() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let configs = work.appendingPathComponent("configs")
        try FileManager.default.createDirectory(at: configs, withIntermediateDirectories: true)
        for file in 0..<10 {
            var text = ""
            text.reserveCapacity(1_800_000)
            for line in 0..<20_000 { text += "line \(line) cache miss \((line * 7919 + file) % 100_003) served in \(line % 977) ms by worker \(line % 13)\n" }
            try text.write(to: configs.appendingPathComponent("worker-\(file).txt"), atomically: true, encoding: .utf8)
        }
        let out = work.appendingPathComponent("out")
        let temporary = work.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)

        let running = try Self.start(
            ["collect", "--config", configs.path, "--region", "eu-west-1", "--secret-key", keys.secret.path, "--out", out.path],
            environment: [
                "WAKA_DIAG_HOME": TestSupport.repositoryRoot.path, "HOME": work.path, "XDG_DATA_HOME": "", "TMPDIR": temporary.path,
            ],
            folder: work)
        var staging: [String] = []
        let limit = Date().addingTimeInterval(120)
        while Date() < limit, staging.isEmpty {
            staging = Self.contents(of: out).filter { $0.hasPrefix(".waka-diag-staging-") }
            usleep(20_000)
        }
        try #require(!staging.isEmpty, "no staging folder appeared: \(running.stderr)")
        kill(running.pid, SIGINT)

        let status = running.wait(timeout: 60)
        #expect(status == 130, "exit status \(status): \(running.stderr)")
        #expect(!running.stderr.contains("bundle     "), "the bundle was finished before the signal: \(running.stderr)")
        let left = Self.contents(of: out)
        #expect(left.isEmpty, "files left in --out: \(left)")
        #expect(Self.contents(of: temporary).isEmpty)
    }

    @Test func cleanupRemovesPrivateStagingFolder() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let cleanup = CollectionCleanup()
        let staging = try cleanup.makeStagingFolder(in: work.appendingPathComponent("out"))
        #expect(FileSafety.mode(of: staging) == 0o700)
        #expect(staging.lastPathComponent.hasPrefix(".waka-diag-staging-"))
        try Data("partial".utf8).write(to: staging.appendingPathComponent(".bundle.tar.gz.partial"))
        try Data("tmp".utf8).write(to: staging.appendingPathComponent(".bundle.tar.gz.partial.tmp-1a2b"))
        let single = work.appendingPathComponent("out/bundle.tar.gz")
        try Data("final".utf8).write(to: single)
        cleanup.files.register(single)

        cleanup.removeAll()
        #expect(!FileManager.default.fileExists(atPath: staging.path))
        #expect(!FileManager.default.fileExists(atPath: single.path))
        #expect(Self.contents(of: work.appendingPathComponent("out")).isEmpty)
        cleanup.removeAll()
    }
}
