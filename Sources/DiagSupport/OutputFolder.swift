import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Checks a folder that a command will write into, before the command does any work.
public enum OutputFolder {
    /// Throws when `url` cannot become a folder to write in: it or an ancestor is a file, or the
    /// nearest existing ancestor is not writable. A missing folder is fine; it is created later.
    /// `option` names the command-line option, such as `--out`, in the message.
    public static func check(_ url: URL, option: String) throws {
        var candidate = url.standardizedFileURL
        var isFolder: ObjCBool = false
        while !FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isFolder) {
            let parent = candidate.deletingLastPathComponent()
            guard parent.path != candidate.path else { return }
            candidate = parent
        }
        guard isFolder.boolValue else {
            let subject = candidate.path == url.standardizedFileURL.path ? "is a file" : "is inside \(candidate.path), which is a file"
            throw DiagError(.cannotCreate, "\(option) \(url.path) \(subject), not a folder; pass a folder path (a missing folder is created)")
        }
        guard access(candidate.path, W_OK) == 0 else {
            throw DiagError(
                .cannotCreate, "\(option) \(url.path): cannot write in \(candidate.path) (\(String(cString: strerror(errno)))); pass a folder you can write in")
        }
    }
}
