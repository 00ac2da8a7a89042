/// The text header of an age v1 file: the version line, recipient stanzas and the MAC line.
///
/// Parsing is as strict as age v1.1.1. The version line must match exactly, and stanza arguments are
/// printable ASCII. A stanza body has lines of at most 64 base64 characters and ends with the first
/// shorter line. All base64 is canonical and unpadded, and the MAC line has exactly one argument.
struct AgeHeader {
    struct Stanza {
        var type: String
        var arguments: [String]
        var body: [UInt8]
    }

    static let versionLine = Array("age-encryption.org/v1".utf8)
    static let stanzaPrefix = Array("->".utf8)
    static let macPrefix = Array("---".utf8)
    static let bodyLineLength = 64
    /// The longest header line read. X25519 stanza lines are 54 bytes, and age v1.1.1 sets no limit of its own.
    static let maximumLineBytes = 4096
    /// The largest header read, so a file of endless stanzas cannot exhaust memory.
    static let maximumHeaderBytes = 1 << 20

    var stanzas: [Stanza]
    var mac: [UInt8]
    /// The header bytes the MAC covers: everything from the version line through `---`.
    var authenticatedBytes: [UInt8]

    /// Parses the header from `reader`, leaving it at the first payload byte.
    static func read(from reader: ByteReader) throws -> AgeHeader {
        let path = reader.path
        func invalid(_ reason: String) -> AgeError { .invalidHeader(path: path, reason: reason) }
        func nextLine() throws -> [UInt8] {
            guard let (line, hasNewline) = try reader.readLine(
                maximumLength: maximumLineBytes, tooLong: invalid("a line is longer than \(maximumLineBytes) bytes"))
            else { throw invalid("the header ends early") }
            guard hasNewline else { throw invalid("the header ends early") }
            return line
        }

        let first = try nextLine()
        if first == Array("-----BEGIN AGE ENCRYPTED FILE-----".utf8) { throw AgeError.armoredInput(path: path) }
        guard first == versionLine else { throw invalid("the first line is not age-encryption.org/v1") }
        var authenticated = first + [0x0A]
        var stanzas: [Stanza] = []

        while true {
            guard authenticated.count <= maximumHeaderBytes else { throw invalid("the header is larger than 1 MiB") }
            let line = try nextLine()
            let fields = line.split(separator: 0x20, omittingEmptySubsequences: false).map(Array.init)

            if line.starts(with: macPrefix) {
                guard fields.count == 2, fields[0] == macPrefix,
                    let mac = Base64.decode(fields[1], expectedLength: 32, padded: false)
                else { throw invalid("the MAC line is not '--- ' followed by 43 base64 characters") }
                return AgeHeader(stanzas: stanzas, mac: mac, authenticatedBytes: authenticated + macPrefix)
            }

            guard fields.count >= 2, fields[0] == stanzaPrefix else {
                throw invalid("a line starts with neither '->' nor '---'")
            }
            for argument in fields.dropFirst() where argument.isEmpty || !argument.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) {
                throw invalid("a stanza argument is empty or has characters other than printable ASCII")
            }
            authenticated += line + [0x0A]

            var body: [UInt8] = []
            while true {
                let bodyLine = try nextLine()
                guard bodyLine.count <= bodyLineLength, let decoded = Base64.decode(bodyLine, padded: false) else {
                    throw invalid("a stanza body line is longer than 64 characters or not canonical base64")
                }
                authenticated += bodyLine + [0x0A]
                body += decoded
                if bodyLine.count < bodyLineLength { break }
            }
            let arguments = fields.dropFirst(2).map { String(decoding: $0, as: UTF8.self) }
            stanzas.append(Stanza(type: String(decoding: fields[1], as: UTF8.self), arguments: arguments, body: body))
        }
    }

    /// Returns the header text through `---`, which the MAC covers, for `stanzas` written as age writes them.
    static func serialize(_ stanzas: [Stanza]) -> [UInt8] {
        var text = versionLine + [0x0A]
        for stanza in stanzas {
            text += Array((["->", stanza.type] + stanza.arguments).joined(separator: " ").utf8) + [0x0A]
            let encoded = Array(Base64.encode(stanza.body, padded: false).utf8)
            var offset = 0
            repeat {
                let end = min(offset + bodyLineLength, encoded.count)
                text += encoded[offset..<end] + [0x0A]
                offset += bodyLineLength
            } while offset <= encoded.count
        }
        return text + macPrefix
    }
}
