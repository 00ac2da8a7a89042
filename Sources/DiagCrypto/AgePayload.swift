import DiagSupport

extension AgeEncryption {
    /// Decrypts the STREAM payload chunk by chunk into `output`.
    ///
    /// A chunk shorter than 64 KiB plus its tag must be the last one. A full-size chunk is final only
    /// when the file ends right after it, which a one-byte look-ahead decides. A full chunk that opens
    /// only as final while more data follows is reported as trailing data, and a full non-final chunk at
    /// the end of the file as truncation, as age v1.1.1 reports them.
    static func decryptPayload(from input: ByteReader, key: [UInt8], path: String, to output: WritableFile) throws {
        let sealedChunkBytes = chunkBytes + AgePrimitives.tagLength
        var index: UInt64 = 0
        while true {
            let sealed = try input.read(upTo: sealedChunkBytes)
            let isFinal = try sealed.count < sealedChunkBytes || input.isAtEnd()

            if isFinal {
                guard sealed.count >= AgePrimitives.tagLength else { throw AgeError.truncatedPayload(path: path) }
                if sealed.count == AgePrimitives.tagLength && index > 0 { throw AgeError.emptyLastChunk(path: path) }
            }
            let nonce = chunkNonce(index: index, isFinal: isFinal)
            guard var plaintext = sealed.withUnsafeBytes({ AgePrimitives.open($0, key: key, nonce: nonce) }) else {
                // Opening with the other flag distinguishes truncation and appended data from damage.
                let opensWithOtherFlag = sealed.count == sealedChunkBytes && sealed.withUnsafeBytes {
                    AgePrimitives.open($0, key: key, nonce: chunkNonce(index: index, isFinal: !isFinal)) != nil
                }
                if opensWithOtherFlag {
                    throw isFinal ? AgeError.truncatedPayload(path: path) : AgeError.trailingData(path: path)
                }
                throw AgeError.payloadAuthenticationFailed(path: path, chunk: Int(index))
            }
            defer { Sodium.wipe(&plaintext) }
            try output.write(plaintext)

            if isFinal { return }
            index += 1
        }
    }
}
