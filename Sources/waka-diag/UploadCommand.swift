import DiagCrypto
import DiagSupport
import DiagTransfer
import Foundation

enum UploadCommand {
    static let options: Set<String> = ["to", "to-region", "public-key", "profile", "ca", "client-cert", "client-key"]
    static let flags: Set<String> = ["yes", "enable-sharing", "json"]

    static let command = Command(
        name: "upload", summary: "send a sealed bundle to a support receiver, after approval",
        help: """
            usage: waka-diag upload BUNDLE --to URL [--to-region NAME] [--public-key KEY] [--profile PROFILE.yaml]
                                    [--ca FILE] [--client-cert FILE --client-key FILE]
                                    [--enable-sharing] [--yes] [--json]

            Sends BUNDLE (NAME.tar.gz, or NAME.tar.gz.age) and its detached signature BUNDLE.minisig,
            and nothing else, to a 'waka-diag receive' server. The bundle is verified first and never
            sent when a check fails. An interrupted upload resumes where the receiver stopped when the
            same command runs again. Every attempt is recorded in ~/.local/share/waka-diag/audit.log.

            Sharing is opt-in:
              - a self-hosted bundle is refused unless the profile has 'sharing: {enabled: true}' or
                --enable-sharing is given;
              - in every mode, both the bundle's region and the destination's region must be listed
                in the profile's sharing.allowed_regions;
              - the operator approves after seeing the file, size, SHA-256 and destination, on the
                terminal or in advance with --yes. Without a terminal and without --yes, nothing is sent.

            options:
              --to URL                the receiver's base URL, or the name of a destination in the profile;
                                      https only, except http to 127.0.0.0/8, [::1] or localhost
              --to-region NAME        the region the receiver stores data in (or set the destination's
                                      region under sharing.destinations in the profile)
              --public-key PATH       check the bundle's signature with this minisign public key first
              --profile PATH          a profile whose 'sharing' section sets enabled, allowed_regions
                                      and destinations (see Schemas/sharing-policy.schema.json)
              --enable-sharing        allow a self-hosted bundle to be shared this once
              --ca PATH               PEM file of the CA certificates that sign the receiver's HTTPS
                                      certificate, trusted instead of the system's CA store
              --client-cert PATH      PEM client certificate for a receiver (or its TLS proxy) that
                                      requires one; needs --client-key
              --client-key PATH       the client certificate's unencrypted PEM private key
              --yes                   approve without asking, after printing what is sent
              --json                  print the receiver's acknowledgement as JSON on stdout

            exit status: 0 sent and acknowledged, 1 the bundle failed verification or the receiver
            acknowledged another SHA-256, 64 usage, 65 the receiver refused the bundle as invalid
            (HTTP 4xx), 66 a --ca or client certificate file is missing, 74 the transfer failed
            (run again to resume), 77 the receiver did not authorize the upload (HTTP 401 or 403,
            such as a signing key it does not trust), 78 refused by the sharing policy, not
            approved, or the receiver's certificate is not trusted (check --ca) or TLS failed.
            """,
        run: run)

    static func run(_ rawArguments: [String]) async throws -> ExitStatus {
        let arguments = try Arguments(rawArguments, options: options, flags: flags, command: "upload")
        guard arguments.positional.count == 1 else {
            throw DiagError.usage("'upload' needs exactly one BUNDLE path; run 'waka-diag help upload'")
        }
        let destination = try arguments.required("to", command: "upload")
        let policy = try arguments.value("profile").map { try SharingPolicy.load(profileAt: URL(fileURLWithPath: $0)) }
            ?? SharingPolicy()
        let publicKey = try arguments.value("public-key").map { try KeyFiles.loadPublicKey(at: URL(fileURLWithPath: $0)) }
        let json = arguments.has("json")

        let uploader = BundleUploader(
            bundle: URL(fileURLWithPath: arguments.positional[0]), destination: destination, publicKey: publicKey,
            policy: policy, destinationRegion: arguments.value("to-region"), enableSharing: arguments.has("enable-sharing"),
            certificateAuthority: arguments.value("ca").map { URL(fileURLWithPath: $0) },
            clientCertificate: arguments.value("client-cert").map { URL(fileURLWithPath: $0) },
            clientKey: arguments.value("client-key").map { URL(fileURLWithPath: $0) },
            progress: { Terminal.err($0) })
        let plan = try uploader.prepare()
        if !plan.bundle.signatureVerified {
            Terminal.warning("the signature was only checked for format; pass --public-key KEY.pub to verify it before sending")
        }

        let approval = UploadApproval.forTerminal(yes: arguments.has("yes"))
        if case .approved = approval { Terminal.err(plan.summary) }
        try uploader.approve(plan, approval: approval)

        let result = try await uploader.send(plan)
        if json {
            let value: JSONValue = [
                "sha256": .string(result.sha256), "acknowledged_sha256": .string(result.acknowledgedSHA256),
                "region": .string(result.region), "stored": .string(result.stored), "bytes": .int(result.bytes),
                "resumed_from": .int(result.resumedFrom), "destination": .string(plan.destination.url.absoluteString),
            ]
            Terminal.out(value.serializedString())
        } else {
            Terminal.out(result.sha256)
            let sent = result.bytes - result.resumedFrom
            let what = sent == 0
                ? "the receiver already had all \(result.bytes) bytes, so nothing was sent"
                : result.resumedFrom > 0
                    ? "sent the last \(sent) of \(result.bytes) bytes, resuming an earlier upload"
                    : "sent \(result.bytes) bytes"
            Terminal.err("\(what); the receiver stored \(result.stored) and acknowledged SHA-256 \(result.acknowledgedSHA256)")
        }
        return .success
    }
}
