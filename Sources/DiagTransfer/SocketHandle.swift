import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// An owning wrapper of one socket descriptor, closed in `deinit` or by `close()`.
///
/// Reads and writes wait with `poll` in slices of at most `pollSlice`, so a stop request or a
/// timeout is noticed without signals.
final class SocketHandle: @unchecked Sendable {
    private let lock = NSLock()
    private var descriptor: Int32
    static let pollSlice: TimeInterval = 0.25

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
    }

    var fd: Int32 {
        lock.lock()
        defer { lock.unlock() }
        return descriptor
    }

    func close() {
        lock.lock()
        let fd = descriptor
        descriptor = -1
        lock.unlock()
        if fd >= 0 { _ = Glibc.close(fd) }
    }

    /// The outcome of waiting for a descriptor.
    enum WaitResult { case ready, timedOut, stopped }

    /// Waits until the socket is readable (or writable with `forWriting`), `deadline` passes, or
    /// `shouldStop` returns true.
    func wait(forWriting: Bool = false, until deadline: Date, shouldStop: () -> Bool) -> WaitResult {
        while true {
            if shouldStop() { return .stopped }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return .timedOut }
            var entry = pollfd(fd: fd, events: Int16(forWriting ? POLLOUT : POLLIN), revents: 0)
            let milliseconds = Int32((min(remaining, Self.pollSlice) * 1000).rounded(.up))
            let result = poll(&entry, 1, milliseconds)
            if result > 0 { return .ready }
            if result < 0 && errno != EINTR { return .ready }
        }
    }

    /// Reads up to `count` bytes; returns an empty array at end of stream and nil on an error.
    func receive(upTo count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        while true {
            let received = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, count, 0) }
            if received >= 0 { return Array(buffer[0..<received]) }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return nil }
            return nil
        }
    }

    /// Sends every byte of `data` before `deadline`; returns false on an error, a timeout or a stop.
    func send(_ data: Data, until deadline: Date, shouldStop: () -> Bool) -> Bool {
        var offset = 0
        while offset < data.count {
            guard wait(forWriting: true, until: deadline, shouldStop: shouldStop) == .ready else { return false }
            let sent = data.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
            }
            if sent < 0 {
                if errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK { continue }
                return false
            }
            offset += sent
        }
        return true
    }
}
