import DiagArchive
import DiagCore
import DiagCrypto
import DiagSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension UploadReceiver {
    /// Checks a fully received upload and stores it, or rejects and discards it.
    ///
    /// In order: every declared byte arrived; the bytes hash to the upload id; the signature
    /// verifies under the trusted key with its key id; the tarball (decrypted first when it is an
    /// age file) passes `SafeTarReader` and `BundleVerifier.checkContents`; the manifest names a
    /// valid region. Only then is the file moved into `STORE/<region>/`.
    func complete(_ id: String) -> HTTPResponse {
        if let outcome = staging.accepted(id) { return .json(200, outcome) }
        guard let declaration = staging.declaration(id), let offset = staging.offset(id) else {
            return .error(404, "no upload \(id) is staged")
        }
        guard offset == declaration.size else {
            return .json(409, ["error": .string("the upload has \(offset) of \(declaration.size) bytes; send the rest first"), "offset": .int(offset)])
        }

        let part = staging.partURL(id)
        let received: String
        do {
            received = try SealedBundle.digest(of: part).1
        } catch {
            configuration.log("error: cannot read staged upload sha256=\(id): \(error.operatorMessage)")
            return .error(500, "the receiver cannot read the staged upload")
        }
        guard received == id else {
            return reject(id, region: nil, status: 422, "the received bytes have SHA-256 \(received), not the upload id; the upload was discarded, send it again", discard: true)
        }

        let manifest: JSONValue
        switch verify(id, declaration: declaration) {
        case .failure(let rejection): return rejection
        case .success(let checked): manifest = checked
        }
        guard let region = manifest["region"]?.stringValue, (try? CollectionSettings.validateName(region, option: "region")) != nil else {
            return reject(id, region: nil, status: 422, "manifest.json names no valid region", discard: true)
        }
        return store(id, declaration: declaration, region: region, manifest: manifest)
    }

    /// Verifies the signature and the contents; returns the manifest or the rejection to send.
    private func verify(_ id: String, declaration: StagingArea.Declaration) -> Result<JSONValue, HTTPResponse> {
        let part = staging.partURL(id)
        guard let signature = try? MinisignSignature(text: declaration.signature),
            let key = configuration.trustedKeys.key(for: signature)
        else {
            return .failure(reject(id, region: nil, status: 403, "the signature's key is not among the trusted keys", discard: true))
        }
        do {
            _ = try Minisign.verify(fileAt: part, signatureText: declaration.signature, publicKey: key)
        } catch {
            return .failure(reject(id, region: nil, status: 422, "signature check failed: \(error.operatorMessage)", discard: true))
        }

        var tarball = part
        if declaration.name.hasSuffix(".age") {
            guard let identity = configuration.ageIdentity else {
                return .failure(reject(
                    id, region: nil, status: 422,
                    "this receiver cannot open encrypted bundles; send the .tar.gz, or start the receiver with --identity", discard: true))
            }
            do {
                try AgeEncryption.decrypt(fileAt: part, identity: identity, to: staging.plaintextURL(id))
            } catch {
                return .failure(reject(id, region: nil, status: 422, "cannot decrypt the bundle: \(error.operatorMessage)", discard: true))
            }
            tarball = staging.plaintextURL(id)
        }
        defer { unlink(staging.plaintextURL(id).path) }

        let entries: [ArchiveEntry]
        do {
            entries = try SafeTarReader.read(url: tarball, limits: ReadLimits())
        } catch {
            return .failure(reject(id, region: nil, status: 422, "the archive is unsafe or unreadable: \(error.operatorMessage)", discard: true))
        }
        let (checks, manifest) = BundleVerifier.checkContents(entries)
        let failed = checks.filter { !$0.passed }
        guard failed.isEmpty, let manifest else {
            let reasons = failed.map { "\($0.name): \($0.detail)" }.joined(separator: "; ")
            let region = manifest?["region"]?.stringValue
            return .failure(reject(id, region: region, status: 422, "the bundle does not match its manifest: \(reasons)", discard: true))
        }
        return .success(manifest)
    }

    /// Moves the checked file to `STORE/<region>/<name>`, writes the signature beside it, and
    /// records the outcome. A file of the same name that holds other bytes is never replaced.
    private func store(_ id: String, declaration: StagingArea.Declaration, region: String, manifest: JSONValue) -> HTTPResponse {
        let folder = configuration.store.appendingPathComponent(region)
        let destination = folder.appendingPathComponent(declaration.name)
        let signatureURL = URL(fileURLWithPath: destination.path + ".minisig")
        do {
            try SecureFiles.createDirectory(at: folder, mode: 0o700)
            if FileManager.default.fileExists(atPath: destination.path) {
                guard (try? SealedBundle.digest(of: destination).1) == id else {
                    return reject(
                        id, region: region, status: 409,
                        "another bundle named \(declaration.name) is already stored for region \(region)", discard: true)
                }
                staging.discard(id)
            } else {
                try SecureFiles.moveIntoPlace(staging.partURL(id), to: destination)
            }
            try SecureFiles.writeFile(Array(declaration.signature.utf8), to: signatureURL, mode: 0o600, replaceExisting: true)
        } catch {
            configuration.log("error: cannot store upload sha256=\(id) region=\(region): \(error.operatorMessage)")
            return .error(500, "the receiver cannot store the bundle")
        }

        let stored = "\(region)/\(declaration.name)"
        let outcome: JSONValue = [
            "sha256": .string(id), "region": .string(region), "stored": .string(stored), "name": .string(declaration.name),
            "size": .int(declaration.size), "bundle": manifest["bundle"] ?? .null,
        ]
        do {
            try staging.recordAccepted(id, outcome: outcome)
        } catch {
            configuration.log("error: cannot record upload sha256=\(id) as accepted: \(error.operatorMessage)")
        }
        configuration.log("accepted upload sha256=\(id) region=\(region) stored=\(stored) bytes=\(declaration.size)")
        return .json(200, outcome)
    }
}
