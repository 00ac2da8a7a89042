import Foundation

/// File operations with the guarantees bundles and keys need: atomic replacement, private modes,
/// and errors that name the path.
public enum FileSafety {
    /// Reads a whole file, mapping failures to errors that name the path.
    public static func read(_ url: URL) throws -> Data {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw DiagError.noInput("cannot read \(url.path): no such file; check the path, which is relative to the current folder unless it starts with /")
        }
        guard !isFolder.boolValue else {
            throw DiagError.noInput("cannot read \(url.path): it is a folder, expected a file")
        }
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw DiagError.noInput("cannot read \(url.path): permission denied; check the file's mode and owner")
        }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw DiagError.io("cannot read \(url.path): \(error.localizedDescription)")
        }
    }

    /// Writes `data` to a temporary file beside `url` with `mode`, flushes it, then renames it over
    /// `url`, so readers see either the old file or the complete new one.
    public static func writeAtomically(_ data: Data, to url: URL, mode: mode_t = 0o644) throws {
        try writeAtomically(to: url, mode: mode) { write in write(data) }
    }

    /// Writes what `produce` hands to its `write` function, piece by piece, to a temporary file
    /// beside `url`, then renames it over `url`, so a large document never has to be held whole.
    /// On any failure, or when `produce` throws, the temporary file is removed and `url` is untouched.
    public static func writeAtomically(
        to url: URL, mode: mode_t = 0o644, _ produce: (_ write: (Data) -> Void) throws -> Void
    ) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            throw DiagError(.cannotCreate, "cannot create \(temporary.path): \(String(cString: strerror(errno)))")
        }
        var failure: String?
        func write(_ data: Data) {
            guard failure == nil else { return }
            data.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        failure = String(cString: strerror(errno))
                        return
                    }
                    offset += written
                }
            }
        }
        do {
            try produce(write)
        } catch {
            close(descriptor)
            unlink(temporary.path)
            throw error
        }
        if failure == nil, fchmod(descriptor, mode) != 0 { failure = String(cString: strerror(errno)) }
        if failure == nil, fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
        if close(descriptor) != 0, failure == nil { failure = String(cString: strerror(errno)) }
        if failure == nil, rename(temporary.path, url.path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary.path)
            throw DiagError.io("cannot write \(url.path): \(failure)")
        }
    }

    /// Creates `url` and missing parents; the last folder gets `mode`.
    public static func createFolder(_ url: URL, mode: mode_t = 0o755) throws {
        do {
            try FileManager.default.createDirectory(
                at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: Int(mode)])
        } catch {
            throw DiagError(.cannotCreate, "cannot create folder \(url.path): \(error.localizedDescription)")
        }
    }

    /// Returns the permission bits of a file, or nil when it cannot be read.
    public static func mode(of url: URL) -> mode_t? {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return nil }
        return info.st_mode & 0o7777
    }

    /// Returns the user's data folder for waka-diag: `$XDG_DATA_HOME/waka-diag` or `~/.local/share/waka-diag`.
    public static func userDataFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg).appendingPathComponent("waka-diag")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".local/share/waka-diag")
    }
}

extension FileSafety {
    /// Returns `path` when `isTaken` rejects it, or else the first of `name-2.ext`, `name-3.ext`
    /// and so on that `isTaken` rejects. The number goes before the extension of the last path
    /// component, and a name that starts with its only dot (`.env`) has no extension.
    public static func freeName(_ path: String, isTaken: (String) -> Bool) -> String {
        guard isTaken(path) else { return path }
        let nameStart = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        let dot = path[nameStart...].lastIndex(of: ".").flatMap { $0 > nameStart ? $0 : nil } ?? path.endIndex
        var number = 2
        while true {
            let candidate = String(path[..<dot]) + "-\(number)" + String(path[dot...])
            if !isTaken(candidate) { return candidate }
            number += 1
        }
    }
}
