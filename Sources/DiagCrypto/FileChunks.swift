import DiagSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reads a regular file front to back in fixed-size chunks, reporting failures as `SecureFileError`.
enum FileChunks {
    /// Calls `body` with each chunk of at most `chunkBytes` bytes, reusing one buffer for all calls.
    static func forEach(in url: URL, chunkBytes: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT { throw SecureFileError.notFound(path: url.path) }
            throw systemError("open", url, code)
        }
        defer { _ = close(fd) }

        var info = stat()
        guard fstat(fd, &info) == 0 else { throw systemError("stat", url, errno) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw SecureFileError.notRegularFile(path: url.path) }

        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkBytes, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(fd, buffer.baseAddress!, chunkBytes)
            if count < 0 {
                if errno == EINTR { continue }
                throw systemError("read", url, errno)
            }
            if count == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    private static func systemError(_ operation: String, _ url: URL, _ code: Int32) -> SecureFileError {
        .system(operation: operation, path: url.path, reason: String(cString: strerror(code)), code: code)
    }
}
