import CArchive
import DiagSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reads a tar or tar.gz archive entirely into memory, writing nothing to disk, and rejects anything
/// a diagnostics bundle never contains.
///
/// Rejected, each with its own `ArchiveError`: absolute paths, `..` components, symbolic and hard
/// links, devices, FIFOs and sockets, duplicate paths, a file used as a folder, and archives beyond
/// `ReadLimits` (entry count, entry size, total size, expansion ratio). Folders are accepted and left
/// out of the result. A first pass decompresses the file without keeping it, to check the gzip
/// trailer and the expansion ratio, so a decompression bomb is stopped before anything is stored.
/// The second pass checks sizes against each header before reading the data.
public enum SafeTarReader {
    static let readChunkBytes = 64 * 1024

    /// Returns the regular files of the archive at `url` in archive order, with normalized full paths.
    public static func read(url: URL, limits: ReadLimits = ReadLimits()) throws -> [ArchiveEntry] {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            let code = errno
            if code == ENOENT { throw SecureFileError.notFound(path: url.path) }
            throw SecureFileError.system(
                operation: "open", path: url.path, reason: String(cString: strerror(code)), code: code)
        }
        defer { _ = close(descriptor) }

        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw SecureFileError.notRegularFile(path: url.path)
        }

        let compressedBytes = Int(info.st_size)
        try verifyStream(descriptor: descriptor, path: url.path, limits: limits, compressedBytes: compressedBytes)
        guard lseek(descriptor, 0, SEEK_SET) == 0 else {
            let code = errno
            throw SecureFileError.system(
                operation: "seek in", path: url.path, reason: String(cString: strerror(code)), code: code)
        }

        let archive = try ArchiveReadHandle(path: url.path)
        try archive.check(archive_read_support_filter_gzip(archive.raw), "archive_read_support_filter_gzip")
        try archive.check(archive_read_support_format_tar(archive.raw), "archive_read_support_format_tar")
        try archive.check(archive_read_open_fd(archive.raw, descriptor, readChunkBytes), "archive_read_open_fd")

        var reader = EntryReader(archive: archive, limits: limits, compressedBytes: compressedBytes)
        return try reader.readAll()
    }

    /// Decompresses the whole file once without keeping any of it, through libarchive's raw format.
    ///
    /// This pass checks the gzip trailer (CRC-32 and length), which the tar pass never reaches because
    /// it stops at the tar end marker, and it stops a decompression bomb before any entry is stored.
    /// The tar stream may exceed the content limit by the tar headers and padding, allowed here as 1 KiB
    /// per entry plus 16 MiB for extended headers.
    static func verifyStream(descriptor: Int32, path: String, limits: ReadLimits, compressedBytes: Int) throws {
        let archive = try ArchiveReadHandle(path: path)
        try archive.check(archive_read_support_filter_gzip(archive.raw), "archive_read_support_filter_gzip")
        try archive.check(archive_read_support_format_raw(archive.raw), "archive_read_support_format_raw")
        try archive.check(archive_read_open_fd(archive.raw, descriptor, readChunkBytes), "archive_read_open_fd")

        var header: OpaquePointer?
        let status = archive_read_next_header(archive.raw, &header)
        if status == ARCHIVE_EOF { return }
        guard status == ARCHIVE_OK else { throw archive.error("archive_read_next_header") }

        let streamLimit = limits.maximumTotalBytes + limits.maximumEntries * 1024 + (16 << 20)
        var streamBytes = 0
        var checksum = CRC32()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: readChunkBytes, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = archive_read_data(archive.raw, buffer.baseAddress, buffer.count)
            if count == 0 { break }
            guard count > 0 else { throw archive.error("archive_read_data") }
            streamBytes += count
            try checkExpansion(uncompressedBytes: streamBytes, compressedBytes: compressedBytes, limits: limits)
            guard streamBytes <= streamLimit else { throw ArchiveError.totalSizeExceeded(limit: limits.maximumTotalBytes) }
            checksum.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }

        if archive_filter_code(archive.raw, 0) == ARCHIVE_FILTER_GZIP {
            try checkGzipTrailer(
                descriptor: descriptor, path: path, compressedBytes: compressedBytes, checksum: checksum.value,
                length: streamBytes)
        }
    }

    /// Compares the last 8 bytes of the file, the gzip trailer, with the CRC-32 and length of the
    /// inflated data.
    ///
    /// NOTE: This accepts single-member gzip files only, the kind gzip, Python and libarchive write.
    /// For concatenated members the last trailer covers only the last member, so such a file is rejected.
    static func checkGzipTrailer(
        descriptor: Int32, path: String, compressedBytes: Int, checksum: UInt32, length: Int
    ) throws {
        var trailer = [UInt8](repeating: 0, count: 8)
        let count = compressedBytes >= 8 ? pread(descriptor, &trailer, 8, off_t(compressedBytes - 8)) : -1
        guard count == 8 else {
            throw ArchiveError.libarchive(
                operation: "reading the gzip trailer", path: path, message: "the file is truncated", writing: false)
        }
        let storedChecksum = trailer[0..<4].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let storedLength = trailer[4..<8].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard storedChecksum == checksum, storedLength == UInt32(truncatingIfNeeded: length) else {
            throw ArchiveError.libarchive(
                operation: "checking the gzip trailer", path: path,
                message: "the CRC-32 or length does not match the data; the file is damaged or has data appended",
                writing: false)
        }
    }

    /// Rejects an archive once its uncompressed bytes exceed `maximumRatio` times its file size.
    static func checkExpansion(uncompressedBytes: Int, compressedBytes: Int, limits: ReadLimits) throws {
        guard uncompressedBytes > limits.ratioCheckMinimumBytes else { return }
        guard Double(uncompressedBytes) <= limits.maximumRatio * Double(max(compressedBytes, 1)) else {
            throw ArchiveError.compressionRatioExceeded(compressedBytes: compressedBytes, limit: limits.maximumRatio)
        }
    }
}

