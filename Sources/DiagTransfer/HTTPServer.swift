import DiagSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server over POSIX sockets for the upload receiver, because Foundation has no
/// HTTP server on Linux.
///
/// It binds exactly the address it is given, as a numeric IPv4 or IPv6 literal that is never
/// resolved. It reads only Content-Length bodies, bounds the request line, the header section,
/// each body and the number of open connections, and closes connections that stay idle. Each
/// connection runs on its own thread; a connection over the limit gets 503 and is closed.
public final class HTTPServer: @unchecked Sendable {
    /// The server's limits. Times are in seconds.
    public struct Limits: Sendable {
        public var head = HTTPRequestHead.Limits()
        /// The maximum wait for the next bytes of a request, or for a new request on a kept-alive connection.
        public var idleTimeout: TimeInterval = 30
        /// The maximum time from the first byte of a request to the end of its head.
        public var headTimeout: TimeInterval = 10
        public var maximumConnections = 16
        public var maximumRequestsPerConnection = 1000

        public init() {}
    }

    /// Decides, from the head alone, the largest body the request may have, or returns the response to send at once
    /// (for example 404 or 413) without reading the body.
    public typealias BodyLimit = @Sendable (HTTPRequestHead) -> Result<Int, HTTPResponse>
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse

    public let address: ListenAddress
    public let limits: Limits
    private let bodyLimit: BodyLimit
    private let handler: Handler
    private let listener: SocketHandle
    private let lock = NSLock()
    private var stopping = false
    private var activeConnections = 0
    private let acceptDone = DispatchSemaphore(value: 0)
    /// The port the server listens on; differs from `address.port` when that was 0.
    public let port: UInt16

    /// Binds and listens on `address`; call `start()` to accept connections.
    public init(address: ListenAddress, limits: Limits = Limits(), bodyLimit: @escaping BodyLimit, handler: @escaping Handler) throws {
        self.address = address
        self.limits = limits
        self.bodyLimit = bodyLimit
        self.handler = handler
        let (socket, port) = try address.bindAndListen()
        self.listener = socket
        self.port = port
    }

    deinit {
        listener.close()
    }

    /// Starts the accept loop on its own thread.
    public func start() {
        let thread = Thread { [self] in
            acceptLoop()
            acceptDone.signal()
        }
        thread.name = "waka-diag receive accept"
        thread.start()
    }

    /// Stops accepting, closes the listening socket, and waits up to `grace` seconds for open
    /// connections to finish their current request.
    public func stop(grace: TimeInterval = 5) {
        lock.lock()
        let wasStopping = stopping
        stopping = true
        lock.unlock()
        guard !wasStopping else { return }

        _ = acceptDone.wait(timeout: .now() + SocketHandle.pollSlice * 4)
        listener.close()
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline {
            lock.lock()
            let open = activeConnections
            lock.unlock()
            if open == 0 { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    var isStopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopping
    }

    private func acceptLoop() {
        while true {
            let waited = listener.wait(until: .distantFuture, shouldStop: { isStopping })
            if waited == .stopped { return }
            let client = accept(listener.fd, nil, nil)
            if client < 0 { continue }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            let connection = SocketHandle(descriptor: client)

            lock.lock()
            let admitted = activeConnections < limits.maximumConnections && !stopping
            if admitted { activeConnections += 1 }
            lock.unlock()

            guard admitted else {
                let busy = HTTPResponse.error(503, "the receiver is busy with \(limits.maximumConnections) connections; retry shortly")
                _ = connection.send(busy.serialized(close: true), until: Date().addingTimeInterval(1), shouldStop: { false })
                connection.close()
                continue
            }
            let thread = Thread { [self] in
                serve(connection)
                connection.close()
                lock.lock()
                activeConnections -= 1
                lock.unlock()
            }
            thread.name = "waka-diag receive connection"
            thread.start()
        }
    }

    /// Serves requests on one connection until the client closes it, sends `Connection: close`, times out or fails.
    private func serve(_ connection: SocketHandle) {
        var reader = ConnectionReader(socket: connection, limits: limits, shouldStop: { [self] in isStopping })
        for _ in 0..<limits.maximumRequestsPerConnection {
            let headResult = reader.readHead()
            let head: HTTPRequestHead
            switch headResult {
            case .closed:
                return
            case .failed(let response):
                respond(connection, response, close: true)
                return
            case .head(let parsed):
                head = parsed
            }

            let allowed: Int
            switch bodyLimit(head) {
            case .failure(let response):
                respond(connection, response, close: true)
                return
            case .success(let limit):
                allowed = limit
            }
            guard head.contentLength <= allowed else {
                respond(connection, .error(413, "the request body of \(head.contentLength) bytes is larger than the \(allowed) bytes allowed here"), close: true)
                return
            }
            if head.headers["expect"]?.lowercased() == "100-continue" && head.contentLength > 0 {
                let interim = Data("HTTP/1.1 100 Continue\r\n\r\n".utf8)
                guard connection.send(interim, until: Date().addingTimeInterval(limits.idleTimeout), shouldStop: { [self] in isStopping }) else { return }
            }
            guard let body = reader.readBody(length: head.contentLength) else {
                respond(connection, .error(408, "the request body did not arrive within \(Int(limits.idleTimeout)) seconds"), close: true)
                return
            }

            let response = handler(HTTPRequest(head: head, body: body))
            let close = head.wantsClose || isStopping
            guard respond(connection, response, close: close, omitBody: head.method == "HEAD"), !close else { return }
        }
    }

    @discardableResult
    private func respond(_ connection: SocketHandle, _ response: HTTPResponse, close: Bool, omitBody: Bool = false) -> Bool {
        connection.send(
            response.serialized(close: close, omitBody: omitBody), until: Date().addingTimeInterval(limits.idleTimeout),
            shouldStop: { false })
    }
}
