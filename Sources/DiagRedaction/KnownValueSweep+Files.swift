import DiagSupport
import Foundation

extension KnownValueSweep {
    /// The size of the blocks that `apply(toFileAt:)` reads; each is cut after its last newline.
    static let fileBlockBytes = 4 << 20

    /// Sweeps the file at `url` in blocks of whole lines and replaces it with the swept copy,
    /// with mode 0600, when anything was replaced. Returns the replacements per rule id. A value
    /// that spans lines is not found, since each block ends at a line break.
    public func apply(toFileAt url: URL) throws -> [String: Int] {
        guard !isEmpty else { return [:] }
        guard let input = FileHandle(forReadingAtPath: url.path) else {
            throw RedactionError.io(file: url.lastPathComponent, reason: "cannot read \(url.path) again to sweep it")
        }
        defer { try? input.close() }
        let output = try SecureFiles.createTemporaryFile(besides: url, mode: 0o600)
        var moved = false
        defer { if !moved { try? FileManager.default.removeItem(at: output.url) } }

        var counts: [String: Int] = [:]
        var pending: [UInt8] = []
        var xml: Bool?
        while true {
            let block = try input.read(upToCount: Self.fileBlockBytes) ?? Data()
            pending.append(contentsOf: block)
            var text = pending
            if !block.isEmpty {
                guard let lastNewline = pending.lastIndex(of: 0x0A) else { continue }
                text = Array(pending[...lastNewline])
                pending.removeSubrange(...lastNewline)
            } else {
                pending = []
            }
            if xml == nil { xml = Redactor.isXML(file: url.lastPathComponent, data: Data(text)) }
            let (swept, found) = apply(to: Data(text), xml: xml ?? false)
            counts.merge(found, uniquingKeysWith: +)
            try swept.withUnsafeBytes { try output.write($0) }
            if block.isEmpty { break }
        }
        try output.close()
        guard !counts.isEmpty else { return [:] }
        try SecureFiles.moveIntoPlace(output.url, to: url)
        moved = true
        return counts
    }
}
