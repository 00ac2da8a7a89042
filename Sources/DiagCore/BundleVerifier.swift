import DiagArchive
import DiagCrypto
import DiagSupport
import Foundation

/// Checks a sealed bundle the way support does: the signature over the tarball, then every file
/// against the manifest, and that the tarball holds exactly the files the manifest lists.
public enum BundleVerifier {
    /// One finding of `verify`; `passed` findings are listed too, so the report shows what was checked.
    public struct Check: Sendable, Equatable {
        public var name: String
        public var passed: Bool
        public var detail: String
        /// True when this machine could not run the check, such as the schema check without
        /// `Schemas/`: the check did not pass, but nothing was found wrong with the bundle.
        public var skipped = false
    }

    public struct Report: Sendable {
        public var bundle: URL
        public var checks: [Check]
        public var trustedComment: String?
        public var manifest: JSONValue?

        public var passed: Bool { checks.allSatisfy(\.passed) }
        /// True when no check failed but some could not run here.
        public var incomplete: Bool { !passed && checks.allSatisfy { $0.passed || $0.skipped } }

        public var jsonValue: JSONValue {
            [
                "bundle": .string(bundle.path), "valid": .bool(passed),
                "trusted_comment": trustedComment.map { .string($0) } ?? .null,
                "checks": .array(checks.map {
                    ["check": .string($0.name), "passed": .bool($0.passed), "skipped": .bool($0.skipped), "detail": .string($0.detail)]
                }),
            ]
        }
    }

    /// Verifies `bundle` with `publicKey`; the signature is read from `signature`, by default
    /// `<bundle>.minisig`. Throws only when an input cannot be read; failed checks are in the report.
    public static func verify(bundle: URL, signature: URL? = nil, publicKey: MinisignPublicKey) throws -> Report {
        let signatureURL = signature ?? URL(fileURLWithPath: bundle.path + ".minisig")
        var checks: [Check] = []
        _ = try FileSafety.read(bundle).count
        guard FileManager.default.fileExists(atPath: signatureURL.path) else {
            throw DiagError.noInput(
                "the signature \(signatureURL.path) is missing; collect writes it beside the bundle as BUNDLE.minisig, so copy it there or pass --signature PATH")
        }
        let signatureText = String(decoding: try FileSafety.read(signatureURL), as: UTF8.self)

        var trustedComment: String?
        do {
            trustedComment = try Minisign.verify(fileAt: bundle, signatureText: signatureText, publicKey: publicKey)
            checks.append(Check(name: "signature", passed: true, detail: "signed by key \(publicKey.keyIDText)"))
        } catch {
            checks.append(Check(name: "signature", passed: false, detail: error.operatorMessage))
        }

        // The signature covers the encrypted bytes, but reading the contents needs the recipient's key.
        if AgeFile.isEncrypted(bundle) {
            checks.append(
                Check(
                    name: "contents", passed: true,
                    detail: "not checked, because the file is age-encrypted; decrypt it with '\(AgeFile.decryptHint(bundle))' and verify the .tar.gz to check its contents"))
            return Report(bundle: bundle, checks: checks, trustedComment: trustedComment, manifest: nil)
        }

        let entries: [ArchiveEntry]
        do {
            entries = try SafeTarReader.read(url: bundle, limits: ReadLimits())
        } catch {
            checks.append(Check(name: "archive", passed: false, detail: error.operatorMessage))
            return Report(bundle: bundle, checks: checks, trustedComment: trustedComment, manifest: nil)
        }
        checks.append(Check(name: "archive", passed: true, detail: "\(entries.count) entries read safely"))

        let (contentChecks, manifest) = checkContents(entries)
        checks.append(contentsOf: contentChecks)
        return Report(bundle: bundle, checks: checks, trustedComment: trustedComment, manifest: manifest)
    }

    /// Checks archive entries against the manifest among them; used by `verify` and `review`.
    public static func checkContents(_ entries: [ArchiveEntry]) -> ([Check], JSONValue?) {
        var checks: [Check] = []
        let roots = Set(entries.compactMap { $0.path.split(separator: "/").first.map(String.init) })
        guard roots.count == 1, let root = roots.first else {
            checks.append(Check(name: "layout", passed: false, detail: "expected one top-level folder, found \(roots.count)"))
            return (checks, nil)
        }
        var byPath: [String: Data] = [:]
        for entry in entries {
            let relative = String(entry.path.dropFirst(root.count + 1))
            byPath[relative] = entry.data
        }
        guard let manifestData = byPath[BundleLayout.manifest] else {
            checks.append(Check(name: "manifest", passed: false, detail: "\(root)/\(BundleLayout.manifest) is missing"))
            return (checks, nil)
        }
        let manifest: JSONValue
        do {
            manifest = try JSONValue.parse(manifestData)
        } catch {
            checks.append(Check(name: "manifest", passed: false, detail: "manifest.json: \(error.operatorMessage)"))
            return (checks, nil)
        }
        guard manifest["bundle"]?.stringValue == root, let listed = manifest["files"]?.arrayValue else {
            checks.append(
                Check(name: "manifest", passed: false, detail: "manifest.json does not name the bundle folder \(root) or lacks a file list"))
            return (checks, manifest)
        }
        checks.append(Check(name: "manifest", passed: true, detail: "\(listed.count) files listed"))

        var seen: Set<String> = [BundleLayout.manifest]
        var mismatches: [String] = []
        for item in listed {
            guard let path = item["path"]?.stringValue, let digest = item["sha256"]?.stringValue,
                let size = item["size"]?.intValue
            else {
                mismatches.append("a manifest entry lacks path, size or sha256")
                continue
            }
            seen.insert(path)
            guard let data = byPath[path] else {
                mismatches.append("\(path) is listed but missing")
                continue
            }
            if Int64(data.count) != size { mismatches.append("\(path) has \(data.count) bytes, manifest says \(size)") }
            if Sodium.sha256(data).hexString != digest { mismatches.append("\(path) does not match its SHA-256") }
        }
        for path in byPath.keys.sorted() where !seen.contains(path) {
            mismatches.append("\(path) is in the archive but not in the manifest")
        }
        checks.append(
            Check(
                name: "files", passed: mismatches.isEmpty,
                detail: mismatches.isEmpty ? "every file matches its size and SHA-256" : mismatches.joined(separator: "; ")))
        checks.append(schemaCheck(byPath))
        return (checks, manifest)
    }

    /// Validates the bundle's JSON documents against `Schemas/`. Without the schema folder the
    /// check is skipped, which does not pass: an unchecked document must not pass as checked.
    static func schemaCheck(_ files: [String: Data]) -> Check {
        guard let share = ShareDirectory.locate() else {
            return Check(
                name: "schemas", passed: false,
                detail: "not run: cannot find waka-diag's Schemas/ folder on this machine; set WAKA_DIAG_HOME to the waka-diag checkout or install with scripts/install",
                skipped: true)
        }
        do {
            let problems = try BundleSchemaCheck.problems(in: files, schemaFolder: share.appendingPathComponent("Schemas"))
            let count = files.keys.filter { $0.hasSuffix(".json") }.count
            return Check(
                name: "schemas", passed: problems.isEmpty,
                detail: problems.isEmpty
                    ? "\(count) JSON documents match their schemas" : problems.prefix(10).joined(separator: "; "))
        } catch {
            return Check(name: "schemas", passed: false, detail: error.operatorMessage)
        }
    }
}
