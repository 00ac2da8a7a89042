import DiagArchive
import DiagCrypto
import DiagSupport
import Foundation

/// Writes assembled files as a deterministic `.tar.gz` and its detached minisign signature.
///
/// The tarball is written under a temporary name and only renamed to `<name>.tar.gz` once the
/// signature exists, so an interrupted seal never leaves a file that looks like a finished bundle.
public enum BundleSealer {
    /// Paths of a sealed bundle.
    public struct Sealed: Sendable {
        public var bundle: URL
        public var signature: URL
        public var sha256: String

        public init(bundle: URL, signature: URL, sha256: String) {
            self.bundle = bundle
            self.signature = signature
            self.sha256 = sha256
        }
    }

    public static func seal(
        files: [BundleFile], bundleName: String, modificationTime: Date, outputFolder: URL,
        secretKey: MinisignSecretKey, trustedComment: String, cleanup: TemporaryFiles
    ) throws -> Sealed {
        try FileSafety.createFolder(outputFolder)
        let bundle = outputFolder.appendingPathComponent("\(bundleName).tar.gz")
        let signature = outputFolder.appendingPathComponent("\(bundleName).tar.gz.minisig")
        let pending = outputFolder.appendingPathComponent(".\(bundleName).tar.gz.partial")
        for existing in [bundle, signature] where FileManager.default.fileExists(atPath: existing.path) {
            throw DiagError(
                .cannotCreate,
                "cannot write \(existing.path): the file already exists; choose another --out folder or move the old bundle away")
        }

        cleanup.register(pending)
        defer { cleanup.removeNow(pending) }
        let entries = files.map { ArchiveEntry(path: $0.path, data: $0.data) }
        try DeterministicTarGz.write(
            entries: entries, rootFolder: bundleName, modificationTime: modificationTime, to: pending)

        let signatureText = try Minisign.sign(
            fileAt: pending, secretKey: secretKey, trustedComment: trustedComment,
            untrustedComment: "signature from waka-diag secret key")
        cleanup.register(signature)
        try FileSafety.writeAtomically(Data(signatureText.utf8), to: signature)
        guard rename(pending.path, bundle.path) == 0 else {
            let reason = String(cString: strerror(errno))
            cleanup.removeNow(signature)
            throw DiagError.io("cannot move the finished bundle to \(bundle.path): \(reason)")
        }
        cleanup.forget(signature)
        let digest = try sha256(of: bundle)
        return Sealed(bundle: bundle, signature: signature, sha256: digest)
    }

    /// Encrypts a sealed bundle to age `recipients` as `<bundle>.age` and signs the encrypted file
    /// as `<bundle>.age.minisig`, so support can check who sent it before decrypting. The plain
    /// bundle and its signature stay beside it for the operator's own review.
    public static func encrypt(
        _ sealed: Sealed, recipients: [String], secretKey: MinisignSecretKey, trustedComment: String,
        cleanup: TemporaryFiles
    ) throws -> URL {
        let target = URL(fileURLWithPath: sealed.bundle.path + ".age")
        let signature = URL(fileURLWithPath: target.path + ".minisig")
        let pending = URL(fileURLWithPath: sealed.bundle.deletingLastPathComponent().path + "/." + target.lastPathComponent + ".partial")
        for existing in [target, signature] where FileManager.default.fileExists(atPath: existing.path) {
            throw DiagError(.cannotCreate, "cannot write \(existing.path): the file already exists")
        }
        cleanup.register(pending)
        defer { cleanup.removeNow(pending) }
        try AgeEncryption.encrypt(fileAt: sealed.bundle, recipients: recipients, to: pending)
        let signatureText = try Minisign.sign(
            fileAt: pending, secretKey: secretKey, trustedComment: trustedComment,
            untrustedComment: "signature from waka-diag secret key")
        try FileSafety.writeAtomically(Data(signatureText.utf8), to: signature)
        guard rename(pending.path, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(signature.path)
            throw DiagError.io("cannot move the encrypted bundle to \(target.path): \(reason)")
        }
        return target
    }

    static func sha256(of url: URL) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw DiagError.noInput("cannot read \(url.path)")
        }
        defer { try? handle.close() }
        var stream = SHA256Stream()
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            stream.update(chunk)
        }
        return stream.finalize().hexString
    }
}

/// Files to remove if the process is interrupted or a step fails, so no partial output is left.
public final class TemporaryFiles: @unchecked Sendable {
    private let lock = NSLock()
    private var paths: Set<String> = []

    public init() {}

    public func register(_ url: URL) {
        lock.lock()
        paths.insert(url.path)
        lock.unlock()
    }

    public func forget(_ url: URL) {
        lock.lock()
        paths.remove(url.path)
        lock.unlock()
    }

    public func removeNow(_ url: URL) {
        forget(url)
        unlink(url.path)
    }

    /// Removes every registered path; safe to call from a signal-handling queue.
    public func removeAll() {
        lock.lock()
        let pending = paths
        paths.removeAll()
        lock.unlock()
        for path in pending { unlink(path) }
    }
}
