import DiagSupport
import Foundation

/// The per-site key of the pseudonyms: 32 random bytes stored as 64 hex digits in a file that
/// only its owner can read (mode 0600, in a folder of mode 0700).
public enum SiteSecret {
    public static let byteCount = 32

    /// Returns a secret for one run only: pseudonyms are consistent within the run but not across runs.
    public static func ephemeral() -> [UInt8] {
        Sodium.randomBytes(byteCount)
    }

    /// Reads the secret at `url`, or creates it (and its folder, mode 0700) when it does not exist.
    ///
    /// Fails with `ExitStatus.permission` when the file is readable or writable by group or others,
    /// belongs to another user, or its folder is writable by group or others. Anyone who can read
    /// the secret can test guesses against every pseudonym.
    public static func loadOrCreate(at url: URL) throws -> [UInt8] {
        let folder = url.deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: folder.path) {
            try FileSafety.createFolder(folder, mode: 0o700)
            chmod(folder.path, 0o700)
        }
        try checkFolder(folder)

        if let secret = try read(url) { return secret }

        // Create under a temporary name and link it into place, so two processes starting at once
        // both end up with the one secret that won.
        var secret = ephemeral()
        let text = secret.hexString + "\n"
        defer { Sodium.wipe(&secret) }
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).new-\(getpid())")
        unlink(temporary.path)
        try FileSafety.writeAtomically(Data(text.utf8), to: temporary, mode: 0o600)
        defer { unlink(temporary.path) }
        if link(temporary.path, url.path) != 0, errno != EEXIST {
            throw DiagError(
                .cannotCreate, "cannot create the site secret \(url.path): \(String(cString: strerror(errno)))")
        }
        guard let stored = try read(url) else {
            throw DiagError(.cannotCreate, "cannot create the site secret \(url.path): the file vanished after creation")
        }
        return stored
    }

    /// Returns the secret in `url`, or nil when the file does not exist.
    private static func read(_ url: URL) throws -> [UInt8]? {
        var info = stat()
        guard lstat(url.path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw DiagError.noInput("cannot read the site secret \(url.path): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw DiagError(.permission, "the site secret \(url.path) is not a regular file; remove it or choose another path")
        }
        guard info.st_uid == geteuid() else {
            throw DiagError(
                .permission, "the site secret \(url.path) belongs to another user (uid \(info.st_uid)); use your own file")
        }
        guard info.st_mode & 0o077 == 0 else {
            let mode = String(info.st_mode & 0o777, radix: 8)
            throw DiagError(
                .permission,
                "the site secret \(url.path) has mode \(mode), so other users can read it; run chmod 600 \(url.path)")
        }

        let data = try FileSafety.read(url)
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.utf8.count == byteCount * 2, let bytes = [UInt8](hex: text) else {
            throw DiagError.data(
                "the site secret \(url.path) is not \(byteCount * 2) hex digits; restore it from a backup or delete it to start new pseudonyms")
        }
        return bytes
    }

    private static func checkFolder(_ folder: URL) throws {
        var info = stat()
        guard stat(folder.path, &info) == 0 else {
            throw DiagError.noInput("cannot read the folder \(folder.path): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & 0o022 == 0 else {
            let mode = String(info.st_mode & 0o777, radix: 8)
            throw DiagError(
                .permission,
                "the folder \(folder.path) of the site secret has mode \(mode), so other users can replace the secret; run chmod 700 \(folder.path)"
            )
        }
    }
}