/// The state of one `SafeTarReader.read` call: counts, sizes and paths seen so far.
private struct EntryReader {
    let archive: ArchiveReadHandle
    let limits: ReadLimits
    let compressedBytes: Int
    var entries: [ArchiveEntry] = []
    var entryCount = 0
    var totalBytes = 0
    var filePaths: Set<[UInt8]> = []
    var folderPaths: Set<[UInt8]> = []

    init(archive: ArchiveReadHandle, limits: ReadLimits, compressedBytes: Int) {
        self.archive = archive
        self.limits = limits
        self.compressedBytes = compressedBytes
    }

    mutating func readAll() throws -> [ArchiveEntry] {
        while true {
            var header: OpaquePointer?
            let status = archive_read_next_header(archive.raw, &header)
            if status == ARCHIVE_EOF { break }
            guard status == ARCHIVE_OK, let header else { throw archive.error("archive_read_next_header") }
            try checkExpansion()

            entryCount += 1
            guard entryCount <= limits.maximumEntries else { throw ArchiveError.tooManyEntries(limit: limits.maximumEntries) }
            try readEntry(header)
        }
        for path in filePaths where folderPaths.contains(path) {
            throw ArchiveError.pathConflict(path: String(decoding: path, as: UTF8.self))
        }
        return entries
    }

