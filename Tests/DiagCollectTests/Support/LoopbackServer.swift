import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 that replies once per connection, as a test scripts it,
/// including the broken replies real servers sometimes send.
final class LoopbackServer: @unchecked Sendable {
    struct Request: Sendable {
        var method: String
        /// The request target: path and query.
        var target: String
        /// Header fields with lower-case names.
        var headers: [String: String]
    }

    enum Reply: Sendable {
        case respond(status: Int, headers: [String: String], body: [UInt8])
        /// Accepts the connection, reads the request and never writes anything.
        case neverAnswer
        /// Sends the status line and headers announcing `contentLength` bytes, then `body`, then stalls.
        case headersThenStall(contentLength: Int, body: [UInt8])
        /// Writes `bytes` as they are and closes the connection.
        case raw([UInt8])

        static func json(_ text: String, status: Int = 200) -> Reply {
            .respond(status: status, headers: ["Content-Type": "application/json"], body: Array(text.utf8))
        }
    }

    let port: Int
    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    private let listener: Int32
    private let handler: @Sendable (Request) -> Reply
    private let lock = NSLock()
    private var openConnections: Set<Int32> = []
    private var recorded: [Request] = []
    private var stopped = false
    private let stopSignal = DispatchSemaphore(value: 0)

    init(handler: @escaping @Sendable (Request) -> Reply) throws {
        self.handler = handler
        (listener, port) = try Self.listen()
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { stop() }

    var requests: [Request] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    /// Closes the listener and every open connection, which also ends stalled replies.
    func stop() {
        lock.lock()
        guard !stopped else {
            lock.unlock()
            return
        }
        stopped = true
        let connections = openConnections
        openConnections = []
        lock.unlock()

        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for connection in connections {
            shutdown(connection, Int32(SHUT_RDWR))
        }
        stopSignal.signal()
    }

    /// Returns a loopback port that nothing listens on: bound to find it, then closed.
    static func closedPort() throws -> Int {
        let (socket, port) = try listen()
        close(socket)
        return port
    }

    // MARK: Serving

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 { return }
            lock.lock()
            if stopped {
                lock.unlock()
                close(connection)
                return
            }
            openConnections.insert(connection)
            lock.unlock()
            Thread { [self] in serve(connection) }.start()
        }
    }

    private func serve(_ connection: Int32) {
        defer {
            lock.lock()
            let wasOpen = openConnections.remove(connection) != nil
            lock.unlock()
            if wasOpen { shutdown(connection, Int32(SHUT_RDWR)) }
            close(connection)
        }
        guard let request = readRequest(connection) else { return }
        lock.lock()
        recorded.append(request)
        lock.unlock()

        switch handler(request) {
        case .respond(let status, let headers, let body):
            var head = "HTTP/1.1 \(status) \(Self.reasonPhrase(status))\r\n"
            var fields = headers
            fields["Content-Length"] = String(body.count)
            fields["Connection"] = "close"
            for (name, value) in fields.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
            head += "\r\n"
            write(connection, Array(head.utf8) + body)
        case .neverAnswer:
            waitForStop()
        case .headersThenStall(let contentLength, let body):
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(contentLength)\r\n\r\n"
            write(connection, Array(head.utf8) + body)
            waitForStop()
        case .raw(let bytes):
            write(connection, bytes)
        }
    }

    private func waitForStop() {
        stopSignal.wait()
        stopSignal.signal()
    }

    private func readRequest(_ connection: Int32) -> Request? {
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        let terminator: [UInt8] = [13, 10, 13, 10]
        while buffer.count < 65536 {
            let count = recv(connection, &chunk, chunk.count, 0)
            if count <= 0 { return nil }
            buffer.append(contentsOf: chunk[0..<count])
            if buffer.count >= 4, (0...(buffer.count - 4)).contains(where: { Array(buffer[$0..<$0 + 4]) == terminator }) {
                break
            }
        }
        let text = String(decoding: buffer, as: UTF8.self)
        var lines = text.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Request(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers)
    }

    private func write(_ connection: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            offset += sent
        }
    }

    private static func listen() throws -> (Int32, Int) {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw POSIXError(.EMFILE) }
        var yes: Int32 = 1
        setsockopt(socketFD, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))

        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, Glibc.listen(socketFD, 64) == 0 else {
            close(socketFD)
            throw POSIXError(.EADDRINUSE)
        }

        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) }
        }
        return (socketFD, Int(UInt16(bigEndian: address.sin_port)))
    }

    private static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"
        default: return "Status"
        }
    }
}
