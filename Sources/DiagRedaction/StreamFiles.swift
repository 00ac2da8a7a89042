import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reads a file in fixed-size chunks through one descriptor, which it closes in `deinit`.
final class StreamReader {
    static let chunkBytes = 256 << 10

    private let descriptor: Int32
    private let file: String
    private var buffer = [UInt8](repeating: 0, count: chunkBytes)

    /// Opens `url` for reading. Anything but a regular file (a folder, device or FIFO) is rejected.
    init(url: URL, file: String) throws {
        self.file = file
        descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw RedactionError.io(file: file, reason: "cannot open \(url.path): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw RedactionError.io(file: file, reason: "\(url.path) is not a regular file")
        }
    }

    deinit { close(descriptor) }

    /// Returns the next chunk, empty at the end of the file.
    func read() throws -> ArraySlice<UInt8> {
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else {
                throw RedactionError.io(file: file, reason: "read failed: \(String(cString: strerror(errno)))")
            }
            return buffer[0..<count]
        }
    }

    /// Returns the rest of the file, or throws when it is longer than `limit` bytes.
    func readAll(limit: Int) throws -> Data {
        var data = Data()
        while true {
            let chunk = try read()
            if chunk.isEmpty { return data }
            data.append(contentsOf: chunk)
            guard data.count <= limit else {
                throw RedactionError.io(
                    file: file, reason: "the file is larger than \(limit >> 20) MiB, the limit for JSON and YAML documents")
            }
        }
    }
}

/// Writes a file under a temporary name in the destination's folder (mode 0600) and renames it
/// into place in `finish()`; `discard()` or `deinit` removes an unfinished file.
final class StreamWriter {
    private let destination: URL
    private let temporary: URL
    private var descriptor: Int32
    private var pending: [UInt8] = []
    static let flushBytes = 1 << 20

    init(destination: URL) throws {
        self.destination = destination
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        temporary = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).tmp-\(getpid())-\(suffix)")
        descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw RedactionError.io(
                file: destination.lastPathComponent,
                reason: "cannot create \(temporary.path): \(String(cString: strerror(errno)))")
        }
    }

    deinit { discard() }

    func write(_ data: Data) throws {
        pending.append(contentsOf: data)
        if pending.count >= Self.flushBytes { try flush() }
    }

    private func flush() throws {
        var offset = 0
        while offset < pending.count {
            let count = pending[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                throw RedactionError.io(
                    file: destination.lastPathComponent,
                    reason: "cannot write \(temporary.path): \(String(cString: strerror(errno)))")
            }
            offset += count
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Writes what is left, closes the file and renames it to the destination.
    func finish() throws {
        try flush()
        // No fsync: the rename makes a complete copy visible at once, but a crash right after it
        // may still lose the data, which the operator then redacts again.
        guard close(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            descriptor = -1
            unlink(temporary.path)
            throw RedactionError.io(file: destination.lastPathComponent, reason: "cannot write \(temporary.path): \(reason)")
        }
        descriptor = -1
        guard rename(temporary.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw RedactionError.io(file: destination.lastPathComponent, reason: "cannot rename to \(destination.path): \(reason)")
        }
    }

    /// Closes and removes the unfinished file; does nothing after `finish()`.
    func discard() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
        unlink(temporary.path)
    }
}
