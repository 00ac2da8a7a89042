import DiagSupport
import Foundation
import Testing

@testable import DiagTransfer

#if canImport(Glibc)
import Glibc
#endif

@Suite struct HTTPRequestHeadTests {
    func parse(_ text: String, limits: HTTPRequestHead.Limits = .init()) -> Result<HTTPRequestHead, HTTPResponse> {
        HTTPRequestHead.parse(Array(text.utf8), limits: limits)
    }

    func status(_ text: String, limits: HTTPRequestHead.Limits = .init()) -> Int? {
        if case .failure(let response) = parse(text, limits: limits) { return response.status }
        return nil
    }

    @Test func parsesRequest() throws {
        let head = try parse("PATCH /v1/uploads/x?y=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 12\r\nX-A: 1\r\nx-a: 2").get()
        #expect(head.method == "PATCH")
        #expect(head.path == "/v1/uploads/x")
        #expect(head.contentLength == 12)
        #expect(head.headers["x-a"] == "1, 2")
        #expect(!head.wantsClose)
        #expect(try parse("GET / HTTP/1.0").get().wantsClose)
        #expect(try parse("GET / HTTP/1.1\r\nConnection: keep-alive, close").get().wantsClose)
    }

    @Test func rejectsMalformedHeads() {
        #expect(status("GET / HTTP/2.0") == 505)
        #expect(status("get / HTTP/1.1") == 400)
        #expect(status("GET  / HTTP/1.1") == 400)
        #expect(status("GET http://a/ HTTP/1.1") == 400)
        #expect(status("GET / HTTP/1.1\nHost: a") == 400)
        #expect(status("GET / HTTP/1.1\r\n folded") == 400)
        #expect(status("GET / HTTP/1.1\r\nBad Name: x") == 400)
        #expect(status("GET / HTTP/1.1\r\nNoColon") == 400)
        #expect(status("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1") == 400)
        #expect(status("GET / HTTP/1.1\r\nContent-Length: -1") == 400)
        #expect(status("GET / HTTP/1.1\r\nContent-Length: 99999999999999999999") == 400)
        #expect(status("POST / HTTP/1.1\r\nTransfer-Encoding: chunked") == 411)
        #expect(HTTPRequestHead.parse([0x47, 0x45, 0x54, 0x20, 0x2F, 0x20, 0xFF]).failureStatus == 400)
        #expect(HTTPRequestHead.parse(Array("GET /\0 HTTP/1.1".utf8)).failureStatus == 400)
    }

    @Test func enforcesLimits() {
        var limits = HTTPRequestHead.Limits()
        limits.maximumRequestLineBytes = 32
        #expect(status("GET /\(String(repeating: "a", count: 40)) HTTP/1.1", limits: limits) == 414)
        limits = HTTPRequestHead.Limits()
        limits.maximumHeaderCount = 2
        #expect(status("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3", limits: limits) == 431)
        limits = HTTPRequestHead.Limits()
        limits.maximumHeaderBytes = 64
        #expect(status("GET / HTTP/1.1\r\nA: \(String(repeating: "b", count: 80))", limits: limits) == 431)
    }
}

extension Result where Success == HTTPRequestHead, Failure == HTTPResponse {
    var failureStatus: Int? {
        if case .failure(let response) = self { return response.status }
        return nil
    }
}

/// Talks to a real server socket on 127.0.0.1 to check limits that only show on the wire.
@Suite struct HTTPServerTests {
    /// Connects to 127.0.0.1:`port`, sends `bytes`, and reads until the server closes or 3 s pass.
    func exchange(port: UInt16, _ bytes: [UInt8], readFor seconds: Double = 3) -> String {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return "connect failed" }
        if !bytes.isEmpty { _ = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) } }

        var timeout = timeval(tv_sec: Int(seconds), tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress!, 4096, 0) }
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    func startServer(limits: HTTPServer.Limits = HTTPServer.Limits(), delay: TimeInterval = 0) throws -> HTTPServer {
        let server = try HTTPServer(
            address: try ListenAddress("127.0.0.1:0"), limits: limits,
            bodyLimit: { _ in .success(16) },
            handler: { request in
                if delay > 0 { Thread.sleep(forTimeInterval: delay) }
                return .json(200, ["length": JSONValue(request.body.count)])
            })
        server.start()
        return server
    }

    @Test func servesKeptAliveRequests() throws {
        let server = try startServer()
        defer { server.stop(grace: 1) }
        let two = "POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcPOST /b HTTP/1.1\r\nContent-Length: 1\r\nConnection: close\r\n\r\nz"
        let answer = exchange(port: server.port, Array(two.utf8))
        #expect(answer.components(separatedBy: "HTTP/1.1 200 OK").count == 3)
        #expect(answer.contains("{\"length\":3}"))
        #expect(answer.contains("{\"length\":1}"))
    }

    @Test func headResponseHasNoBody() throws {
        let server = try startServer()
        defer { server.stop(grace: 1) }
        let answer = exchange(port: server.port, Array("HEAD / HTTP/1.1\r\nConnection: close\r\n\r\n".utf8))
        #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(answer.contains("Content-Length: 13\r\n"))
        #expect(answer.hasSuffix("\r\n\r\n"))
    }

    @Test func oversizedBodyAndLongLineAreRejected() throws {
        let server = try startServer()
        defer { server.stop(grace: 1) }
        let big = exchange(port: server.port, Array("POST / HTTP/1.1\r\nContent-Length: 17\r\n\r\n".utf8))
        #expect(big.hasPrefix("HTTP/1.1 413 "))
        let long = exchange(port: server.port, Array("GET /\(String(repeating: "a", count: 20_000)) HTTP/1.1\r\n".utf8))
        #expect(long.hasPrefix("HTTP/1.1 414 "))
        let chunked = exchange(port: server.port, Array("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".utf8))
        #expect(chunked.hasPrefix("HTTP/1.1 411 "))
    }

    @Test func idleConnectionIsClosed() throws {
        var limits = HTTPServer.Limits()
        limits.idleTimeout = 0.5
        limits.headTimeout = 0.5
        let server = try startServer(limits: limits)
        defer { server.stop(grace: 1) }
        let started = Date()
        let silent = exchange(port: server.port, [], readFor: 3)
        #expect(silent.isEmpty)
        #expect(Date().timeIntervalSince(started) < 2.5)
        let partial = exchange(port: server.port, Array("GET / HTTP/1.1\r\nHost".utf8), readFor: 3)
        #expect(partial.hasPrefix("HTTP/1.1 408 "))
    }

    @Test func connectionsOverLimitGetBusy() throws {
        var limits = HTTPServer.Limits()
        limits.maximumConnections = 1
        let server = try startServer(limits: limits, delay: 1.5)
        defer { server.stop(grace: 3) }
        let port = server.port
        let request = Array("GET / HTTP/1.1\r\nConnection: close\r\n\r\n".utf8)

        let firstAnswer = LogSink()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            firstAnswer.record(exchange(port: port, request))
            done.signal()
        }
        Thread.sleep(forTimeInterval: 0.5)
        let second = exchange(port: port, request)
        done.wait()
        #expect(second.hasPrefix("HTTP/1.1 503 "))
        #expect(firstAnswer.all.first?.hasPrefix("HTTP/1.1 200 ") == true)
    }

    @Test func stopClosesListener() throws {
        let server = try startServer()
        let port = server.port
        server.stop(grace: 1)
        #expect(exchange(port: port, Array("GET / HTTP/1.1\r\n\r\n".utf8), readFor: 1) == "connect failed")
    }
}
