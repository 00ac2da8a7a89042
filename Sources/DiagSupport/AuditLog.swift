import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The local record of what left or changed a bundle: one JSON object per line in
/// `~/.local/share/waka-diag/audit.log` (or `$XDG_DATA_HOME/waka-diag/audit.log`), mode 0600 in a
/// 0700 folder.
///
/// Each line has `time` (RFC 3339, UTC), `user`, `action`, `bundle_sha256`, `destination` (null
/// when nothing was sent) and `details`. Lines are only ever appended.
public struct AuditLog: Sendable {
    public let url: URL

    public init(url: URL) {
        self.url = url
    }

    /// The log in the user's data folder.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> AuditLog {
        AuditLog(url: FileSafety.userDataFolder(environment: environment).appendingPathComponent("audit.log"))
    }

    /// Appends one line to the standard log; used by upload, and meant for collect, re-seal and unmap.
    public static func append(
        action: String, bundleSHA256: String, destination: String?, details: JSONValue = .object([:])
    ) throws {
        try standard().append(action: action, bundleSHA256: bundleSHA256, destination: destination, details: details)
    }

    /// Appends one line, creating the file with mode 0600 and its folder with mode 0700 when missing.
    ///
    /// An existing file with a wider mode is narrowed to 0600 before the line is written. The line
    /// goes out in one `write` on an `O_APPEND` descriptor, so concurrent writers do not interleave
    /// within a line on a local file system.
    public func append(
        action: String, bundleSHA256: String, destination: String?, details: JSONValue = .object([:]),
        time: Date = Date()
    ) throws {
        let record: JSONValue = [
            "time": .string(Timestamp.format(time)),
            "user": .string(Self.currentUser()),
            "action": .string(action),
            "bundle_sha256": .string(bundleSHA256),
            "destination": destination.map { .string($0) } ?? .null,
            "details": details,
        ]
        var line = record.serialized(pretty: false)
        line.append(0x0A)

        try SecureFiles.createDirectory(at: url.deletingLastPathComponent(), mode: 0o700)
        let descriptor = open(url.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            throw DiagError(.cannotCreate, "cannot open audit log \(url.path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }

        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw DiagError(.cannotCreate, "cannot use audit log \(url.path): it is not a regular file")
        }
        if info.st_mode & 0o077 != 0, fchmod(descriptor, 0o600) != 0 {
            throw DiagError(.permission, "cannot make audit log \(url.path) private: \(String(cString: strerror(errno))); run chmod 600 \(url.path)")
        }

        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress!, $0.count) }
        guard written == line.count else {
            let reason = written < 0 ? String(cString: strerror(errno)) : "short write of \(written) of \(line.count) bytes"
            throw DiagError.io("cannot append to audit log \(url.path): \(reason)")
        }
        guard fsync(descriptor) == 0 else {
            throw DiagError.io("cannot sync audit log \(url.path): \(String(cString: strerror(errno)))")
        }
    }

    /// The login name of the effective user, from the password database, else `$USER`, else the uid.
    static func currentUser() -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name {
            return String(cString: name)
        }
        return ProcessInfo.processInfo.environment["USER"] ?? "uid \(geteuid())"
    }
}
