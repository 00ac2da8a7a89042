import DiagArchive
import DiagCore
import DiagCrypto
import DiagSupport
import Foundation

/// A bundle ready to send, checked on this machine first: the file (`NAME.tar.gz` or
/// `NAME.tar.gz.age`), its detached signature `FILE.minisig`, and the facts the sharing policy needs
/// from the manifest.
public struct SealedBundle: Sendable {
    public let file: URL
    public let signatureText: String
    public let size: Int64
    /// SHA-256 of the file as sent, in lower-case hex; also the upload id.
    public let sha256: String
    public let isEncrypted: Bool
    public let mode: DeploymentMode
    public let region: String
    public let site: String
    public let bundleName: String
    /// False when no public key was given, so only the signature's format was checked.
    public let signatureVerified: Bool

    /// Opens and verifies the bundle at `path`.
    ///
    /// With `publicKey`, the signature must verify; without it, the signature file must exist and
    /// parse. The tarball must be readable by `SafeTarReader` and match its manifest. An encrypted
    /// bundle's manifest cannot be read without the age identity, so the unencrypted `NAME.tar.gz`
    /// and its signature must lie beside it and pass the same checks.
    public static func open(_ path: URL, publicKey: MinisignPublicKey?) throws -> SealedBundle {
        let name = path.lastPathComponent
        let encrypted = name.hasSuffix(".tar.gz.age")
        guard encrypted || name.hasSuffix(".tar.gz") else {
            throw TransferError.bundleInvalid(
                path: path.path, reason: "expected a sealed bundle named NAME.tar.gz or NAME.tar.gz.age")
        }
        guard UploadProtocol.isBundleFileName(name) else {
            throw TransferError.bundleInvalid(
                path: path.path, reason: "the file name may hold only letters, digits, '.', '_' and '-' and must not start with '.'")
        }

        let signatureText = try readSignature(of: path)
        var verified = false
        if let publicKey {
            do {
                _ = try Minisign.verify(fileAt: path, signatureText: signatureText, publicKey: publicKey)
                verified = true
            } catch {
                throw TransferError.bundleInvalid(path: path.path, reason: error.operatorMessage)
            }
        }

        // NOTE: Nothing here proves that an encrypted bundle holds the tarball beside it; that needs
        // the age identity, which only the receiver has.
        let plain = encrypted ? path.deletingPathExtension() : path
        let manifest = try checkContents(of: plain, publicKey: encrypted ? publicKey : nil)
        let facts = try manifestFacts(manifest, path: plain.path)
        let (size, digest) = try digest(of: path)
        return SealedBundle(
            file: path, signatureText: signatureText, size: size, sha256: digest, isEncrypted: encrypted,
            mode: facts.mode, region: facts.region, site: facts.site, bundleName: facts.bundle,
            signatureVerified: verified)
    }

    static func readSignature(of file: URL) throws -> String {
        let signatureURL = URL(fileURLWithPath: file.path + ".minisig")
        guard FileManager.default.fileExists(atPath: signatureURL.path) else {
            throw TransferError.bundleInvalid(
                path: file.path, reason: "its signature \(signatureURL.path) is missing, and an unsigned bundle is never sent")
        }
        let text = String(decoding: try FileSafety.read(signatureURL), as: UTF8.self)
        do {
            _ = try MinisignSignature(text: text)
        } catch {
            throw TransferError.bundleInvalid(path: file.path, reason: "\(signatureURL.path): \(error.operatorMessage)")
        }
        return text
    }

    /// Checks the tarball's signature (with `publicKey`), layout, manifest and hashes, and returns the manifest.
    static func checkContents(of tarball: URL, publicKey: MinisignPublicKey?) throws -> JSONValue {
        guard FileManager.default.fileExists(atPath: tarball.path) else {
            throw TransferError.bundleInvalid(
                path: tarball.path + ".age",
                reason: "the manifest of an encrypted bundle cannot be read without its key; keep the unencrypted \(tarball.lastPathComponent) and its .minisig beside it")
        }
        var checks: [BundleVerifier.Check]
        var manifest: JSONValue?
        if let publicKey {
            let report = try BundleVerifier.verify(bundle: tarball, publicKey: publicKey)
            checks = report.checks
            manifest = report.manifest
        } else {
            do {
                let entries = try SafeTarReader.read(url: tarball, limits: ReadLimits())
                (checks, manifest) = BundleVerifier.checkContents(entries)
            } catch {
                throw TransferError.bundleInvalid(path: tarball.path, reason: error.operatorMessage)
            }
        }
        let failed = checks.filter { !$0.passed }
        guard failed.isEmpty, let manifest else {
            let reasons = failed.map { "\($0.name): \($0.detail)" }.joined(separator: "; ")
            throw TransferError.bundleInvalid(path: tarball.path, reason: reasons.isEmpty ? "the manifest is missing" : reasons)
        }
        return manifest
    }

    /// The manifest fields the sharing policy and the receiver rely on.
    struct ManifestFacts {
        var mode: DeploymentMode
        var region: String
        var site: String
        var bundle: String
    }

    static func manifestFacts(_ manifest: JSONValue, path: String) throws -> ManifestFacts {
        guard let modeText = manifest["mode"]?.stringValue, let mode = DeploymentMode(rawValue: modeText) else {
            throw TransferError.bundleInvalid(
                path: path, reason: "manifest.json has no valid mode (saas, partner or self-hosted)")
        }
        guard let region = manifest["region"]?.stringValue, (try? CollectionSettings.validateName(region, option: "region")) != nil
        else {
            throw TransferError.bundleInvalid(path: path, reason: "manifest.json has no valid region")
        }
        let site = manifest["site"]?.stringValue ?? ""
        let bundle = manifest["bundle"]?.stringValue ?? ""
        return ManifestFacts(mode: mode, region: region, site: site, bundle: bundle)
    }

    /// Returns the size and SHA-256 of the file at `url`, read in 1 MiB pieces.
    static func digest(of url: URL) throws -> (Int64, String) {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw DiagError.noInput("cannot read \(url.path): permission denied or no such file")
        }
        defer { try? handle.close() }
        var stream = SHA256Stream()
        var size: Int64 = 0
        while true {
            let piece = try handle.read(upToCount: 1 << 20) ?? Data()
            if piece.isEmpty { break }
            size += Int64(piece.count)
            stream.update(piece)
        }
        return (size, stream.finalize().hexString)
    }
}
