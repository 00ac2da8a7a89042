/// A fixed set of short ASCII names, each with a number, that a name read from a line is looked
/// up in by comparing whole 8-byte words rather than byte by byte.
///
/// The names sit in an open-addressing table indexed by a hash of their first eight bytes, so a
/// lookup usually reads one slot. Tables are built once, as static constants, and their memory is
/// never freed: slots are read through a plain pointer, so a lookup costs no reference counting.
/// Names may be up to 24 bytes.
struct PackedNameTable: @unchecked Sendable {
    private struct Slot {
        var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
        /// The name's length, with 0 marking an empty slot.
        var length = 0
        var value = 0
    }

    static let maximumLength = 24

    private let slots: UnsafeMutablePointer<Slot>
    private let mask: Int

    init(_ names: [(name: String, value: Int)]) {
        var size = 16
        while size < names.count * 4 { size <<= 1 }
        mask = size - 1
        slots = .allocate(capacity: size)
        slots.initialize(repeating: Slot(), count: size)
        for item in names {
            let bytes = Array(item.name.utf8)
            precondition(
                !bytes.isEmpty && bytes.count <= Self.maximumLength, "name '\(item.name)' must have 1 to 24 bytes")
            let words = bytes.withUnsafeBufferPointer {
                (Self.word($0, 0, $0.count, folding: false), Self.word($0, 8, $0.count, folding: false),
                 Self.word($0, 16, $0.count, folding: false))
            }
            var index = Self.index(words.0, bytes.count, mask: mask)
            while slots[index].length != 0 {
                let slot = slots[index]
                if slot.length == bytes.count, slot.words == words { break }
                index = (index + 1) & mask
            }
            // The first of two equal names wins, as in a list searched in order.
            if slots[index].length == 0 { slots[index] = Slot(words: words, length: bytes.count, value: item.value) }
        }
    }

    /// Returns the value of the name in `bytes[start..<end]`, or nil. With `foldingCase`,
    /// lower-case letters of the input count as upper case, so upper-case names match any case.
    func value(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, foldingCase: Bool = false) -> Int? {
        let length = end - start
        guard length > 0, length <= Self.maximumLength else { return nil }
        let first: UInt64
        if !foldingCase, start + 8 <= bytes.count {
            let loaded = UnsafeRawPointer(bytes.baseAddress! + start).loadUnaligned(as: UInt64.self)
            first = length >= 8 ? loaded : loaded & ((1 << (8 * UInt64(length))) - 1)
        } else {
            first = Self.word(bytes, start, start + length, folding: foldingCase)
        }
        var index = Self.index(first, length, mask: mask)
        while true {
            let slot = slots[index]
            if slot.length == 0 { return nil }
            if slot.length == length, slot.words.0 == first {
                if length <= 8 { return slot.value }
                if slot.words.1 == Self.word(bytes, start + 8, end, folding: foldingCase),
                    slot.words.2 == Self.word(bytes, start + 16, end, folding: foldingCase)
                {
                    return slot.value
                }
            }
            index = (index + 1) & mask
        }
    }

    @inline(__always)
    private static func index(_ first: UInt64, _ length: Int, mask: Int) -> Int {
        let hash = (first ^ UInt64(length)) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: hash >> 40) & mask
    }

    /// Returns bytes `offset..<min(offset + 8, end)` as a little-endian word, zero-padded.
    @inline(__always)
    private static func word(_ bytes: UnsafeBufferPointer<UInt8>, _ offset: Int, _ end: Int, folding: Bool) -> UInt64 {
        var value: UInt64 = 0
        var index = min(offset + 8, end)
        while index > offset {
            index -= 1
            let byte = bytes[index]
            value = value << 8 | UInt64(folding && ASCII.isLower(byte) ? byte - 0x20 : byte)
        }
        return value
    }
}
