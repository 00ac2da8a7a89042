import DiagArchive
import DiagCrypto
import DiagSupport
import Foundation

/// A sealed bundle read into memory for `review`: its files by path relative to the root
/// folder, its manifest, and how its files compare with that manifest.
///
/// Opening checks the archive (through `SafeTarReader`) and the files against the manifest, but
/// not the signature, which needs the signer's public key; `waka-diag verify` checks that.
public struct OpenedBundle: Sendable {
    public var url: URL
    /// The root folder inside the archive, which the manifest's `bundle` field names.
    public var root: String
    public var manifest: JSONValue
    /// Every file by its path below the root folder, `manifest.json` included.
    public var files: [String: Data]
    /// The manifest and file checks of `BundleVerifier.checkContents`.
    public var checks: [BundleVerifier.Check]
    /// SHA-256 of the `.tar.gz` file, in lower-case hex.
    public var sha256: String

    /// Reads the bundle at `url`; fails when it cannot be read, is not a safe archive, or has no
    /// readable manifest naming its root folder.
    public static func open(_ url: URL) throws -> OpenedBundle {
        _ = try FileSafety.read(url).count
        guard !AgeFile.isEncrypted(url) else {
            throw DiagError.data("\(url.path) is age-encrypted; decrypt it first with '\(AgeFile.decryptHint(url))' and open the .tar.gz")
        }
        let entries: [ArchiveEntry]
        do {
            entries = try SafeTarReader.read(url: url, limits: ReadLimits())
        } catch where !url.lastPathComponent.hasSuffix(".tar.gz") {
            throw DiagError.data(
                "\(url.path) is not a bundle: expected a sealed bundle named NAME.tar.gz, as collect and review write (\(error.operatorMessage))")
        }
        let (checks, manifestValue) = BundleVerifier.checkContents(entries)
        guard let manifest = manifestValue, let root = manifest["bundle"]?.stringValue else {
            throw DiagError.data(
                "\(url.path) is not a waka-diag bundle: \(checks.last?.detail ?? "it has no manifest.json")")
        }

        var files: [String: Data] = [:]
        for entry in entries where entry.path.hasPrefix(root + "/") {
            files[String(entry.path.dropFirst(root.count + 1))] = entry.data
        }
        guard !files.isEmpty else {
            throw DiagError.data("\(url.path) is not a waka-diag bundle: nothing is stored under \(root)/")
        }
        return OpenedBundle(
            url: url, root: root, manifest: manifest, files: files, checks: checks, sha256: try BundleSealer.sha256(of: url))
    }

    /// Whether every file matches the manifest's size and SHA-256 and nothing unlisted is present.
    /// Other checks, such as the schema check, do not count here.
    public var contentsMatchManifest: Bool {
        checks.filter { ["layout", "manifest", "files"].contains($0.name) }.allSatisfy(\.passed)
    }

    public var site: String { manifest["site"]?.stringValue ?? "" }

    /// Parses one JSON file of the bundle, or nil when it is absent or malformed.
    public func json(_ path: String) -> JSONValue? {
        files[path].flatMap { try? JSONValue.parse($0) }
    }

    /// Turns a path as the operator typed it into a bundle path: `./` and a trailing `/` are
    /// dropped, and so is a leading root folder name as `tar -t` shows it.
    public func normalizedPath(_ text: String) -> String {
        var path = text
        while path.hasPrefix("./") { path.removeFirst(2) }
        while path.hasSuffix("/") { path.removeLast() }
        if path.hasPrefix(root + "/") { path.removeFirst(root.count + 1) }
        return path
    }
}
