import DiagSupport
import Testing

/// A prepared HMAC key must give exactly what a one-shot HMAC gives, because pseudonyms made
/// with either must match across versions.
struct HMACKeyTests {
    @Test(arguments: [0, 1, 32, 64, 65, 200])
    func preparedKeyEqualsOneShot(keyLength: Int) {
        let key = (0..<keyLength).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        let prepared = HMACKey(key)
        for messageLength in [0, 1, 8, 55, 56, 64, 1000] {
            let message = (0..<messageLength).map { UInt8(truncatingIfNeeded: $0 &* 13) }
            #expect(prepared.authenticate(message) == Sodium.hmacSHA256(key: key, message: message))
        }
    }

    @Test func partsEqualConcatenation() {
        let key = Array("site secret of thirty-two bytes!".utf8)
        let prepared = HMACKey(key)
        let whole = Array("tenant-id\u{0}acme-42".utf8)
        let split = Array("tenant-id".utf8).withUnsafeBytes { first in
            Array("\u{0}".utf8).withUnsafeBytes { second in
                Array("acme-42".utf8).withUnsafeBytes { third in prepared.authenticate(first, second, third) }
            }
        }
        #expect(split == Sodium.hmacSHA256(key: key, message: whole))
        // The prepared state is copied for each message, so a second call gives the same tag.
        #expect(prepared.authenticate(whole) == split)
        #expect(prepared.authenticate(Array("acme-43".utf8)) != split)
    }
}
