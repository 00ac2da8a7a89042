import DiagSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Log files named by glob patterns, read as line streams into an `ErrorTypeCollector`.
///
/// Plain text, JSON lines and logfmt are read directly in 64 KiB chunks, so memory does not grow
/// with the file size. Gzip-compressed files (rotated `.gz` files, recognized by their magic
/// bytes) are decompressed by `/bin/gzip -dc` for now.
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

    static func readFile(_ path: String, into collector: inout ErrorTypeCollector) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DiagError.noInput("cannot open \(path): check that it exists and is readable")
        }
        defer { try? handle.close() }
        let magic = try handle.read(upToCount: 2) ?? Data()
        try handle.seek(toOffset: 0)

        var splitter = LineSplitter(maximumLineBytes: collector.configuration.maximumLineBytes)
        if magic == Data([0x1F, 0x8B]) {
            try readCompressed(path, splitter: &splitter, into: &collector)
        } else {
            while let chunk = try handle.read(upToCount: 65_536), !chunk.isEmpty {
                splitter.feed(chunk, into: &collector)
            }
        }
        splitter.finish(into: &collector)
    }

    /// Streams a gzip file through `/bin/gzip -dc`.
    ///
    /// TODO: decompress with zlib in-process once the package links it; this spawns one process per file.
    private static func readCompressed(
        _ path: String, splitter: inout LineSplitter, into collector: inout ErrorTypeCollector
    ) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-dc", "--", path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw DiagError.io("cannot run /bin/gzip to read \(path): \(error.localizedDescription); install gzip")
        }
        let reader = output.fileHandleForReading
        while let chunk = try reader.read(upToCount: 65_536), !chunk.isEmpty {
            splitter.feed(chunk, into: &collector)
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw DiagError.data("\(path) is not a valid gzip file (gzip exited with status \(process.terminationStatus))")
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

    mutating func feed(_ chunk: Data, into collector: inout ErrorTypeCollector) {
        chunk.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var lineStart = 0
            for index in 0..<bytes.count where bytes[index] == ASCII.newline {
                emit(UnsafeBufferPointer(rebasing: bytes[lineStart..<index]), into: &collector, complete: true)
                lineStart = index + 1
            }
            if lineStart < bytes.count {
                emit(UnsafeBufferPointer(rebasing: bytes[lineStart...]), into: &collector, complete: false)
            }
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
