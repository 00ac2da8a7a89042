import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A failure of a `SecureFiles` operation, with the path and the system's reason.
public enum SecureFileError: DiagnosticError, Equatable {
    /// The file to create exists already and the caller did not allow replacing it.
    case exists(path: String)
    /// The file to read does not exist.
    case notFound(path: String)
    /// The path names a folder, device, socket or other non-regular file.
    case notRegularFile(path: String)
    /// The file is larger than the caller's limit.
    case tooLarge(path: String, limit: Int)
    /// A secret file can be read or written by the group or by other users.
    case insecureMode(label: String, path: String, mode: UInt32)
    /// A system call failed. `operation` names the step and `reason` is the `strerror` text.
    case system(operation: String, path: String, reason: String, code: Int32)

    public var exitStatus: ExitStatus {
        switch self {
        case .exists: return .cannotCreate
        case .notFound: return .noInput
        case .notRegularFile, .tooLarge: return .dataError
        case .insecureMode: return .permission
        case .system(let operation, _, _, let code):
            if operation == "open" && (code == EACCES || code == EPERM) { return .noInput }
            return operation == "create" ? .cannotCreate : .ioError
        }
    }

    public var description: String {
        switch self {
        case .exists(let path):
            return "cannot create \(path): the file already exists"
        case .notFound(let path):
            return "cannot read \(path): no such file"
        case .notRegularFile(let path):
            return "cannot read \(path): not a regular file"
        case .tooLarge(let path, let limit):
            return "cannot read \(path): the file is larger than \(limit) bytes"
        case .insecureMode(let label, let path, let mode):
            let octal = String(mode & 0o7777, radix: 8)
            let padded = String(repeating: "0", count: max(0, 4 - octal.count)) + octal
            return "\(label) \(path) has mode \(padded); it must be readable by its owner only: run chmod 600 \(path)"
        case .system(let operation, let path, let reason, _):
            return "cannot \(operation) \(path): \(reason)"
        }
    }

    static func lastSystemError(_ operation: String, _ path: String) -> SecureFileError {
        let code = errno
        return .system(operation: operation, path: path, reason: String(cString: strerror(code)), code: code)
    }
}

/// A file open for writing that closes its descriptor in `deinit` when `close()` was never reached.
///
/// Call `close()` on the success path: only that call reports `fsync` and `close` failures.
public final class WritableFile {
    public let url: URL
    public private(set) var descriptor: Int32

    init(url: URL, descriptor: Int32) {
        self.url = url
        self.descriptor = descriptor
    }

    deinit {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
    }

    /// Writes every byte, retrying short writes and `EINTR`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw SecureFileError.lastSystemError("write", url.path)
            }
            offset += written
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Flushes the file to storage (`fsync`) and closes it, reporting either failure.
    public func close() throws {
        guard descriptor >= 0 else { return }
        let fd = descriptor
        descriptor = -1
        if fsync(fd) != 0 {
            let error = SecureFileError.lastSystemError("sync", url.path)
            _ = Glibc.close(fd)
            throw error
        }
        if Glibc.close(fd) != 0 {
            throw SecureFileError.lastSystemError("close", url.path)
        }
    }
}

/// File operations for secrets and finished artifacts: exclusive creation with an exact mode,
/// checked writes and closes, atomic replacement, and reads that check the mode of the opened file.
public enum SecureFiles {
    /// Creates `url` and its missing parents with `mode`. Folders that exist keep their mode.
    public static func createDirectory(at url: URL, mode: mode_t = 0o700) throws {
        var missing: [URL] = []
        var current = url.standardizedFileURL
        while !FileManager.default.fileExists(atPath: current.path) && current.path != "/" {
            missing.append(current)
            current = current.deletingLastPathComponent()
        }
        for folder in missing.reversed() {
            if mkdir(folder.path, mode) != 0 && errno != EEXIST {
                throw SecureFileError.lastSystemError("create", folder.path)
            }
            if chmod(folder.path, mode) != 0 {
                throw SecureFileError.lastSystemError("chmod", folder.path)
            }
        }
    }

