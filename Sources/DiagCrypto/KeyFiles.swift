import DiagSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Creates and loads minisign key files with the file modes and overwrite rules of `minisign -G`.
public enum KeyFiles {
    /// The largest key file read. Real ones are under 300 bytes plus their comment line.
    public static let maximumKeyFileBytes = 16 * 1024

    /// Generates an unencrypted key pair and writes the secret key (mode 0600) and public key (mode 0644).
    ///
    /// A missing parent folder of the secret key is created with mode 0700, one of the public key with
    /// 0755. Without `force`, an existing file at either path is left untouched and reported, and the
    /// secret key is created with `O_EXCL`. With `force`, each file is written to a temporary file and
    /// renamed over the old one. When writing the public key fails after a new secret key was created,
    /// the new secret key is removed again.
    @discardableResult
    public static func generate(secretKeyPath: URL, publicKeyPath: URL, force: Bool) throws -> MinisignPublicKey {
        guard secretKeyPath.standardizedFileURL.path != publicKeyPath.standardizedFileURL.path else {
            throw DiagError.usage(
                "the secret key and the public key would both be written to \(secretKeyPath.path); choose two paths")
        }
        if !force {
            for path in [secretKeyPath, publicKeyPath] where fileExists(path) {
                throw MinisignError.keyFileExists(path: path.path)
            }
        }

        try SecureFiles.createDirectory(at: secretKeyPath.deletingLastPathComponent(), mode: 0o700)
        try SecureFiles.createDirectory(at: publicKeyPath.deletingLastPathComponent(), mode: 0o755)

        let key = try MinisignSecretKey.generate()
        var secretBytes = key.fileBytes()
        defer { Sodium.wipe(&secretBytes) }
        try writeKeyFile(secretBytes, to: secretKeyPath, mode: 0o600, force: force)

        do {
            try writeKeyFile(Array(key.publicKey.fileText.utf8), to: publicKeyPath, mode: 0o644, force: force)
        } catch {
            if !force { _ = unlink(secretKeyPath.path) }
            throw error
        }
        return key.publicKey
    }

    /// Loads an unencrypted secret key, rejecting a file that its group or other users can read or write.
    ///
    /// The mode check (`mode & 0o077 == 0`) runs on the opened file, before its content is read.
    public static func loadSecretKey(at url: URL) throws -> MinisignSecretKey {
        // A public key given by mistake is named as such before the owner-only check, whose fix
        // (chmod 600) would be the wrong one for it.
        if let handle = FileHandle(forReadingAtPath: url.path) {
            let head = (try? handle.read(upToCount: 64)) ?? Data()
            try? handle.close()
            if String(decoding: head, as: UTF8.self).hasPrefix("untrusted comment: minisign public key") {
                let pair = url.pathExtension == "pub" ? " (\(url.deletingPathExtension().path).key if 'waka-diag keygen' wrote the pair)" : ""
                throw DiagError(
                    .usage, "\(url.path) is a minisign public key, which verifies bundles; pass the secret key that pairs with it\(pair) as --secret-key")
            }
        }
        var bytes: [UInt8]
        do {
            bytes = try SecureFiles.readFile(at: url, maximumBytes: maximumKeyFileBytes, ownerOnlyLabel: "secret key")
        } catch SecureFileError.notFound(let path) {
            throw DiagError(
                .noInput, "cannot read secret key \(path): no such file; create it with `waka-diag keygen --secret-key \(path)`")
        }
        defer { Sodium.wipe(&bytes) }
        return try MinisignSecretKey(fileBytes: bytes, source: url.path)
    }

    /// Loads a public key file as `minisign -G` writes it.
    public static func loadPublicKey(at url: URL) throws -> MinisignPublicKey {
        let bytes: [UInt8]
        do {
            bytes = try SecureFiles.readFile(at: url, maximumBytes: maximumKeyFileBytes)
        } catch SecureFileError.notFound(let path) {
            throw DiagError(.noInput, "cannot read public key \(path): no such file; pass the .pub file that 'waka-diag keygen' wrote beside the signing key")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw MinisignError.invalidPublicKey(source: url.path, reason: "the file is not UTF-8 text")
        }
        return try MinisignPublicKey(fileText: text, source: url.path)
    }

    private static func writeKeyFile(_ bytes: [UInt8], to url: URL, mode: mode_t, force: Bool) throws {
        do {
            try SecureFiles.writeFile(bytes, to: url, mode: mode, replaceExisting: force)
        } catch SecureFileError.exists(let path) {
            throw MinisignError.keyFileExists(path: path)
        }
    }

    /// Reports whether anything, including a dangling symbolic link, is at `url`.
    private static func fileExists(_ url: URL) -> Bool {
        var info = stat()
        return lstat(url.path, &info) == 0
    }
}
