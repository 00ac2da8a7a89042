import DiagSupport
import Foundation
import Testing

@testable import DiagCollect

/// A 401 whose `WWW-Authenticate` names a realm makes URLSession raise an authentication
/// challenge. The client must still report it at once as denied and not wait for the timeout.
@Suite struct HTTPChallengeTests {
    @Test(arguments: [
        (#"Basic realm="prometheus""#, HTTPCredentials.basic(username: "u", password: "p"), "username and password"),
        (#"Basic realm="nginx", charset="UTF-8""#, HTTPCredentials.none, "requires credentials"),
        (#"Digest realm="proxy", nonce="abc", qop="auth""#, HTTPCredentials.bearer(token: "t"), "bearer token"),
    ])
    func realmChallengeIsDenied(header: String, credentials: HTTPCredentials, hint: String) async throws {
        let server = try LoopbackServer { _ in
            .respond(status: 401, headers: ["WWW-Authenticate": header], body: Array("Unauthorized".utf8))
        }
        defer { server.stop() }
        let client = HTTPClient(configuration: HTTPClientConfiguration(requestTimeout: 10, credentials: credentials))
        let started = Date()

        var failure: HTTPFailure?
        do {
            _ = try await client.getJSON(server.baseURL.appendingPathComponent("/api/v1/rules"), endpoint: "/api/v1/rules", deadline: started + 10)
        } catch {
            failure = error
        }

        let seconds = Date().timeIntervalSince(started)
        #expect(failure?.status == .denied, "\(header): \(failure?.reason ?? "no failure")")
        #expect(failure?.reason.contains("HTTP 401") == true)
        #expect(failure?.reason.contains(hint) == true, "\(failure?.reason ?? "")")
        #expect(seconds < 5, "\(header): took \(seconds) s")
        #expect(server.requests.count == 1, "no second attempt follows the challenge")
    }
}
