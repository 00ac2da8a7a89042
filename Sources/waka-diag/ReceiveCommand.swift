import DiagSupport
import DiagTransfer
import Dispatch
import Foundation

enum ReceiveCommand {
    static let options: Set<String> = ["listen", "store", "trusted-keys", "max-bytes", "identity"]
    static let flags: Set<String> = ["allow-remote"]

    static let command = Command(
        name: "receive", summary: "accept uploaded bundles (run by support)",
        help: """
            usage: waka-diag receive --listen 127.0.0.1:PORT --store DIR --trusted-keys DIR
                                     [--max-bytes N] [--identity FILE] [--allow-remote]

            Runs a small HTTP/1.1 server that accepts resumable uploads from 'waka-diag upload'.
            Chunks are staged in DIR/.staging (mode 0700). A finished upload is accepted only when
            its minisign signature verifies under one of the trusted keys and its files match its
            manifest; it is then stored as DIR/<region>/<name> with <name>.minisig beside it.
            Rejected uploads get an HTTP error with the reason and are discarded. Starts, stops,
            accepted and rejected uploads are logged to stderr. Stop with Ctrl-C or SIGTERM.

            The server speaks plain HTTP. To receive from other machines, put it behind a TLS
            proxy and keep --listen on a loopback address.

            options:
              --listen ADDRESS:PORT   a numeric address and port, e.g. 127.0.0.1:8443 or [::1]:8443;
                                      port 0 picks a free port
              --store DIR             where accepted bundles are stored (created with mode 0700)
              --trusted-keys DIR      every *.pub file there is a trusted minisign public key
              --max-bytes N           the largest bundle accepted, in bytes (default 268435456)
              --identity FILE         an age identity file, to check encrypted (.tar.gz.age) bundles;
                                      without it, encrypted uploads are rejected
              --allow-remote          allow a --listen address that is not loopback
            """,
        run: run)

    static func run(_ rawArguments: [String]) async throws -> ExitStatus {
        let arguments = try Arguments(rawArguments, options: options, flags: flags, command: "receive")
        guard arguments.positional.isEmpty else {
            throw DiagError.usage("unexpected argument '\(arguments.positional[0])' for 'receive'; run 'waka-diag help receive'")
        }
        let address = try ListenAddress(try arguments.required("listen", command: "receive"), allowRemote: arguments.has("allow-remote"))
        let store = URL(fileURLWithPath: try arguments.required("store", command: "receive"))
        let keys = try TrustedKeys.load(folder: URL(fileURLWithPath: try arguments.required("trusted-keys", command: "receive")))
        var maximumBytes: Int64 = 256 << 20
        if let text = arguments.value("max-bytes") {
            guard let value = Int64(text), value > 0 else {
                throw DiagError.usage("invalid --max-bytes '\(text)': give a positive number of bytes, e.g. 268435456")
            }
            maximumBytes = value
        }
        var identity: String?
        if let path = arguments.value("identity") {
            let bytes = try SecureFiles.readFile(at: URL(fileURLWithPath: path), maximumBytes: 64 << 10, ownerOnlyLabel: "age identity")
            identity = String(decoding: bytes, as: UTF8.self)
        }

        let configuration = UploadReceiver.Configuration(
            store: store, trustedKeys: keys, maximumBytes: maximumBytes, ageIdentity: identity, log: log)
        let receiver = try UploadReceiver(configuration: configuration)
        let server = try receiver.listen(on: address)

        let name = await waitForSignal()
        log("stopping on \(name)")
        server.stop()
        log("stopped")
        return .success
    }

    /// Writes one timestamped line to stderr.
    @Sendable static func log(_ message: String) {
        Terminal.err("waka-diag receive: \(Timestamp.format(Date())) \(message)")
    }

    /// Waits for SIGINT or SIGTERM and returns its name.
    static func waitForSignal() async -> String {
        await withCheckedContinuation { continuation in
            let queue = DispatchQueue(label: "waka-diag.receive.signals")
            let lock = NSLock()
            var sources: [DispatchSourceSignal] = []
            var resumed = false
            for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler {
                    lock.lock()
                    defer { lock.unlock() }
                    guard !resumed else { return }
                    resumed = true
                    for other in sources { other.cancel() }
                    continuation.resume(returning: name)
                }
                lock.lock()
                sources.append(source)
                lock.unlock()
                source.resume()
            }
        }
    }
}