    private mutating func readEntry(_ header: OpaquePointer) throws {
        guard let rawPath = archive_entry_pathname(header) else {
            throw ArchiveError.malformedEntryPath(path: "", reason: "the entry has no path")
        }
        let pathBytes = Array(UnsafeBufferPointer(start: rawPath, count: strlen(rawPath))).map { UInt8(bitPattern: $0) }
        guard let path = String(validating: pathBytes, as: UTF8.self) else {
            throw ArchiveError.malformedEntryPath(path: String(decoding: pathBytes, as: UTF8.self), reason: "it is not UTF-8")
        }
        let parts = try ArchivePath.components(forReading: path)
        try checkType(header, path: path)

        let fileType = archive_entry_filetype(header) & ArchiveFileType.mask
        if fileType == ArchiveFileType.directory {
            registerFolders(parts, includingLast: true)
            try skipData()
            return
        }

        guard !parts.isEmpty else { throw ArchiveError.malformedEntryPath(path: path, reason: "it names no file") }
        let normalized = parts.joined(separator: "/")
        guard filePaths.insert(Array(normalized.utf8)).inserted else { throw ArchiveError.duplicateEntry(path: normalized) }
        registerFolders(parts, includingLast: false)

        let declaredSize = archive_entry_size_is_set(header) != 0 ? Int(archive_entry_size(header)) : 0
        try checkSize(path: normalized, entrySize: declaredSize)
        let data = try readData(path: normalized)
        entries.append(ArchiveEntry(path: normalized, data: data))
    }

    /// Rejects links and special files, so only regular files and folders pass.
    private func checkType(_ header: OpaquePointer, path: String) throws {
        if archive_entry_hardlink(header) != nil { throw ArchiveError.hardLink(path: path) }
        let fileType = archive_entry_filetype(header) & ArchiveFileType.mask
        switch fileType {
        case ArchiveFileType.regular, ArchiveFileType.directory: return
        case ArchiveFileType.symbolicLink: throw ArchiveError.symbolicLink(path: path)
        case ArchiveFileType.characterDevice: throw ArchiveError.specialFile(path: path, kind: "character device")
        case ArchiveFileType.blockDevice: throw ArchiveError.specialFile(path: path, kind: "block device")
        case ArchiveFileType.fifo: throw ArchiveError.specialFile(path: path, kind: "FIFO")
        case ArchiveFileType.socket: throw ArchiveError.specialFile(path: path, kind: "socket")
        default: throw ArchiveError.unsupportedEntryType(path: path, mode: fileType)
        }
    }

    private mutating func registerFolders(_ parts: [Substring], includingLast: Bool) {
        let count = includingLast ? parts.count : parts.count - 1
        guard count > 0 else { return }
        for end in 1...count {
            folderPaths.insert(Array(parts[0..<end].joined(separator: "/").utf8))
        }
    }

    /// Checks an entry size against the per-entry and total limits.
    private func checkSize(path: String, entrySize: Int) throws {
        guard entrySize <= limits.maximumEntryBytes else {
            throw ArchiveError.entryTooLarge(path: path, size: entrySize, limit: limits.maximumEntryBytes)
        }
        guard entrySize <= limits.maximumTotalBytes - totalBytes else {
            throw ArchiveError.totalSizeExceeded(limit: limits.maximumTotalBytes)
        }
    }

    private func checkExpansion() throws {
        try SafeTarReader.checkExpansion(
            uncompressedBytes: Int(archive.uncompressedBytesRead), compressedBytes: compressedBytes, limits: limits)
    }

    /// Reads the current entry's data in chunks, counting the bytes actually delivered against the limits.
    private mutating func readData(path: String) throws -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: SafeTarReader.readChunkBytes)
        while true {
            let count = buffer.withUnsafeMutableBytes { archive_read_data(archive.raw, $0.baseAddress, $0.count) }
            if count == 0 { break }
            guard count > 0 else { throw archive.error("archive_read_data for \(path)") }
            try checkSize(path: path, entrySize: data.count + count)
            data.append(contentsOf: buffer[0..<count])
            try checkExpansion()
        }
        totalBytes += data.count
        return data
    }

    /// Skips a folder entry's data, which tar folders normally do not have.
    private func skipData() throws {
        let status = archive_read_data_skip(archive.raw)
        guard status == ARCHIVE_OK else { throw archive.error("archive_read_data_skip") }
        try checkExpansion()
    }
}
