import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Lists the regular files under the configured paths in a stable order, without following a
/// symlink out of the folder it sits in.
struct ConfigFileWalker {
    struct File {
        /// The file to read: the entry itself, or the target of a symlink inside the same root.
        var url: URL
        /// The path below `config/files/`, starting with the root's name.
        var relativePath: String
    }

    /// The deepest folder nesting walked, which also stops bind-mount loops.
    static let maximumDepth = 64

    let maximumFiles: Int
    private(set) var files: [File] = []
    private(set) var failures: [EndpointFailure] = []
    private var limitReported = false

    init(maximumFiles: Int) {
        self.maximumFiles = maximumFiles
    }

    /// Adds `root`, a resolved file or folder that the operator named as `given`.
    mutating func add(root: URL, given: String, documentPrefix: String, deadline: Date) {
        var info = stat()
        guard lstat(root.path, &info) == 0 else {
            let reason = errno == EACCES ? "permission denied" : "not found"
            fail(given, errno == EACCES ? .denied : .unreachable, "\(reason); left out")
            return
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            addFile(File(url: root, relativePath: documentPrefix))
        case S_IFDIR:
            walk(folder: root, relativePath: documentPrefix, rootPath: root.path, depth: 0, deadline: deadline)
        default:
            fail(given, .skipped, "not a regular file or folder; left out")
        }
    }

    private mutating func walk(folder: URL, relativePath: String, rootPath: String, depth: Int, deadline: Date) {
        guard depth < Self.maximumDepth else {
            fail(folder.path, .skipped, "folder nested deeper than \(Self.maximumDepth) levels; left out")
            return
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            fail(folder.path, .denied, "cannot list the folder (permission denied or I/O error); left out")
            return
        }

        for name in names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            guard Date() < deadline else {
                fail(folder.path, .timedOut, "the collection deadline passed while listing files; the rest left out")
                return
            }
            guard !limitReported else { return }

            let entry = folder.appendingPathComponent(name)
            let entryRelative = relativePath + "/" + name
            // A control character would make the bundle path ambiguous in listings and reports.
            if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                fail(entry.path, .skipped, "file name contains control characters; left out")
                continue
            }
            var info = stat()
            guard lstat(entry.path, &info) == 0 else {
                fail(entry.path, .unreachable, "cannot inspect the entry (removed while collecting?); left out")
                continue
            }
            switch info.st_mode & S_IFMT {
            case S_IFREG:
                addFile(File(url: entry, relativePath: entryRelative))
            case S_IFDIR:
                walk(folder: entry, relativePath: entryRelative, rootPath: rootPath, depth: depth + 1, deadline: deadline)
            case S_IFLNK:
                addSymlink(entry, relativePath: entryRelative, rootPath: rootPath)
            default:
                fail(entry.path, .skipped, "not a regular file (socket, FIFO or device); left out")
            }
        }
    }

    /// Takes a symlink only when it leads to a regular file inside the same root folder.
    private mutating func addSymlink(_ link: URL, relativePath: String, rootPath: String) {
        guard let resolved = realpath(link.path, nil) else {
            fail(link.path, .unreachable, "dangling symlink; left out")
            return
        }
        let target = String(cString: resolved)
        free(resolved)

        guard target.hasPrefix(rootPath + "/") else {
            fail(link.path, .skipped, "symlink points outside \(rootPath); not followed, left out")
            return
        }
        var info = stat()
        guard stat(target, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            fail(link.path, .skipped, "symlink to something other than a regular file; not followed, left out")
            return
        }
        addFile(File(url: URL(fileURLWithPath: target), relativePath: relativePath))
    }

    private mutating func addFile(_ file: File) {
        guard files.count < maximumFiles else {
            if !limitReported {
                limitReported = true
                fail(file.url.path, .skipped, "more than \(maximumFiles) files under the configured paths; this and later files left out")
            }
            return
        }
        files.append(file)
    }

    private mutating func fail(_ path: String, _ status: SourceStatus, _ reason: String) {
        failures.append(EndpointFailure(endpoint: path, status: status, reason: reason))
    }
}
