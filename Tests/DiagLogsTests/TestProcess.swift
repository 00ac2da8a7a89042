import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs helper programs such as `python3` for the tests, with `posix_spawn` and `waitpid` on
/// the child's PID, because Foundation's `Process` was seen to hang on Linux when many tests
/// start processes at once.
enum TestProcess {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `arguments` (found on PATH) with standard input and output closed and returns the
    /// exit status. A child still running after `timeout` seconds is killed.
    @discardableResult
    static func run(_ arguments: [String], timeout: Double = 60) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)

        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw Failure(description: "cannot start \(arguments[0]): \(String(cString: strerror(spawned)))")
        }

        var status: Int32 = 0
        let limit = Date().addingTimeInterval(timeout)
        while Date() < limit {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F) }
            if result < 0 && errno != EINTR { break }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
        throw Failure(description: "\(arguments.joined(separator: " ")) did not finish within \(timeout) s")
    }

    /// Compresses each of `texts` as one gzip member with Python's `gzip` module and writes the
    /// members one after another to `path`.
    static func writeGzip(_ texts: [String], to path: String) throws {
        let inputs = try texts.enumerated().map { index, text -> String in
            let input = path + ".member\(index)"
            try Data(text.utf8).write(to: URL(fileURLWithPath: input))
            return input
        }
        defer { for input in inputs { try? FileManager.default.removeItem(atPath: input) } }
        let script = """
            import gzip, sys
            with open(sys.argv[1], "wb") as out:
                for name in sys.argv[2:]:
                    out.write(gzip.compress(open(name, "rb").read()))
            """
        let status = try run(["python3", "-c", script, path] + inputs)
        guard status == 0 else { throw Failure(description: "python3 gzip exited with status \(status)") }
    }
}
