/// Path rules shared by the writer and the reader.
enum ArchivePath {
    /// Checks a path the writer is asked to store: relative, `/`-separated, no empty, `.` or `..`
    /// components, and no control characters. Returns its components.
    static func components(forWriting path: String) throws -> [Substring] {
        func reject(_ reason: String) -> ArchiveError { .invalidEntryPath(path: path, reason: reason) }

        guard !path.isEmpty else { throw reject("the path is empty") }
        guard !path.hasPrefix("/") else { throw reject("the path is absolute; give it relative to the root folder") }
        if path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw reject("the path contains a control character")
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        for part in parts {
            switch part {
            case "": throw reject("the path has an empty component (a doubled or trailing '/')")
            case ".", "..": throw reject("the path has a '\(part)' component")
            default: continue
            }
        }
        return parts
    }

    /// Normalizes a path read from an archive: rejects absolute paths and `..` components, and drops
    /// empty and `.` components, so `./a//b` and `a/b` name the same entry. Returns the components,
    /// which are empty for a path such as `./`.
    static func components(forReading path: String) throws -> [Substring] {
        guard !path.hasPrefix("/") else { throw ArchiveError.absolutePath(path: path) }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        guard !parts.contains("..") else { throw ArchiveError.parentReference(path: path) }
        return parts
    }

    /// Reports whether `path` fits a ustar header: at most 100 bytes, or split at a `/` into a prefix
    /// of at most 155 bytes and a non-empty name of at most 100 bytes. A folder's trailing `/` is not counted.
    static func fitsUstar(_ path: String) -> Bool {
        var bytes = Array(path.utf8)
        if bytes.last == 0x2F { bytes.removeLast() }
        if bytes.count <= 100 { return true }
        for index in bytes.indices where bytes[index] == 0x2F {
            let nameLength = bytes.count - index - 1
            if index <= 155 && nameLength > 0 && nameLength <= 100 { return true }
        }
        return false
    }
}
