import DiagSupport
import Foundation
import Testing

@testable import DiagCollect

/// Runs `client.getJSON` against `path` on `server` and returns the failure, or nil on success,
/// with the seconds the call took.
private func fetchFailure(
    _ client: HTTPClient, _ server: LoopbackServer, path: String = "/api", deadline: TimeInterval = 5
) async -> (failure: HTTPFailure?, seconds: Double) {
    let started = Date()
    do {
        _ = try await client.getJSON(
            server.baseURL.appendingPathComponent(path), endpoint: path, deadline: started + deadline)
        return (nil, Date().timeIntervalSince(started))
    } catch {
        return (error, Date().timeIntervalSince(started))
    }
}

@Suite struct HTTPClientTests {
    @Test func decodesJSONAndSendsHeaders() async throws {
        let server = try LoopbackServer { _ in .json(#"{"status":"success","data":[1,2]}"#) }
        let client = HTTPClient(
            configuration: HTTPClientConfiguration(
                credentials: .bearer(token: "secret-token"), headers: ["X-Scope-OrgID": "tenant-a"]))

        let value = try await client.getJSON(
            server.baseURL.appendingPathComponent("/api/v1/x"), endpoint: "/api/v1/x", deadline: Date() + 5)

        #expect(value["data"] == [1, 2])
        let request = try #require(server.requests.first)
        #expect(request.target == "/api/v1/x")
        #expect(request.headers["authorization"] == "Bearer secret-token")
        #expect(request.headers["x-scope-orgid"] == "tenant-a")
        #expect(request.headers["cookie"] == nil)
    }

    @Test func sendsBasicAuthFromURLUserInfo() async throws {
        let server = try LoopbackServer { _ in .json("[]") }
        let client = HTTPClient()
        var components = URLComponents(url: server.baseURL, resolvingAgainstBaseURL: false)!
        components.user = "reader"
        components.password = "p@ss"
        components.path = "/a"

        _ = try await client.getJSON(components.url!, endpoint: "/a", deadline: Date() + 5)

        let expected = "Basic " + Data("reader:p@ss".utf8).base64EncodedString()
        #expect(server.requests.first?.headers["authorization"] == expected)
    }

    @Test func connectionRefusedIsUnreachable() async throws {
        let port = try LoopbackServer.closedPort()
        let client = HTTPClient()
        let started = Date()
        var failure: HTTPFailure?
        do {
            _ = try await client.getJSON(
                URL(string: "http://127.0.0.1:\(port)/api")!, endpoint: "/api", deadline: started + 3)
        } catch {
            failure = error
        }
        #expect(failure?.status == .unreachable)
        #expect(failure?.reason.contains("connection refused") == true)
        #expect(Date().timeIntervalSince(started) < 4)
    }

    @Test func silentServerEndsAtDeadline() async throws {
        let server = try LoopbackServer { _ in .neverAnswer }
        defer { server.stop() }
        let client = HTTPClient()

        let (failure, seconds) = await fetchFailure(client, server, deadline: 1.5)

        #expect(failure?.status == .timedOut)
        #expect(failure?.reason.contains("deadline") == true)
        #expect(seconds >= 1.4)
        #expect(seconds < 2.5)
    }

    /// Waiting for a server that accepted the connection is idle: FoundationNetworking's
    /// URLSession kept a core busy for the whole wait, which an operator in an incident cannot
    /// spare. The bound is loose; that client used over 90% of the wait.
    @Test func waitingForSilentServerIsIdle() async throws {
        let server = try LoopbackServer { _ in .neverAnswer }
        defer { server.stop() }
        func processorSeconds() -> Double {
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
                + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        }
        let before = processorSeconds()

        let (failure, seconds) = await fetchFailure(HTTPClient(), server, deadline: 2)

        let used = processorSeconds() - before
        #expect(failure?.status == .timedOut)
        #expect(seconds >= 1.9)
        #expect(used < seconds * 0.3, "used \(used) processor seconds in a \(seconds) s wait")
    }

    @Test func stalledBodyEndsAtDeadline() async throws {
        let server = try LoopbackServer { _ in .headersThenStall(contentLength: 1000, body: Array(#"{"status":"#.utf8)) }
        defer { server.stop() }
        let client = HTTPClient()

        let (failure, seconds) = await fetchFailure(client, server, deadline: 1.5)

        #expect(failure?.status == .timedOut)
        #expect(seconds < 2.5)
    }

    @Test func requestTimeoutEndsBeforeDeadline() async throws {
        let server = try LoopbackServer { _ in .neverAnswer }
        defer { server.stop() }
        let client = HTTPClient(configuration: HTTPClientConfiguration(requestTimeout: 0.8))

        let (failure, seconds) = await fetchFailure(client, server, deadline: 10)

        #expect(failure?.status == .timedOut)
        #expect(failure?.reason.contains("no data received for 0.8 s") == true)
        #expect(seconds < 2)
    }

    @Test func serverErrorQuotesShortBodySummary() async throws {
        let body = "storage failure: " + String(repeating: "x", count: 500) + "\n\u{01}"
        let server = try LoopbackServer { _ in .respond(status: 500, headers: [:], body: Array(body.utf8)) }
        let client = HTTPClient()

        let (failure, _) = await fetchFailure(client, server)

        #expect(failure?.status == .invalidResponse)
        let reason = try #require(failure?.reason)
        #expect(reason.hasPrefix("HTTP 500: storage failure: xxx"))
        #expect(reason.count <= "HTTP 500: ".count + 200)
    }

    @Test func prometheusErrorEnvelopeIsQuoted() async throws {
        let server = try LoopbackServer { _ in
            .json(#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\""}"#, status: 400)
        }
        let (failure, _) = await fetchFailure(HTTPClient(), server)
        #expect(failure?.status == .invalidResponse)
        #expect(failure?.reason == #"HTTP 400: invalid parameter "query""#)
    }

    @Test(arguments: [
        (401, HTTPCredentials.bearer(token: "t"), "bearer token"),
        (401, HTTPCredentials.basic(username: "u", password: "p"), "username and password"),
        (401, HTTPCredentials.none, "requires credentials"),
        (403, HTTPCredentials.bearer(token: "t"), "role or scope"),
        (403, HTTPCredentials.none, "anonymous access"),
    ])
    func deniedNamesTheCredential(status: Int, credentials: HTTPCredentials, hint: String) async throws {
        let server = try LoopbackServer { _ in .respond(status: status, headers: [:], body: Array("Unauthorized".utf8)) }
        let client = HTTPClient(configuration: HTTPClientConfiguration(credentials: credentials))

        let (failure, _) = await fetchFailure(client, server, path: "/api/v1/rules")

        #expect(failure?.status == .denied)
        #expect(failure?.endpoint == "/api/v1/rules")
        #expect(failure?.reason.contains("HTTP \(status)") == true)
        #expect(failure?.reason.contains(hint) == true)
        #expect(failure?.reason.contains("secret") == false)
    }

    @Test func redirectLoopIsInvalid() async throws {
        let server = try LoopbackServer { _ in .respond(status: 302, headers: ["Location": "/loop"], body: []) }
        let (failure, seconds) = await fetchFailure(HTTPClient(), server)

        #expect(failure?.status == .invalidResponse)
        #expect(failure?.reason.contains("redirect loop") == true)
        #expect(server.requests.count == 6)
        #expect(seconds < 3)
    }

    @Test func followsShortRedirectChain() async throws {
        let server = try LoopbackServer { request in
            switch request.target {
            case "/a": return .respond(status: 302, headers: ["Location": "/b"], body: [])
            case "/b": return .respond(status: 301, headers: ["Location": "/c"], body: [])
            default: return .json(#"{"ok":true}"#)
            }
        }
        let value = try await HTTPClient().getJSON(
            server.baseURL.appendingPathComponent("/a"), endpoint: "/a", deadline: Date() + 5)
        #expect(value["ok"] == true)
        #expect(server.requests.map(\.target) == ["/a", "/b", "/c"])
    }

    @Test func crossOriginRedirectDropsCredentials() async throws {
        let target = try LoopbackServer { _ in .json("{}") }
        let origin = try LoopbackServer { _ in
            .respond(status: 302, headers: ["Location": "http://127.0.0.1:\(target.port)/elsewhere"], body: [])
        }
        let client = HTTPClient(configuration: HTTPClientConfiguration(credentials: .bearer(token: "tok")))

        _ = try await client.getJSON(origin.baseURL.appendingPathComponent("/a"), endpoint: "/a", deadline: Date() + 5)

        #expect(origin.requests.first?.headers["authorization"] == "Bearer tok")
        let forwarded = try #require(target.requests.first)
        #expect(forwarded.headers["authorization"] == nil)
    }

    @Test func htmlIsInvalid() async throws {
        let server = try LoopbackServer { _ in
            .respond(status: 200, headers: ["Content-Type": "text/html"], body: Array("<!doctype html><p>login</p>".utf8))
        }
        let (failure, _) = await fetchFailure(HTTPClient(), server)
        #expect(failure?.status == .invalidResponse)
        #expect(failure?.reason.contains("HTML instead of JSON") == true)
    }

    @Test func truncatedJSONIsInvalid() async throws {
        let server = try LoopbackServer { _ in .json(#"{"status":"success","data":{"a":[1,2"#) }
        let (failure, _) = await fetchFailure(HTTPClient(), server)
        #expect(failure?.status == .invalidResponse)
        #expect(failure?.reason.contains("truncated JSON") == true)
    }

    @Test func bodyCutShortIsInvalid() async throws {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"a\":"
        let server = try LoopbackServer { _ in .raw(Array(head.utf8)) }
        let (failure, seconds) = await fetchFailure(HTTPClient(), server)
        #expect(failure?.status == .invalidResponse, "\(String(describing: failure))")
        #expect(seconds < 3)
    }

    @Test func invalidUTF8IsInvalid() async throws {
        let body: [UInt8] = Array(#"{"a":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        let server = try LoopbackServer { _ in .respond(status: 200, headers: ["Content-Type": "application/json"], body: body) }
        let (failure, _) = await fetchFailure(HTTPClient(), server)
        #expect(failure?.status == .invalidResponse)
        #expect(failure?.reason.contains("UTF-8") == true)
    }

    @Test func oversizedBodyIsInvalid() async throws {
        let body = "[" + Array(repeating: "1", count: 3000).joined(separator: ",") + "]"
        let server = try LoopbackServer { _ in .json(body) }
        let client = HTTPClient(configuration: HTTPClientConfiguration(maximumResponseBytes: 1024))

        let (failure, _) = await fetchFailure(client, server, path: "/api/v1/targets")

        #expect(failure?.status == .invalidResponse)
        #expect(failure?.endpoint == "/api/v1/targets")
        #expect(failure?.reason.contains("too large") == true)
        #expect(failure?.reason.contains("1 KiB") == true)
    }

    @Test func oversizedBodyWithoutLengthIsInvalid() async throws {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
        let body = "[" + Array(repeating: "1", count: 3000).joined(separator: ",") + "]"
        let server = try LoopbackServer { _ in .raw(Array((head + body).utf8)) }
        let client = HTTPClient(configuration: HTTPClientConfiguration(maximumResponseBytes: 2048))

        let (failure, _) = await fetchFailure(client, server)

        #expect(failure?.status == .invalidResponse)
        #expect(failure?.reason.contains("2 KiB") == true)
    }

    @Test func ignoresProxyEnvironment() async throws {
        let server = try LoopbackServer { _ in .json("{}") }
        let client = HTTPClient()
        let deadProxy = try LoopbackServer.closedPort()
        setenv("http_proxy", "http://127.0.0.1:\(deadProxy)", 1)
        defer { unsetenv("http_proxy") }

        let value = try await client.getJSON(server.baseURL.appendingPathComponent("/x"), endpoint: "/x", deadline: Date() + 5)

        #expect(value == [:])
        #expect(server.requests.count == 1)
    }

    @Test func passedDeadlineFailsAtOnce() async throws {
        let server = try LoopbackServer { _ in .json("{}") }
        let (failure, seconds) = await fetchFailure(HTTPClient(), server, deadline: -1)
        #expect(failure?.status == .timedOut)
        #expect(server.requests.isEmpty)
        #expect(seconds < 0.5)
    }
}
