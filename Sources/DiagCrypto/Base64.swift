import CSodium
import DiagSupport

/// Padded standard base64 (RFC 4648) through libsodium, as minisign writes it on one line.
enum Base64 {
    /// Encodes `bytes` with `sodium_bin2base64` (`sodium_base64_VARIANT_ORIGINAL`) into ASCII bytes,
    /// which the caller can wipe when they encode a secret.
    static func encodedBytes(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        Sodium.ensureInitialized()
        let variant = Int32(sodium_base64_VARIANT_ORIGINAL)
        let bufferLength = sodium_base64_encoded_len(bytes.count, variant)
        var text = [UInt8](repeating: 0, count: bufferLength)
        let result = text.withUnsafeMutableBufferPointer { output in
            output.withMemoryRebound(to: CChar.self) { characters in
                sodium_bin2base64(
                    characters.baseAddress!, bufferLength, bytes.bindMemory(to: UInt8.self).baseAddress,
                    bytes.count, variant)
            }
        }
        precondition(result != nil, "sodium_bin2base64 failed with a correctly sized buffer")
        let encoded = Array(text.prefix { $0 != 0 })
        Sodium.wipe(&text)
        return encoded
    }

    static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: encodedBytes(bytes), as: UTF8.self)
    }

    static func encode(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { encode($0) }
    }

    /// Decodes canonical padded base64 that must yield exactly `expectedLength` bytes, or returns nil.
    ///
    /// `sodium_base642bin` with no ignored characters and no end pointer rejects whitespace, characters
    /// outside the alphabet, misplaced padding and non-zero unused bits.
    static func decode(_ text: some Collection<UInt8>, expectedLength: Int) -> [UInt8]? {
        Sodium.ensureInitialized()
        var characters = Array(text)
        defer { Sodium.wipe(&characters) }
        guard !characters.isEmpty, characters.count <= (expectedLength / 3 + 1) * 4 else { return nil }
        var bytes = [UInt8](repeating: 0, count: expectedLength)
        var decodedLength = 0
        let status = characters.withUnsafeBufferPointer { input in
            input.withMemoryRebound(to: CChar.self) { text in
                sodium_base642bin(
                    &bytes, expectedLength, text.baseAddress, text.count, nil, &decodedLength, nil,
                    Int32(sodium_base64_VARIANT_ORIGINAL))
            }
        }
        guard status == 0, decodedLength == expectedLength else {
            Sodium.wipe(&bytes)
            return nil
        }
        return bytes
    }
}
