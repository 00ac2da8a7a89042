import DiagSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Collects local configuration files, each given path a file or a folder walked recursively.
///
/// Files become documents under `config/files/`: `.yml`/`.yaml` as YAML, `.json` as parsed JSON
/// with its bytes for the layout of the copy, anything else as text. A file that cannot be read or is not valid text is left out and
/// recorded as a failure, never stored raw.
public struct ConfigFileCollector: Collector {
    public let name: String
    public let paths: [URL]

    /// The largest file read, in bytes.
    public static let maximumFileBytes = 8 * 1024 * 1024
    /// The maximum number of files taken from all paths together, which bounds a mistaken `--config /`.
    public static let maximumFiles = 5000

    public init(paths: [URL], name: String = "config-files") {
        self.name = name
        self.paths = paths
    }

    public var kind: String { "config-files" }

    public var endpointDescription: String { paths.map(\.path).joined(separator: ", ") }

    public func plannedRequests() -> [String] {
        paths.map { "read \($0.path)" }
    }

    /// Checks that every path exists and is readable, so the command can fail before collecting.
    public static func validate(paths: [URL]) throws {
        for url in paths {
            let path = url.path
            var info = stat()
            guard stat(path, &info) == 0 else {
                if errno == EACCES {
                    throw DiagError.noInput("cannot read config path \(path): permission denied; check the mode of the path and its parent folders")
                }
                throw DiagError.noInput("config path \(path) not found; check the path given with --config")
            }
            guard access(path, R_OK) == 0 else {
                throw DiagError.noInput("cannot read config path \(path): permission denied; check its mode or run as a user that can read it")
            }
        }
    }

    public func collect(window: CollectionWindow, deadline: Date) async -> SourceResult {
        let started = Date()
        var walker = ConfigFileWalker(maximumFiles: Self.maximumFiles)
        var usedPrefixes: Set<String> = []

        for url in paths {
            let resolved = url.standardizedFileURL.resolvingSymlinksInPath()
            let prefix = Self.uniquePrefix(for: resolved, used: &usedPrefixes)
            walker.add(root: resolved, given: url.path, documentPrefix: prefix, deadline: deadline)
        }

        var documents: [CollectedDocument] = []
        var failures = walker.failures
        for (index, file) in walker.files.enumerated() {
            guard Date() < deadline else {
                failures.append(
                    EndpointFailure(
                        endpoint: file.url.path, status: .timedOut,
                        reason: "the collection deadline passed; this and \(walker.files.count - index - 1) later files left out"))
                break
            }
            switch Self.read(file.url, documentPath: "config/files/" + file.relativePath) {
            case .document(let document): documents.append(document)
            case .failure(let failure): failures.append(failure)
            }
        }

        return SourceResult.summarizing(
            name: name, kind: "config-files", endpoint: endpointDescription, started: started,
            attempted: max(walker.files.count + walker.failures.count, paths.count),
            documents: documents, failures: failures)
    }

    /// Names a root's folder under `config/files/` after its last path component, adding `-2`,
    /// `-3` and so on before the extension when two roots share a name.
    static func uniquePrefix(for root: URL, used: inout Set<String>) -> String {
        let base = root.lastPathComponent
        let name = base.isEmpty || base == "/" ? "root" : base
        let stem = (name as NSString).deletingPathExtension
        let suffix = (name as NSString).pathExtension
        var candidate = name
        var number = 2
        while used.contains(candidate) {
            candidate = suffix.isEmpty ? "\(name)-\(number)" : "\(stem)-\(number).\(suffix)"
            number += 1
        }
        used.insert(candidate)
        return candidate
    }

    /// Reads one regular file without following a final symlink and turns it into a document.
    static func read(_ url: URL, documentPath: String) -> DocumentOutcome {
        let path = url.path
        func failure(_ status: SourceStatus, _ reason: String) -> DocumentOutcome {
            .failure(EndpointFailure(endpoint: path, status: status, reason: reason))
        }

        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            switch errno {
            case EACCES, EPERM: return failure(.denied, "permission denied; left out (check the file's mode)")
            case ENOENT: return failure(.unreachable, "file not found (removed while collecting); left out")
            default: return failure(.unreachable, "cannot open: \(String(cString: strerror(errno))); left out")
            }
        }
        defer { close(descriptor) }

        // fstat on the open descriptor, so the type and size checked are those of the file read.
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            return failure(.skipped, "not a regular file; left out")
        }
        guard Int(info.st_size) <= maximumFileBytes else {
            return failure(
                .invalidResponse,
                "file of \(info.st_size) bytes exceeds the limit of \(maximumFileBytes / (1024 * 1024)) MiB; left out")
        }

        var bytes = [UInt8](repeating: 0, count: maximumFileBytes + 1)
        var total = 0
        while total < bytes.count {
            let count = bytes[total...].withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { return failure(.unreachable, "read failed: \(String(cString: strerror(errno))); left out") }
            if count == 0 { break }
            total += count
        }
        guard total <= maximumFileBytes else {
            return failure(.invalidResponse, "file grew past the limit of \(maximumFileBytes / (1024 * 1024)) MiB while read; left out")
        }
        let data = Data(bytes[0..<total])

        guard !data.contains(0), let text = String(validating: data, as: UTF8.self) else {
            return failure(.invalidResponse, "not text (NUL bytes or invalid UTF-8); left out")
        }
        switch url.pathExtension.lowercased() {
        case "yml", "yaml":
            return .document(CollectedDocument(path: documentPath, content: .yaml(text)))
        case "json":
            do {
                return .document(CollectedDocument(path: documentPath, content: .json(try JSONValue.parse(data)), jsonLayout: data))
            } catch {
                return failure(.invalidResponse, "invalid JSON (\(error.operatorMessage)); left out")
            }
        default:
            return .document(CollectedDocument(path: documentPath, content: .text(text)))
        }
    }
}
