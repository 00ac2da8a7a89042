import DiagSupport
import Foundation

/// Everything `collect` must remove when it is interrupted or fails: single files, and the
/// private staging folder the bundle is written in before it is moved into place.
///
/// Raw collected data never reaches the disk, so these hold only redacted files, and nothing
/// in a staging folder is readable by other users (mode 0700).
public final class CollectionCleanup: @unchecked Sendable {
    public let files = TemporaryFiles()
    private let lock = NSLock()
    private var folders: Set<String> = []

    public init() {}

    /// Creates a staging folder in `parent` with mode 0700 and registers it for removal.
    public func makeStagingFolder(in parent: URL) throws -> URL {
        try FileSafety.createFolder(parent)
        var template = Array(parent.appendingPathComponent(".waka-diag-staging-XXXXXX").path.utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard created != nil else {
            throw DiagError(
                .cannotCreate,
                "cannot create a staging folder in \(parent.path): \(String(cString: strerror(errno))); check that the --out folder is writable")
        }
        let path = String(cString: template)
        lock.lock()
        folders.insert(path)
        lock.unlock()
        return URL(fileURLWithPath: path)
    }

    /// Removes a staging folder and everything in it now.
    public func removeFolder(_ url: URL) {
        lock.lock()
        folders.remove(url.path)
        lock.unlock()
        Self.removeTree(url.path)
    }

    /// Removes every registered file and staging folder; safe to call more than once and from
    /// a signal-handling dispatch queue.
    public func removeAll() {
        files.removeAll()
        lock.lock()
        let pending = folders
        folders.removeAll()
        lock.unlock()
        for path in pending { Self.removeTree(path) }
    }

    /// Removes a staging folder's files and the folder. Staging folders hold only regular files,
    /// so one level is enough; anything deeper is left for `rmdir` to report.
    private static func removeTree(_ path: String) {
        if let names = try? FileManager.default.contentsOfDirectory(atPath: path) {
            for name in names { unlink(path + "/" + name) }
        }
        rmdir(path)
    }
}
