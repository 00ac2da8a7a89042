import DiagSupport

/// age v1 X25519 keys in their text forms: identities (`AGE-SECRET-KEY-1…`, upper case) and
/// recipients (`age1…`, lower case), both Bech32 over 32 bytes.
public enum AgeKeys {
    static let recipientPrefix = "age"
    static let identityPrefix = "AGE-SECRET-KEY-"

    /// Creates a random identity (`randombytes_buf`) and its recipient (`crypto_scalarmult_base`).
    ///
    /// The identity text is the secret key. Swift strings cannot be wiped, so callers should write it
    /// to a 0600 file and drop it.
    public static func generateIdentity() -> (identity: String, recipient: String) {
        var scalar = Sodium.randomBytes(AgePrimitives.keyLength)
        defer { Sodium.wipe(&scalar) }
        let point: [UInt8]
        do {
            point = try AgePrimitives.publicKey(of: scalar)
        } catch {
            preconditionFailure("crypto_scalarmult_base failed for a random scalar: \(error)")
        }
        let identity = Bech32.encode(prefix: identityPrefix, data: scalar).uppercased()
        return (identity, Bech32.encode(prefix: recipientPrefix, data: point))
    }

    /// Returns the `age1…` recipient of one identity, as `age-keygen -y` prints it.
    public static func recipient(forIdentity identity: String) throws -> String {
        let scalars = try identities(from: identity)
        guard scalars.count == 1, var scalar = scalars.first else {
            throw AgeError.invalidIdentity(reason: "expected exactly one identity, found \(scalars.count)")
        }
        defer { Sodium.wipe(&scalar) }
        return Bech32.encode(prefix: recipientPrefix, data: try AgePrimitives.publicKey(of: scalar))
    }

    /// Decodes an `age1…` recipient to its 32-byte X25519 public key.
    static func recipientKey(_ text: String) throws -> [UInt8] {
        let trimmed = text.trimmingASCIIWhitespace()
        guard trimmed.hasPrefix("\(recipientPrefix)1"), let decoded = Bech32.decode(trimmed),
            decoded.prefix == recipientPrefix, decoded.data.count == AgePrimitives.keyLength
        else {
            throw AgeError.invalidRecipient(text)
        }
        return decoded.data
    }

    /// Decodes identities from a single `AGE-SECRET-KEY-1…` string or from the text of an identity
    /// file, where empty lines and lines starting with `#` are skipped. The caller wipes the results.
    static func identities(from text: String) throws -> [[UInt8]] {
        var scalars: [[UInt8]] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(rawLine).trimmingASCIIWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard line.hasPrefix("\(identityPrefix)1") else {
                throw AgeError.invalidIdentity(reason: "line \(index + 1) does not start with AGE-SECRET-KEY-1")
            }
            guard let decoded = Bech32.decode(line), decoded.prefix == identityPrefix.lowercased(),
                decoded.data.count == AgePrimitives.keyLength
            else {
                throw AgeError.invalidIdentity(reason: "line \(index + 1) has a bad checksum, length or character")
            }
            scalars.append(decoded.data)
        }
        guard !scalars.isEmpty else { throw AgeError.invalidIdentity(reason: "no identity found") }
        return scalars
    }
}
