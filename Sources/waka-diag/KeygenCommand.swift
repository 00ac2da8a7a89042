import DiagCore
import DiagCrypto
import DiagSupport
import Foundation

enum KeygenCommand {
    static let command = Command(
        name: "keygen", summary: "create an Ed25519 signing key pair in minisign's format",
        help: """
            usage: waka-diag keygen [--secret-key PATH] [--public-key PATH] [--force]

            Writes an unencrypted minisign secret key (mode 0600, in a 0700 folder) and its public
            key. Stock `minisign -Vm BUNDLE -p PUBLIC_KEY` verifies bundles signed with it.

              --secret-key PATH   default ~/.local/share/waka-diag/signing.key
              --public-key PATH   default: the secret key path with .pub in place of .key
              --force             replace existing key files
            """,
        run: { raw in
            let arguments = try Arguments(raw, options: ["secret-key", "public-key"], flags: ["force"], command: "keygen")
            let secret = URL(
                fileURLWithPath: arguments.value("secret-key")
                    ?? FileSafety.userDataFolder().appendingPathComponent("signing.key").path)
            let publicKey: URL
            if let path = arguments.value("public-key") {
                publicKey = URL(fileURLWithPath: path)
            } else {
                publicKey = secret.pathExtension == "key"
                    ? secret.deletingPathExtension().appendingPathExtension("pub") : URL(fileURLWithPath: secret.path + ".pub")
            }
            let key = try KeyFiles.generate(secretKeyPath: secret, publicKeyPath: publicKey, force: arguments.has("force"))
            Terminal.out(publicKey.path)
            Terminal.err("secret key: \(secret.path) (mode 0600; keep it on this machine)")
            Terminal.err("public key: \(publicKey.path), key id \(key.keyIDText); give it to whoever verifies your bundles")
            return .success
        })
}

enum VerifyCommand {
    static let command = Command(
        name: "verify", summary: "check a bundle's signature, manifest and file hashes",
        help: """
            usage: waka-diag verify BUNDLE [--public-key PATH] [--signature PATH] [--json]

            Checks the minisign signature of BUNDLE (read from BUNDLE.minisig unless --signature
            is given), that the archive is safe to read, and that it holds exactly the files its
            manifest lists, each with the listed size and SHA-256, and that every JSON document
            matches its schema in Schemas/. Exits 0 when every check passes, 1 when any fails,
            naming what failed, and 78 when none failed but the schema check could not run
            because Schemas/ is not installed. Without --public-key, the site's own key
            (~/.local/share/waka-diag/signing.pub) is used, and the output says so.
            """,
        run: { raw in
            let arguments = try Arguments(raw, options: ["public-key", "signature"], flags: ["json"], command: "verify")
            guard arguments.positional.count == 1 else {
                throw DiagError.usage("'verify' needs exactly one BUNDLE path; run 'waka-diag help verify'")
            }
            let siteKey = FileSafety.userDataFolder().appendingPathComponent("signing.pub")
            let keyPath = arguments.value("public-key").map { URL(fileURLWithPath: $0) } ?? siteKey
            guard arguments.value("public-key") != nil || FileManager.default.fileExists(atPath: siteKey.path) else {
                throw DiagError.usage(
                    "'verify' needs --public-key: there is no site key at \(siteKey.path); pass the .pub file of the key that signed the bundle")
            }
            let publicKey = try KeyFiles.loadPublicKey(at: keyPath)
            let report = try BundleVerifier.verify(
                bundle: URL(fileURLWithPath: arguments.positional[0]),
                signature: arguments.value("signature").map { URL(fileURLWithPath: $0) }, publicKey: publicKey)
            if arguments.has("json") {
                Terminal.out(report.jsonValue.serializedString())
            } else {
                if arguments.value("public-key") == nil { Terminal.out("key  the site's public key, \(keyPath.path)") }
                for check in report.checks {
                    let mark = check.passed
                        ? Terminal.paint("ok  ", code: "32")
                        : check.skipped ? Terminal.paint("SKIP", code: "33") : Terminal.paint("FAIL", code: "31")
                    Terminal.out("\(mark) \(check.name): \(check.detail)")
                }
                if let comment = report.trustedComment, report.checks.first?.passed == true {
                    Terminal.out("trusted comment: \(comment)")
                }
                Terminal.out(
                    report.passed
                        ? "bundle verified"
                        : report.incomplete
                            ? "bundle NOT fully verified: no check failed, but a check could not run on this machine"
                            : "bundle FAILED verification")
            }
            if report.incomplete { return .configuration }
            return report.passed ? .success : .checkFailed
        })
}
