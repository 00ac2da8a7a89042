import DiagSupport
import Foundation
import Testing

/// `waka-diag upload --ca` against `waka-diag receive` behind a TLS proxy, all three started by
/// one shell script on 127.0.0.1 with a CA made for the test. The script stops the receiver and
/// the proxy by their PIDs, and the proxy exits by itself after 60 seconds in any case.
@Suite struct UploadCommandTLSTests {
    static let proxyScript = TestSupport.repositoryRoot.appendingPathComponent("Tests/DiagTransferTests/Fixtures/tls_proxy.py")

    /// Makes the PKI, starts the receiver and the proxy, uploads once without and once with
    /// `--ca`, and lists the store between the two. Results go to files in the working folder.
    static let script = #"""
        set -u
        bin=$1; work=$2; proxy=$3; bundle=$4; public=$5
        cd "$work" || exit 90
        key="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
        openssl req -x509 $key -keyout ca.key -out ca.pem -subj "/CN=upload command test CA" \
            -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>openssl.log || exit 91
        openssl req -x509 -CA ca.pem -CAkey ca.key $key -keyout server.key -out server.pem -subj /CN=127.0.0.1 \
            -addext subjectAltName=IP:127.0.0.1 2>>openssl.log || exit 92
        receiver_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

        "$bin" receive --listen "127.0.0.1:$receiver_port" --store store --trusted-keys trusted 2>receive.log &
        receiver=$!
        python3 "$proxy" --cert server.pem --key server.key --upstream-port "$receiver_port" --lifetime 60 \
            >proxy.port 2>proxy.log &
        tls=$!
        tries=0
        until grep -q '^port ' proxy.port && curl -s -o /dev/null "http://127.0.0.1:$receiver_port/"; do
            tries=$((tries + 1))
            if [ $tries -ge 100 ]; then kill $receiver $tls; exit 93; fi
            sleep 0.1
        done
        url="https://127.0.0.1:$(sed -n 's/^port //p' proxy.port)"

        "$bin" upload "$bundle" --to "$url" --to-region eu-west-1 --profile profile.yaml --public-key "$public" \
            --yes >without-ca.out 2>without-ca.err
        echo $? >without-ca.status
        find store -type f -not -name '*.accepted.json' | sort >after-without-ca.list
        "$bin" upload "$bundle" --to "$url" --to-region eu-west-1 --profile profile.yaml --public-key "$public" \
            --ca ca.pem --yes --json >with-ca.out 2>with-ca.err
        echo $? >with-ca.status

        kill $receiver $tls
        wait
        exit 0
        """#

    @Test func uploadCommandNeedsCA() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let bundle = try ReviewResealTests.collect(work: work, keys: keys)
        let trusted = work.appendingPathComponent("trusted")
        try FileManager.default.createDirectory(at: trusted, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: keys.public, to: trusted.appendingPathComponent("site.pub"))
        try Data("sharing:\n  allowed_regions: [eu-west-1]\n".utf8).write(to: work.appendingPathComponent("profile.yaml"))

        let run = try TestSupport.run(
            "/bin/sh", ["-c", Self.script, "sh", TestSupport.binary.path, work.path, Self.proxyScript.path, bundle.path, keys.public.path],
            environment: ["WAKA_DIAG_HOME": TestSupport.repositoryRoot.path, "HOME": work.path, "XDG_DATA_HOME": ""], timeout: 120)
        func text(_ name: String) -> String {
            String(decoding: (try? Data(contentsOf: work.appendingPathComponent(name))) ?? Data(), as: UTF8.self)
        }
        try #require(run.status == 0, "the script stopped with \(run.status): \(text("receive.log")) \(text("proxy.log")) \(text("openssl.log"))")

        // Without --ca the system store does not trust the test CA: exit 78, the fix named, nothing stored.
        #expect(text("without-ca.status") == "78\n", "\(text("without-ca.err"))")
        #expect(text("without-ca.err").contains("pass --ca FILE with the PEM certificate of the CA that signed it"), "\(text("without-ca.err"))")
        #expect(text("after-without-ca.list").isEmpty, "files reached the store: \(text("after-without-ca.list"))")

        // With --ca the receiver stores the exact bytes and acknowledges their SHA-256.
        #expect(text("with-ca.status") == "0\n", "\(text("with-ca.err"))")
        let acknowledgement = try JSONValue.parse(Data(text("with-ca.out").utf8))
        let sent = try Data(contentsOf: bundle)
        #expect(acknowledgement["acknowledged_sha256"]?.stringValue == Sodium.sha256(sent).hexString)
        let stored = work.appendingPathComponent("store/eu-west-1/\(bundle.lastPathComponent)")
        #expect(try Data(contentsOf: stored) == sent)
        #expect(text("receive.log").contains("accepted upload"))
    }
}
