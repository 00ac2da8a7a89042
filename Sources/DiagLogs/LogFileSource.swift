import DiagSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Log files named by glob patterns, read as line streams into an `ErrorTypeCollector`.
///
/// Files are read in 64 KiB chunks, so memory does not grow with the file size. Gzip-compressed
/// files (rotated `.gz` files, recognized by their magic bytes whatever their name) are
/// decompressed in the same pass by `GzipDecoder`, concatenated members included.
public struct LogFileSource: Sendable {
    public var globs: [String]

    /// The result of reading the files.
    public struct ReadSummary: Sendable, Equatable {
        public var filesRead: [String] = []
        /// Files that could not be read, with the reason; they are left out of the counts.
        public var failures: [(path: String, reason: String)] = []

        public static func == (lhs: ReadSummary, rhs: ReadSummary) -> Bool {
            lhs.filesRead == rhs.filesRead && lhs.failures.map(\.path) == rhs.failures.map(\.path)
                && lhs.failures.map(\.reason) == rhs.failures.map(\.reason)
        }
    }

    public init(globs: [String]) {
        self.globs = globs
    }

    /// Returns the regular files that the patterns match, sorted and without duplicates.
    public func files() -> [String] {
        var paths = Set<String>()
        for pattern in globs {
            var matches = glob_t()
            defer { globfree(&matches) }
            guard glob(pattern, 0, nil, &matches) == 0 else { continue }
            for index in 0..<Int(matches.gl_pathc) {
                guard let pointer = matches.gl_pathv[index] else { continue }
                let path = String(cString: pointer)
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                    paths.insert(path)
                }
            }
        }
        return paths.sorted()
    }

    /// Reads every matched file into `collector`; a file that fails is reported and skipped.
    public func read(into collector: inout ErrorTypeCollector) -> ReadSummary {
        var summary = ReadSummary()
        for path in files() {
            do {
                try Self.readFile(path, into: &collector)
                summary.filesRead.append(path)
            } catch {
                summary.failures.append((path, error.operatorMessage))
            }
        }
        return summary
    }

    /// The size of one read from a log file, in bytes.
    static let readSize = 65_536

    static func readFile(_ path: String, into collector: inout ErrorTypeCollector) throws {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw DiagError.noInput("cannot open \(path): \(reason); check that it exists and is readable")
        }
        defer { Glibc.close(descriptor) }

        var splitter = LineSplitter(maximumLineBytes: collector.configuration.maximumLineBytes)
        var buffer = [UInt8](repeating: 0, count: readSize)
        var decoder: GzipDecoder?
        var isFirstChunk = true
        while true {
            let count = try buffer.withUnsafeMutableBytes { raw in try readChunk(descriptor, into: raw, path: path) }
            if count == 0 { break }
            try buffer.withUnsafeBufferPointer { whole in
                let chunk = UnsafeBufferPointer(rebasing: whole[0..<count])
                if isFirstChunk, count >= 2, chunk[0] == 0x1F, chunk[1] == 0x8B {
                    decoder = try GzipDecoder()
                }
                isFirstChunk = false
                if let decoder {
                    do {
                        try decoder.feed(chunk) { splitter.feed($0, into: &collector) }
                    } catch let error as GzipError {
                        splitter.finish(into: &collector)
                        throw DiagError.data("\(path) is not a valid gzip file: \(error); the lines before the damage were counted")
                    }
                } else {
                    splitter.feed(chunk, into: &collector)
                }
            }
        }
        splitter.finish(into: &collector)
        if let decoder {
            do {
                try decoder.finish()
            } catch {
                throw DiagError.data("\(path) is not a valid gzip file: \(error); the lines before the damage were counted")
            }
        }
    }

    /// Reads up to `buffer.count` bytes, retrying after signals; returns 0 at the end of the file.
    private static func readChunk(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws -> Int {
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            let reason = String(cString: strerror(errno))
            throw DiagError.io("cannot read \(path): \(reason)")
        }
    }
}

/// Splits a byte stream into lines at LF, dropping a CR before it, and hands them to a collector.
///
/// A line longer than `maximumLineBytes` is passed on cut to that length (the collector counts it
/// as truncated), and the rest of it is dropped, so a file without newlines cannot grow memory.
struct LineSplitter {
    let maximumLineBytes: Int
    private var pending: [UInt8] = []
    private var discarding = false

    init(maximumLineBytes: Int) {
        self.maximumLineBytes = maximumLineBytes
    }

    mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, into collector: inout ErrorTypeCollector) {
        guard let base = bytes.baseAddress else { return }
        var lineStart = 0
        while lineStart < bytes.count,
            let found = memchr(base + lineStart, Int32(ASCII.newline), bytes.count - lineStart)
        {
            let index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            if pending.isEmpty, !discarding, index - lineStart <= maximumLineBytes {
                // A whole line inside the chunk goes to the collector without a copy.
                var end = index
                if end > lineStart, bytes[end - 1] == ASCII.carriageReturn { end -= 1 }
                collector.add(bytes, from: lineStart, to: end)
            } else {
                emit(UnsafeBufferPointer(rebasing: bytes[lineStart..<index]), into: &collector, complete: true)
            }
            lineStart = index + 1
        }
        if lineStart < bytes.count {
            emit(UnsafeBufferPointer(rebasing: bytes[lineStart...]), into: &collector, complete: false)
        }
    }

    mutating func finish(into collector: inout ErrorTypeCollector) {
        if !pending.isEmpty, !discarding { deliver(into: &collector) }
        pending.removeAll()
        discarding = false
    }

    private mutating func emit(_ piece: UnsafeBufferPointer<UInt8>, into collector: inout ErrorTypeCollector, complete: Bool) {
        if !discarding {
            pending.append(contentsOf: piece)
            if pending.count > maximumLineBytes {
                // Keep one byte more than the limit, so the collector counts the line as truncated.
                pending.removeSubrange((maximumLineBytes + 1)...)
                deliver(into: &collector)
                discarding = true
            } else if complete {
                deliver(into: &collector)
            }
        }
        if complete {
            pending.removeAll(keepingCapacity: true)
            discarding = false
        }
    }

    private mutating func deliver(into collector: inout ErrorTypeCollector) {
        if pending.last == ASCII.carriageReturn { pending.removeLast() }
        pending.withUnsafeBufferPointer { collector.add($0, from: 0, to: $0.count) }
    }
}
