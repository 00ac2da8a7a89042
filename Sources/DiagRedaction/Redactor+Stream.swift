import DiagSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The sizes of one file that `Redactor.redactStream` redacted.
public struct StreamRedactionResult: Sendable, Equatable {
    public var inputBytes: Int
    public var outputBytes: Int
    public var lines: Int
}

extension Redactor {
    /// The size of the blocks of whole lines that a stream is redacted in.
    public static let streamBlockBytes = 256 << 10
    /// The maximum line length in bytes that a stream accepts. A longer line makes the file fail, as binary data does.
    public static let streamMaximumLineBytes = 8 << 20
    /// Files in a structured format (`.json`, `.yaml`, `.yml`) up to this size are redacted whole,
    /// by structure; larger ones are rejected, because their structure cannot be streamed.
    public static let streamMaximumDocumentBytes = 64 << 20
    /// Other files up to this size are redacted whole too, as `collect` redacts config files: a
    /// value found by key on one line is also replaced on every other line. Larger files are
    /// streamed, and such a value is replaced only on its own line, so memory stays bounded.
    public static let streamWholeTextBytes = 4 << 20

    /// Redacts the file at `input` into `output` in blocks of whole lines, so memory stays bounded
    /// whatever the file size. `file` names the file in the report and in errors.
    ///
    /// Files up to `streamWholeTextBytes` are read whole and redacted as `redactFile` does. Larger
    /// text is redacted like `redactText`, except that a value found by key is replaced elsewhere
    /// only on its own line, not in the rest of the file. Larger `.jsonl` and `.ndjson` files are
    /// redacted line by line as JSON. `.json`, `.yaml` and `.yml` files are always read whole and
    /// redacted by structure, up to `streamMaximumDocumentBytes`.
    ///
    /// The output is written under a temporary name with mode 0600 and renamed when complete. On
    /// any error (binary data, invalid UTF-8, a line longer than `maximumLineBytes`, an engine
    /// failure, a read or write failure) the partial output is removed, nothing is recorded for
    /// the file's failed block, and a `RedactionError` or `DiagError` is thrown.
    @discardableResult
    public func redactStream(
        from input: URL, to output: URL, file: String, maximumLineBytes: Int = streamMaximumLineBytes,
        wholeTextBytes: Int = streamWholeTextBytes
    ) throws -> StreamRedactionResult {
        let reader = try StreamReader(url: input, file: file)
        let size = (try? FileManager.default.attributesOfItem(atPath: input.path)[.size] as? Int) ?? nil
        let whole = size.map { $0 <= wholeTextBytes } ?? false
        let writer = try StreamWriter(destination: output)
        do {
            let result = try redactStream(
                reader: reader, writer: writer, file: file, maximumLineBytes: maximumLineBytes, whole: whole)
            try writer.finish()
            return result
        } catch {
            writer.discard()
            throw error
        }
    }

    /// Returns whether `redactStream` reads a file named `file` of `size` bytes whole, as
    /// `redactFile` redacts it: a JSON or YAML file, or text up to `streamWholeTextBytes`.
    ///
    /// NOTE: a CSV or TSV file larger than `streamWholeTextBytes` is streamed as text, so its
    /// header does not name the rules of its columns.
    public static func redactsWhole(file: String, size: Int) -> Bool {
        isStructured(file) || size <= streamWholeTextBytes
    }

    static func isStructured(_ file: String) -> Bool {
        ["json", "yaml", "yml"].contains((file as NSString).pathExtension.lowercased())
    }

