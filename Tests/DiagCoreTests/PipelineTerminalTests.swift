import DiagSupport
import Foundation
import Testing

/// `collect` on a real terminal: a tmux pane, whose screen is captured as a user would see it.
@Suite(.serialized) struct PipelineTerminalTests {
    static let tmux = "/usr/bin/tmux"

    /// One private tmux server, stopped with `kill-server` on its own socket.
    struct Pane {
        let socket = "waka-diag-test-\(UUID().uuidString.prefix(8))"

        func start(script: URL) throws {
            let output = try TestSupport.run(
                PipelineTerminalTests.tmux, ["-L", socket, "-f", "/dev/null", "new-session", "-d", "-x", "160", "-y", "50", "bash \(script.path)"])
            try #require(output.status == 0, "tmux did not start: \(output.stderr)")
        }

        /// Returns the visible screen; with `escapes`, it includes colour and attribute sequences.
        func capture(escapes: Bool = false) throws -> String {
            try TestSupport.run(PipelineTerminalTests.tmux, ["-L", socket, "capture-pane", "-p", "-J"] + (escapes ? ["-e"] : [])).stdout
        }

        /// Captures until `condition` is true or `timeout` seconds pass, and returns the last capture.
        func wait(timeout: Double, escapes: Bool = false, until condition: (String) -> Bool) throws -> String {
            let limit = Date().addingTimeInterval(timeout)
            var screen = ""
            while Date() < limit {
                screen = try capture(escapes: escapes)
                if condition(screen) { return screen }
                usleep(100_000)
            }
            return screen
        }

        func stop() {
            _ = try? TestSupport.run(PipelineTerminalTests.tmux, ["-L", socket, "kill-server"])
        }
    }

    /// Writes a script that runs `collect` with `arguments`, prints its exit status and keeps
    /// the pane open until the tmux server is stopped.
    static func script(_ arguments: [String], environment: [String], in folder: URL) throws -> URL {
        let quoted = ([TestSupport.binary.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let text = environment.joined(separator: "\n") + "\n\(quoted)\necho \"EXIT=$?\"\nsleep 120\n"
        let url = folder.appendingPathComponent("run-\(UUID().uuidString).sh")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func terminalShowsLiveLinesAndTable() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.tmux), "tmux is missing; install it with apt-get install -y tmux")
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let hang = try CollectFailureTests.startFaultServer("hang", folder: work)
        defer { kill(hang.pid, SIGTERM) }
        let environment = [
            "export WAKA_DIAG_HOME='\(TestSupport.repositoryRoot.path)' HOME='\(work.path)' XDG_DATA_HOME=''",
        ]
        let arguments = [
            "collect", "--prometheus", hang.url, "--config", TestSupport.repositoryRoot.appendingPathComponent("demo/configs").path,
            "--region", "eu-west-1", "--timeout", "4s", "--secret-key", keys.secret.path,
        ]

        let plain = Pane()
        defer { plain.stop() }
        try plain.start(
            script: try Self.script(
                arguments + ["--out", work.appendingPathComponent("plain").path], environment: environment + ["export NO_COLOR=1"], in: work))

        // While the hanging source runs, its line shows the state and a moving elapsed time.
        let live = try plain.wait(timeout: 30) { $0.contains("running") }
        let running = live.split(separator: "\n").first { $0.contains("prometheus") && $0.contains("running") }
        #expect(running != nil, "no running line for prometheus: \(live)")
        #expect(running?.range(of: #"[0-9]+\.[0-9] s"#, options: .regularExpression) != nil, "\(running ?? "")")

        let screen = try plain.wait(timeout: 60, escapes: true) { $0.contains("EXIT=") }
        #expect(screen.contains("EXIT=2"), "\(screen)")
        #expect(!screen.contains("\u{1B}"), "escape codes on the screen with NO_COLOR=1: \(screen.debugDescription)")
        let lines = screen.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("✗ prometheus") }.count == 1, "the source line was not updated in place: \(screen)")
        #expect(lines.filter { $0.hasPrefix("✗ config-files") }.count == 1, "\(screen)")
        #expect(!lines.contains { $0.contains("running") }, "a line still says running: \(screen)")
        #expect(!lines.contains { $0.hasPrefix("collect: ") }, "plain log lines on a terminal: \(screen)")

        // The final table: sources, files, replacements, the bundle and what to run next.
        #expect(lines.contains { $0.hasPrefix("source") && $0.contains("status") && $0.contains("files") })
        #expect(lines.contains { $0.hasPrefix("prometheus") && $0.contains("timed_out") }, "\(screen)")
        #expect(lines.contains { $0.hasPrefix("config-files") && $0.contains("partial") })
        #expect(lines.contains { $0.hasPrefix("files") && $0.contains("in the bundle") })
        #expect(lines.contains { $0.hasPrefix("redaction") && $0.contains("replacements") })
        let bundleLine = try #require(lines.first { $0.hasPrefix("bundle ") }, "\(screen)")
        let bundle = bundleLine.dropFirst("bundle".count).trimmingCharacters(in: .whitespaces)
        #expect(bundle.hasSuffix(".tar.gz"))
        #expect(FileManager.default.fileExists(atPath: bundle), "\(bundle)")
        #expect(lines.contains("next:"))
        #expect(lines.contains { $0.contains("waka-diag verify \(bundle) --public-key \(keys.public.path)") }, "\(screen)")

        // Without NO_COLOR the same terminal gets colour, so the check above can fail.
        let colour = Pane()
        defer { colour.stop() }
        try colour.start(
            script: try Self.script(
                ["collect", "--config", TestSupport.repositoryRoot.appendingPathComponent("demo/configs/loki.yaml").path, "--region", "eu-west-1",
                 "--secret-key", keys.secret.path, "--out", work.appendingPathComponent("colour").path],
                environment: environment + ["unset NO_COLOR"], in: work))
        let coloured = try colour.wait(timeout: 60, escapes: true) { $0.contains("EXIT=") }
        #expect(coloured.contains("EXIT=0"), "\(coloured)")
        #expect(coloured.contains("\u{1B}["), "no colour without NO_COLOR: \(coloured.debugDescription)")
    }

    /// With stdout in a pipe, as when a script keeps the bundle path, the summary on stderr
    /// still names the bundle on its own line.
    @Test func pipedStdoutKeepsBundleRow() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)

        let output = try TestSupport.wakaDiag(
            ["collect", "--config", TestSupport.repositoryRoot.appendingPathComponent("demo/configs/loki.yaml").path,
             "--region", "eu-west-1", "--secret-key", keys.secret.path, "--out", work.appendingPathComponent("out").path],
            home: work)
        #expect(output.status == 0, "\(output.stderr)")
        let bundle = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(bundle.hasSuffix(".tar.gz"), "\(output.stdout)")
        let row = output.stderr.split(separator: "\n").first { $0.hasPrefix("bundle ") }
        #expect(row.map { $0.dropFirst("bundle".count).trimmingCharacters(in: .whitespaces) } == bundle, "\(output.stderr)")
    }
}
