import CSodium
import DiagSupport

/// Standard base64 (RFC 4648) through libsodium: padded for minisign, unpadded for age headers.
enum Base64 {
    private static func variant(padded: Bool) -> Int32 {
        Int32(padded ? sodium_base64_VARIANT_ORIGINAL : sodium_base64_VARIANT_ORIGINAL_NO_PADDING)
    }

    /// Encodes `bytes` with `sodium_bin2base64` into ASCII bytes, which the caller can wipe when
    /// they encode a secret.
    static func encodedBytes(_ bytes: UnsafeRawBufferPointer, padded: Bool = true) -> [UInt8] {
        Sodium.ensureInitialized()
        let variant = variant(padded: padded)
        let bufferLength = sodium_base64_encoded_len(bytes.count, variant)
        var text = [UInt8](repeating: 0, count: bufferLength)
        let result = text.withUnsafeMutableBufferPointer { output in
            output.withMemoryRebound(to: CChar.self) { characters in
                withNonNullBase(bytes) { input in
                    sodium_bin2base64(characters.baseAddress!, bufferLength, input, bytes.count, variant)
                }
            }
        }
        precondition(result != nil, "sodium_bin2base64 failed with a correctly sized buffer")
        let encoded = Array(text.prefix { $0 != 0 })
        Sodium.wipe(&text)
        return encoded
    }

    static func encode(_ bytes: UnsafeRawBufferPointer, padded: Bool = true) -> String {
        String(decoding: encodedBytes(bytes, padded: padded), as: UTF8.self)
    }

    static func encode(_ bytes: [UInt8], padded: Bool = true) -> String {
        bytes.withUnsafeBytes { encode($0, padded: padded) }
    }

    /// Decodes canonical base64 that must yield exactly `expectedLength` bytes, or returns nil.
    static func decode(_ text: some Collection<UInt8>, expectedLength: Int, padded: Bool = true) -> [UInt8]? {
        guard var bytes = decode(text, padded: padded) else { return nil }
        guard bytes.count == expectedLength else {
            Sodium.wipe(&bytes)
            return nil
        }
        return bytes
    }

    /// Decodes canonical base64 of any length, or returns nil.
    ///
    /// `sodium_base642bin` with no ignored characters and no end pointer rejects whitespace, characters
    /// outside the alphabet, misplaced or (unpadded variant) any padding, and non-zero unused bits.
    static func decode(_ text: some Collection<UInt8>, padded: Bool = true) -> [UInt8]? {
        Sodium.ensureInitialized()
        var characters = Array(text)
        defer { Sodium.wipe(&characters) }
        if characters.isEmpty { return padded ? nil : [] }
        let capacity = characters.count / 4 * 3 + 3
        var bytes = [UInt8](repeating: 0, count: capacity)
        var decodedLength = 0
        let status = characters.withUnsafeBufferPointer { input in
            input.withMemoryRebound(to: CChar.self) { text in
                sodium_base642bin(
                    &bytes, capacity, text.baseAddress, text.count, nil, &decodedLength, nil, variant(padded: padded))
            }
        }
        guard status == 0 else {
            Sodium.wipe(&bytes)
            return nil
        }
        let result = Array(bytes.prefix(decodedLength))
        Sodium.wipe(&bytes)
        return result
    }
}