    /// Creates `url` with `O_EXCL` and exactly `mode` (umask ignored), failing with `.exists` when it is there.
    public static func createNewFile(at url: URL, mode: mode_t) throws -> WritableFile {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        if fd < 0 {
            if errno == EEXIST { throw SecureFileError.exists(path: url.path) }
            throw SecureFileError.lastSystemError("create", url.path)
        }
        let file = WritableFile(url: url, descriptor: fd)
        if fchmod(fd, mode) != 0 {
            let error = SecureFileError.lastSystemError("chmod", url.path)
            _ = unlink(url.path)
            throw error
        }
        return file
    }

    /// Creates a uniquely named hidden file in the folder of `destination`, for writing and then `moveIntoPlace`.
    public static func createTemporaryFile(besides destination: URL, mode: mode_t) throws -> WritableFile {
        let folder = destination.deletingLastPathComponent()
        for _ in 0..<8 {
            let suffix = Sodium.randomBytes(6).hexString
            let candidate = folder.appendingPathComponent(".\(destination.lastPathComponent).tmp-\(suffix)")
            do {
                return try createNewFile(at: candidate, mode: mode)
            } catch SecureFileError.exists {
                continue
            }
        }
        throw SecureFileError.exists(path: folder.appendingPathComponent(".\(destination.lastPathComponent).tmp-*").path)
    }

    /// Renames the closed `temporary` file over `destination` (`rename`, atomic within one file system).
    public static func moveIntoPlace(_ temporary: URL, to destination: URL) throws {
        if rename(temporary.path, destination.path) != 0 {
            let error = SecureFileError.lastSystemError("rename \(temporary.path) to", destination.path)
            _ = unlink(temporary.path)
            throw error
        }
    }

    /// Writes `bytes` to `url` with `mode`.
    ///
    /// Without `replaceExisting` the file is created with `O_EXCL`, so an existing file is never touched.
    /// With it the bytes go to a temporary file that is renamed over `url`. A failed write removes the
    /// partial file.
    public static func writeFile(_ bytes: [UInt8], to url: URL, mode: mode_t, replaceExisting: Bool) throws {
        let file = replaceExisting
            ? try createTemporaryFile(besides: url, mode: mode)
            : try createNewFile(at: url, mode: mode)
        do {
            try file.write(bytes)
            try file.close()
        } catch {
            _ = unlink(file.url.path)
            throw error
        }
        if replaceExisting {
            try moveIntoPlace(file.url, to: url)
        }
    }

    /// Reads a regular file of at most `maximumBytes` bytes.
    ///
    /// With `ownerOnlyLabel` set, rejects a file whose mode grants any group or other permission
    /// (`mode & 0o077 != 0`). The mode is taken with `fstat` on the opened descriptor, so the file
    /// checked is the file read.
    public static func readFile(at url: URL, maximumBytes: Int, ownerOnlyLabel: String? = nil) throws -> [UInt8] {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { throw SecureFileError.notFound(path: url.path) }
            throw SecureFileError.lastSystemError("open", url.path)
        }
        defer { _ = Glibc.close(fd) }

        var info = stat()
        if fstat(fd, &info) != 0 { throw SecureFileError.lastSystemError("stat", url.path) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw SecureFileError.notRegularFile(path: url.path) }
        if let label = ownerOnlyLabel, info.st_mode & 0o077 != 0 {
            throw SecureFileError.insecureMode(label: label, path: url.path, mode: UInt32(info.st_mode))
        }
        guard info.st_size <= maximumBytes else { throw SecureFileError.tooLarge(path: url.path, limit: maximumBytes) }

        // One byte more than the size fstat reported, so growth during the read shows up.
        let capacity = min(Int(info.st_size), maximumBytes) + 1
        var bytes = [UInt8](repeating: 0, count: capacity)
        var total = 0
        while total < capacity {
            let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + total, capacity - total) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SecureFileError.lastSystemError("read", url.path)
            }
            if count == 0 { break }
            total += count
        }
        if total == capacity {
            Sodium.wipe(&bytes)
            if capacity > maximumBytes { throw SecureFileError.tooLarge(path: url.path, limit: maximumBytes) }
            throw SecureFileError.system(
                operation: "read", path: url.path, reason: "the file grew while it was read", code: EAGAIN)
        }
        let result = Array(bytes[0..<total])
        Sodium.wipe(&bytes)
        return result
    }
}
