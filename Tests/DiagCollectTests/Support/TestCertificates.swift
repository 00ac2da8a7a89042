import Foundation

/// A throw-away PKI made with Debian's `openssl` in a temporary folder: a CA, a server
/// certificate for 127.0.0.1 signed by it, a client certificate signed by it, and an unrelated
/// CA that must not be trusted. Keys are ECDSA P-256, which is quick to generate.
final class TestCertificates: @unchecked Sendable {
    let folder: TemporaryFolder
    var caCertificate: URL { folder.url.appendingPathComponent("ca.pem") }
    var serverCertificate: URL { folder.url.appendingPathComponent("server.pem") }
    var serverKey: URL { folder.url.appendingPathComponent("server.key") }
    var clientCertificate: URL { folder.url.appendingPathComponent("client.pem") }
    var clientKey: URL { folder.url.appendingPathComponent("client.key") }
    var otherCACertificate: URL { folder.url.appendingPathComponent("other-ca.pem") }

    init() throws {
        folder = try TemporaryFolder("pki")
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(["req", "-x509"] + curve + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=waka-diag test CA"])
        try openssl(["req", "-x509"] + curve + ["-keyout", "other-ca.key", "-out", "other-ca.pem", "-days", "2", "-subj", "/CN=unrelated CA"])
        _ = try folder.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n", to: "server.ext")
        _ = try folder.write("extendedKeyUsage=clientAuth\n", to: "client.ext")
        for (name, subject, extensions) in [("server", "/CN=127.0.0.1", "server.ext"), ("client", "/CN=waka-diag", "client.ext")] {
            try openssl(["req"] + curve + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", subject])
            try openssl([
                "x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "\(name).pem",
                "-days", "2", "-extfile", extensions,
            ])
        }
    }

    private func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = folder.url
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestServerError(description: "openssl \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
    }
}
