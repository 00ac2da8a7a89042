import CArchive

/// File type bits of `archive_entry_filetype`, from `archive_entry.h`, whose cast macros Swift cannot import.
enum ArchiveFileType {
    static let mask: UInt32 = 0o170000
    static let regular: UInt32 = 0o100000
    static let directory: UInt32 = 0o040000
    static let symbolicLink: UInt32 = 0o120000
    static let socket: UInt32 = 0o140000
    static let characterDevice: UInt32 = 0o020000
    static let blockDevice: UInt32 = 0o060000
    static let fifo: UInt32 = 0o010000
}

/// The `struct archive *` of an archive being written (`archive_write_new`), freed in `deinit` unless
/// `closeAndFree()` ran. Only `ARCHIVE_OK` counts as success for any call checked here.
final class ArchiveWriteHandle {
    private var pointer: OpaquePointer?
    let path: String

    init(path: String) throws {
        guard let pointer = archive_write_new() else {
            throw ArchiveError.libarchive(operation: "archive_write_new", path: path, message: "out of memory", writing: true)
        }
        self.pointer = pointer
        self.path = path
    }

    deinit {
        if let pointer { archive_write_free(pointer) }
    }

    var raw: OpaquePointer {
        guard let pointer else { preconditionFailure("archive handle used after archive_write_free") }
        return pointer
    }

    /// Throws unless `status` is `ARCHIVE_OK`, with libarchive's own message for the failure.
    func check(_ status: Int32, _ operation: String) throws {
        guard status == ARCHIVE_OK else { throw error(operation) }
    }

    func error(_ operation: String) -> ArchiveError {
        let message = archive_error_string(raw).map { String(cString: $0) } ?? "status without a message"
        return .libarchive(operation: operation, path: path, message: message, writing: true)
    }

    /// Writes all of `bytes` as the current entry's data (`archive_write_data`), which may write less per call.
    func writeData(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = archive_write_data(raw, bytes.baseAddress! + offset, bytes.count - offset)
            guard written > 0 else { throw error("archive_write_data") }
            offset += written
        }
    }

    /// Writes the end of the archive and flushes the filters (`archive_write_close`), then frees the
    /// handle (`archive_write_free`), checking both results.
    func closeAndFree() throws {
        let handle = raw
        let closeStatus = archive_write_close(handle)
        let closeError = closeStatus == ARCHIVE_OK ? nil : error("archive_write_close")
        let freeStatus = archive_write_free(handle)
        pointer = nil
        if let closeError { throw closeError }
        guard freeStatus == ARCHIVE_OK else {
            throw ArchiveError.libarchive(
                operation: "archive_write_free", path: path, message: "status \(freeStatus)", writing: true)
        }
    }
}

/// The `struct archive *` of an archive being read (`archive_read_new`), freed in `deinit`.
final class ArchiveReadHandle {
    private let pointer: OpaquePointer
    let path: String

    init(path: String) throws {
        guard let pointer = archive_read_new() else {
            throw ArchiveError.libarchive(operation: "archive_read_new", path: path, message: "out of memory", writing: false)
        }
        self.pointer = pointer
        self.path = path
    }

    deinit {
        archive_read_free(pointer)
    }

    var raw: OpaquePointer { pointer }

    func check(_ status: Int32, _ operation: String) throws {
        guard status == ARCHIVE_OK else { throw error(operation) }
    }

    func error(_ operation: String) -> ArchiveError {
        let message = archive_error_string(pointer).map { String(cString: $0) } ?? "status without a message"
        return .libarchive(operation: operation, path: path, message: message, writing: false)
    }

    /// The number of uncompressed bytes the tar reader has consumed so far (`archive_filter_bytes(a, 0)`).
    var uncompressedBytesRead: Int64 { archive_filter_bytes(pointer, 0) }
}

/// An `archive_entry` header (`archive_entry_new`), freed in `deinit`.
final class ArchiveEntryHandle {
    let raw: OpaquePointer

    init(path: String) throws {
        guard let raw = archive_entry_new() else {
            throw ArchiveError.libarchive(operation: "archive_entry_new", path: path, message: "out of memory", writing: true)
        }
        self.raw = raw
    }

    deinit {
        archive_entry_free(raw)
    }
}
