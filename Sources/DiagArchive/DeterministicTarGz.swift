import CArchive
import DiagSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Writes a gzip-compressed tar archive whose bytes depend only on the entries, the root folder name
/// and the modification time, so the same bundle content always gives the same file and signature.
///
/// The format is ustar, not pax. A ustar header has fixed fields only, so nothing beyond what this
/// writer sets can reach the file, whereas pax adds extended headers that can carry sub-second times,
/// long names and character-set records. ustar limits a path to 255 bytes (a 155-byte prefix and a
/// 100-byte name, split at a `/`) and an entry to 8 GiB, both far beyond a diagnostics bundle. An entry
/// outside these limits is rejected with libarchive's message rather than written in another format.
///
/// Entries are sorted by the bytes of their paths, and every parent folder is written as its own entry
/// before its content. Files get mode 0644 and folders 0755, all with uid and gid 0, empty user and
/// group names, and one whole-second modification time, without access or change times. The gzip
/// header has no file name and a zero timestamp (libarchive's `gzip:!timestamp` option), and the
/// compression level is 6.
///
/// NOTE: The deflate stream comes from the system zlib through libarchive, so a different zlib
/// release could compress the same tar stream to different bytes.
public enum DeterministicTarGz {
    /// The zlib compression level, set explicitly so libarchive's default cannot change the output.
    public static let compressionLevel = 6
    /// The largest modification time an 11-digit octal ustar field holds.
    static let maximumModificationTime: Int64 = 0o77777777777

    /// Writes `entries` under `rootFolder` to `url`.
    ///
    /// The archive goes to a hidden temporary file in the folder of `url`, which is synced, closed and
    /// renamed over `url` only after every libarchive call succeeded, so a partial archive never carries
    /// the final name. An existing file at `url` is replaced.
    public static func write(entries: [ArchiveEntry], rootFolder: String, modificationTime: Date, to url: URL) throws {
        let items = try plan(entries: entries, rootFolder: rootFolder)
        let seconds = Int64(modificationTime.timeIntervalSince1970.rounded(.down))
        guard seconds >= 0 && seconds <= maximumModificationTime else {
            throw ArchiveError.invalidModificationTime(seconds: seconds)
        }

        let file = try SecureFiles.createTemporaryFile(besides: url, mode: 0o644)
        do {
            try writeArchive(items, modificationTime: seconds, descriptor: file.descriptor, path: url.path)
            try file.close()
            try SecureFiles.moveIntoPlace(file.url, to: url)
        } catch {
            _ = unlink(file.url.path)
            throw error
        }
    }

    /// One tar entry to write: a folder (path ending in `/`) or a file with its content.
    struct Item {
        var path: String
        var data: Data?
    }

    /// Validates the paths and returns every entry and parent folder, sorted by path bytes.
    static func plan(entries: [ArchiveEntry], rootFolder: String) throws -> [Item] {
        let rootParts = try ArchivePath.components(forWriting: rootFolder)
        guard rootParts.count == 1 else {
            throw ArchiveError.invalidEntryPath(path: rootFolder, reason: "the root folder must be a single name without '/'")
        }

        var files: [[UInt8]: Item] = [:]
        var folders: Set<[UInt8]> = [Array("\(rootFolder)/".utf8)]
        for entry in entries {
            let parts = try ArchivePath.components(forWriting: entry.path)
            var prefix = rootFolder
            for part in parts.dropLast() {
                prefix += "/\(part)"
                folders.insert(Array("\(prefix)/".utf8))
            }
            let fullPath = "\(rootFolder)/\(entry.path)"
            guard ArchivePath.fitsUstar(fullPath) else {
                throw ArchiveError.invalidEntryPath(
                    path: entry.path,
                    reason: "with the root folder it is \(fullPath.utf8.count) bytes, and ustar stores at most a "
                        + "155-byte folder prefix and a 100-byte name; shorten it")
            }
            let key = Array(fullPath.utf8)
            guard files[key] == nil else { throw ArchiveError.duplicateEntry(path: entry.path) }
            files[key] = Item(path: fullPath, data: entry.data)
        }
        for key in files.keys where folders.contains(key + [0x2F]) {
            throw ArchiveError.pathConflict(path: String(decoding: key, as: UTF8.self))
        }

        var items = Array(files.values)
        items += folders.map { Item(path: String(decoding: $0, as: UTF8.self), data: nil) }
        return items.sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
    }

    static func writeArchive(_ items: [Item], modificationTime: Int64, descriptor: Int32, path: String) throws {
        let archive = try ArchiveWriteHandle(path: path)
        try archive.check(archive_write_set_format_ustar(archive.raw), "archive_write_set_format_ustar")
        try archive.check(archive_write_add_filter_gzip(archive.raw), "archive_write_add_filter_gzip")
        try archive.check(
            archive_write_set_filter_option(archive.raw, "gzip", "timestamp", nil),
            "archive_write_set_filter_option gzip:!timestamp")
        try archive.check(
            archive_write_set_filter_option(archive.raw, "gzip", "compression-level", "\(compressionLevel)"),
            "archive_write_set_filter_option gzip:compression-level")
        try archive.check(archive_write_set_bytes_in_last_block(archive.raw, 1), "archive_write_set_bytes_in_last_block")
        try archive.check(archive_write_open_fd(archive.raw, descriptor), "archive_write_open_fd")

        for item in items {
            let entry = try ArchiveEntryHandle(path: path)
            archive_entry_copy_pathname(entry.raw, item.path)
            if let data = item.data {
                archive_entry_set_filetype(entry.raw, ArchiveFileType.regular)
                archive_entry_set_perm(entry.raw, 0o644)
                archive_entry_set_size(entry.raw, Int64(data.count))
            } else {
                archive_entry_set_filetype(entry.raw, ArchiveFileType.directory)
                archive_entry_set_perm(entry.raw, 0o755)
                archive_entry_set_size(entry.raw, 0)
            }
            archive_entry_set_uid(entry.raw, 0)
            archive_entry_set_gid(entry.raw, 0)
            archive_entry_set_mtime(entry.raw, time_t(modificationTime), 0)

            try archive.check(archive_write_header(archive.raw, entry.raw), "archive_write_header for \(item.path)")
            if let data = item.data, !data.isEmpty {
                try data.withUnsafeBytes { try archive.writeData($0) }
            }
            try archive.check(archive_write_finish_entry(archive.raw), "archive_write_finish_entry for \(item.path)")
        }
        try archive.closeAndFree()
    }
}