    private func redactStream(
        reader: StreamReader, writer: StreamWriter, file: String, maximumLineBytes: Int, whole: Bool
    ) throws -> StreamRedactionResult {
        let fileExtension = (file as NSString).pathExtension.lowercased()
        let structured = Self.isStructured(file)
        if whole || structured {
            let data = try reader.readAll(limit: Self.streamMaximumDocumentBytes)
            if !structured, let long = Self.firstLineLonger(than: maximumLineBytes, in: ArraySlice(data)) {
                throw RedactionError.lineTooLong(file: file, line: long, limit: maximumLineBytes)
            }
            let redacted = try redactFile(name: file, data: data, sweepsKnownValues: true)
            try writer.write(redacted)
            return StreamRedactionResult(
                inputBytes: data.count, outputBytes: redacted.count, lines: data.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) })
        }
        let asJSONLines = fileExtension == "jsonl" || fileExtension == "ndjson"

        var result = StreamRedactionResult(inputBytes: 0, outputBytes: 0, lines: 0)
        var w3cFields: W3CFields?
        var xml: Bool?
        var pending: [UInt8] = []
        pending.reserveCapacity(Self.streamBlockBytes + StreamReader.chunkBytes)
        while true {
            let chunk = try reader.read()
            let atEnd = chunk.isEmpty
            pending.append(contentsOf: chunk)

            // Redact every complete line gathered so far; keep the unfinished last line for later.
            var cut = pending.count
            if !atEnd {
                guard let lastNewline = pending.lastIndex(of: 0x0A) else {
                    if pending.count > maximumLineBytes {
                        throw RedactionError.lineTooLong(file: file, line: result.lines + 1, limit: maximumLineBytes)
                    }
                    continue
                }
                cut = lastNewline + 1
                if cut < Self.streamBlockBytes, pending.count - cut <= maximumLineBytes { continue }
                if pending.count - cut > maximumLineBytes {
                    throw RedactionError.lineTooLong(file: file, line: result.lines + countLines(pending[..<cut]) + 1, limit: maximumLineBytes)
                }
                // A triple-quoted value that may close past the cut moves the cut to its line.
                let end = cut
                cut = pending.withUnsafeBufferPointer { bytes in
                    let block = UnsafeBufferPointer(rebasing: bytes[..<end])
                    return Self.containsTripleQuote(block) ? KeyValueScanner.blockEnd(keepingTripleQuotedValuesIn: block) : end
                }
            }
            if cut > 0 {
                if let long = Self.firstLineLonger(than: maximumLineBytes, in: pending[..<cut]) {
                    throw RedactionError.lineTooLong(file: file, line: result.lines + long, limit: maximumLineBytes)
                }
                if xml == nil { xml = Self.isXML(file: file, data: Data(pending.prefix(64))) }
                var redacted = try redactBlock(
                    pending[..<cut], file: file, offset: result.inputBytes, firstLine: result.lines + 1,
                    asJSONLines: asJSONLines, w3cFields: &w3cFields)
                if xml == true { redacted = Data(Self.escapingMarkers(inXML: String(decoding: redacted, as: UTF8.self)).utf8) }
                try writer.write(redacted)
                result.inputBytes += cut
                result.outputBytes += redacted.count
                result.lines += countLines(pending[..<cut])
                pending.removeFirst(cut)
            }
            if atEnd { break }
        }
        return result
    }

    /// Returns the 1-based number, within `bytes`, of the first line longer than `limit` bytes
    /// (newline excluded), or nil when every line fits.
    static func firstLineLonger(than limit: Int, in bytes: ArraySlice<UInt8>) -> Int? {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return nil }
            var line = 1
            var start = 0
            while start < buffer.count {
                let newline = memchr(base + start, 0x0A, buffer.count - start)
                let end = newline.map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? buffer.count
                if end - start > limit { return line }
                line += 1
                start = end + 1
            }
            return nil
        }
    }

    private func countLines(_ bytes: ArraySlice<UInt8>) -> Int {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            var count = 0
            var start = 0
            while start < buffer.count, let newline = memchr(base + start, 0x0A, buffer.count - start) {
                count += 1
                start = base.distance(to: newline.assumingMemoryBound(to: UInt8.self)) + 1
            }
            return count
        }
    }

    /// Redacts one block of whole lines, which starts `offset` bytes into the file (the last
    /// block may lack its final newline). `w3cFields` carries a W3C log's `#Fields:` directive
    /// from block to block.
    private func redactBlock(
        _ block: ArraySlice<UInt8>, file: String, offset: Int, firstLine: Int, asJSONLines: Bool,
        w3cFields: inout W3CFields?
    ) throws -> Data {
        try block.withUnsafeBufferPointer { bytes in
            if let base = bytes.baseAddress, memchr(base, 0, bytes.count) != nil { throw RedactionError.binary(file: file) }
            if let invalid = Self.firstInvalidUTF8Offset(bytes) {
                throw RedactionError.invalidUTF8(file: file, offset: offset + invalid)
            }

            var log = RedactionLog(file: file)
            log.learnsAcrossLines = false
            log.w3cFields = w3cFields
            do {
                var output: Data
                var columnSpans: [Span] = []
                if !asJSONLines, w3cFields != nil || W3CFields.hasDirective(in: bytes) {
                    columnSpans = w3cFieldSpans(in: bytes, log: &log)
                }
                if !asJSONLines, let screen = compiled.screen,
                    let screened = try redactScreened(bytes, screen: screen, log: &log, columnSpans: columnSpans)
                {
                    output = Data(screened)
                } else {
                    // Redacted whole, the block reads its W3C directives again from the start.
                    log.w3cFields = w3cFields
                    let text = String(decoding: bytes, as: UTF8.self)
                    output = Data((asJSONLines ? try redactJSONLines(text, log: &log) : try redactText(text, log: &log)).utf8)
                }
                output = applySiteSweep(output, log: &log)
                commit(log)
                w3cFields = log.w3cFields
                return output
            } catch let error as RedactionError {
                throw error
            } catch {
                throw RedactionError.engine(
                    file: file, reason: "\(error.operatorMessage) in the block starting at line \(firstLine)")
            }
        }
    }
}
