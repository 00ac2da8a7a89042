import DiagSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A buffered reader over a regular file's descriptor, closed in `deinit`, for formats that mix text
/// lines and binary data.
final class ByteReader {
    let path: String
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var position = 0
    private var reachedEnd = false
    private static let readSize = 64 * 1024

    init(url: URL) throws {
        path = url.path
        descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            let code = errno
            if code == ENOENT { throw SecureFileError.notFound(path: url.path) }
            throw SecureFileError.system(operation: "open", path: url.path, reason: String(cString: strerror(code)), code: code)
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            _ = close(descriptor)
            throw SecureFileError.notRegularFile(path: url.path)
        }
    }

    deinit {
        _ = close(descriptor)
    }

    /// Reads more bytes into the buffer, returning false at the end of the file.
    private func fill() throws -> Bool {
        if reachedEnd { return false }
        if position > 0 {
            buffer.removeFirst(position)
            position = 0
        }
        var chunk = [UInt8](repeating: 0, count: Self.readSize)
        while true {
            let count = Glibc.read(descriptor, &chunk, Self.readSize)
            if count < 0 {
                if errno == EINTR { continue }
                let code = errno
                throw SecureFileError.system(operation: "read", path: path, reason: String(cString: strerror(code)), code: code)
            }
            if count == 0 {
                reachedEnd = true
                return false
            }
            buffer.append(contentsOf: chunk[0..<count])
            return true
        }
    }

    /// Returns the next line without its LF, nil at the end of the file, or throws `tooLong` when no LF
    /// comes within `maximumLength` bytes. A last line without LF is returned with `hasNewline` false.
    func readLine(maximumLength: Int, tooLong: Error) throws -> (line: [UInt8], hasNewline: Bool)? {
        var searchFrom = position
        while true {
            if let newline = buffer[searchFrom...].firstIndex(of: 0x0A) {
                guard newline - position <= maximumLength else { throw tooLong }
                let line = Array(buffer[position..<newline])
                position = newline + 1
                return (line, true)
            }
            guard buffer.count - position <= maximumLength else { throw tooLong }
            searchFrom = buffer.count
            let offset = position
            if try !fill() {
                guard buffer.count > position else { return nil }
                let line = Array(buffer[position...])
                position = buffer.count
                return (line, false)
            }
            searchFrom -= offset - position
        }
    }

    /// Returns up to `count` bytes, fewer only at the end of the file.
    func read(upTo count: Int) throws -> [UInt8] {
        while buffer.count - position < count {
            if try !fill() { break }
        }
        let end = min(buffer.count, position + count)
        let bytes = Array(buffer[position..<end])
        position = end
        return bytes
    }

    /// Reports whether no bytes remain, reading ahead when the buffer is empty.
    func isAtEnd() throws -> Bool {
        if buffer.count > position { return false }
        return try !fill()
    }
}
