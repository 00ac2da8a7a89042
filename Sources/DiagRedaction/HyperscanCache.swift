import CHyperscan
import DiagSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Compiled Hyperscan databases kept on disk, so that a run whose rules did not change skips the
/// compile, which takes about a fifth of a second for the default ruleset.
///
/// A file is named by the SHA-256 of everything the compile depends on: Hyperscan's version, the
/// processor features it compiles for, and each expression's pattern, flags and id. A file starts
/// with a magic line, its own name and the SHA-256 of the serialized database after them. So a
/// truncated or altered file, or a valid file copied under another name, is recompiled, never
/// handed to Hyperscan. The folder is created with mode 0700
/// and each file with 0600. A folder that another user owns, or that others may write, is not
/// used. The files hold the compiled patterns, including an extra rules file's keywords. They
/// stay on this machine like the rules file itself, and nothing puts them into a bundle.
///
/// The folder is `$WAKA_DIAG_CACHE/hyperscan`, else `$XDG_CACHE_HOME/waka-diag/hyperscan`, else
/// `~/.cache/waka-diag/hyperscan`. `WAKA_DIAG_CACHE=off` turns the cache off. Any failure to
/// read or write a file only means compiling again.
struct HyperscanCache: Sendable {
    let folder: URL
    /// Files beyond this number are removed, oldest first, when a new one is written.
    static let maximumFiles = 64
    /// The largest file read back; the default ruleset's line screen takes about 650 KB.
    static let maximumFileBytes = 64 << 20
    private static let magic = Array("waka-diag hyperscan 2\n".utf8)

    /// The cache the environment names, or nil when it is turned off or no folder is known.
    static let standard = HyperscanCache(environment: ProcessInfo.processInfo.environment)

    init(folder: URL) {
        self.folder = folder
    }

    /// The cache that `environment` names, or nil when it is turned off or names no folder. A
    /// `WAKA_DIAG_CACHE` value that is not an absolute path, such as `off`, turns the cache off,
    /// because a relative path would depend on the current folder.
    init?(environment: [String: String]) {
        if let value = environment["WAKA_DIAG_CACHE"], !value.isEmpty {
            guard value.hasPrefix("/") else { return nil }
            folder = URL(fileURLWithPath: value).appendingPathComponent("hyperscan")
        } else if let value = environment["XDG_CACHE_HOME"], value.hasPrefix("/") {
            folder = URL(fileURLWithPath: value).appendingPathComponent("waka-diag/hyperscan")
        } else if let home = environment["HOME"], home.hasPrefix("/") {
            folder = URL(fileURLWithPath: home).appendingPathComponent(".cache/waka-diag/hyperscan")
        } else {
            return nil
        }
    }

    /// Returns the file name for a compile of `patterns` with `flags` and `ids`.
    static func key(patterns: [String], flags: [UInt32], ids: [UInt32]) -> String {
        var platform = hs_platform_info_t()
        _ = hs_populate_platform(&platform)
        var text = String(cString: hs_version()) + "\n\(platform.tune) \(platform.cpu_features)\n"
        for index in patterns.indices {
            text += "\(flags[index]) \(ids[index]) \(patterns[index].utf8.count) \(patterns[index])\n"
        }
        return Sodium.sha256(Array(text.utf8)).hexString + ".db"
    }

    /// Returns the database stored under `key`, or nil when there is none or it does not check out.
    func load(_ key: String) -> OpaquePointer? {
        guard folderIsPrivate(),
            let bytes = try? SecureFiles.readFile(at: folder.appendingPathComponent(key), maximumBytes: Self.maximumFileBytes)
        else { return nil }
        let prefix = Self.magic + Array(key.utf8)
        let header = prefix.count + 32
        guard bytes.count > header, Array(bytes[..<prefix.count]) == prefix else { return nil }
        let payload = bytes[header...]
        guard Sodium.sha256(Array(payload)) == Array(bytes[prefix.count..<header]) else { return nil }
        var database: OpaquePointer?
        let status = payload.withUnsafeBytes { raw in
            hs_deserialize_database(raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count, &database)
        }
        guard status == HS_SUCCESS else { return nil }
        // A file in use is the newest, so trimming removes the ones no longer used.
        utimes(folder.appendingPathComponent(key).path, nil)
        return database
    }

    /// Writes `database` under `key`, through a temporary file and a rename (`SecureFiles`), and
    /// trims the folder.
    func store(_ database: OpaquePointer, key: String) {
        var serialized: UnsafeMutablePointer<CChar>?
        var length = 0
        guard hs_serialize_database(database, &serialized, &length) == HS_SUCCESS, let serialized else { return }
        let payload = [UInt8](UnsafeRawBufferPointer(start: serialized, count: length))
        free(serialized)

        let content = Self.magic + Array(key.utf8) + Sodium.sha256(payload) + payload
        // A file too large to read back is not written.
        guard content.count <= Self.maximumFileBytes else { return }
        try? SecureFiles.createDirectory(at: folder, mode: 0o700)
        guard folderIsPrivate() else { return }
        guard (try? SecureFiles.writeFile(content, to: folder.appendingPathComponent(key), mode: 0o600, replaceExisting: true)) != nil
        else { return }
        trim()
    }

    /// Returns whether the folder exists, belongs to this user and no one else may write to it.
    private func folderIsPrivate() -> Bool {
        var status = stat()
        guard lstat(folder.path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else { return false }
        return status.st_uid == geteuid() && status.st_mode & 0o022 == 0
    }

    /// Removes the oldest files while more than `maximumFiles` remain.
    private func trim() {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: folder.path) else { return }
        let files = names.filter { $0.hasSuffix(".db") && !$0.hasPrefix(".") }
        guard files.count > Self.maximumFiles else { return }
        let dated = files.map { name -> (String, Date) in
            let attributes = try? manager.attributesOfItem(atPath: folder.appendingPathComponent(name).path)
            return (name, attributes?[.modificationDate] as? Date ?? .distantPast)
        }
        for (name, _) in dated.sorted(by: { $0.1 < $1.1 }).prefix(files.count - Self.maximumFiles) {
            unlink(folder.appendingPathComponent(name).path)
        }
    }
}
