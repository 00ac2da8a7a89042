import DiagCrypto
import DiagSupport
import Foundation

/// The minisign public keys a receiver accepts signatures from: every `*.pub` file in one folder.
public struct TrustedKeys: Sendable {
    public let keys: [MinisignPublicKey]

    public init(keys: [MinisignPublicKey]) {
        self.keys = keys
    }

    /// Loads every `*.pub` file in `folder`; fails when one is invalid or none is found.
    public static func load(folder: URL) throws -> TrustedKeys {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw DiagError.noInput("cannot read --trusted-keys folder \(folder.path): no such folder or permission denied")
        }
        var keys: [MinisignPublicKey] = []
        for name in names.sorted() where name.hasSuffix(".pub") && !name.hasPrefix(".") {
            keys.append(try KeyFiles.loadPublicKey(at: folder.appendingPathComponent(name)))
        }
        guard !keys.isEmpty else {
            throw DiagError.configuration(
                "no trusted keys in \(folder.path): copy the senders' minisign public keys there as NAME.pub")
        }
        return TrustedKeys(keys: keys)
    }

    /// The key whose id matches the signature's key id, or nil when the signer is unknown.
    public func key(for signature: MinisignSignature) -> MinisignPublicKey? {
        keys.first { $0.keyID == signature.keyID }
    }
}
