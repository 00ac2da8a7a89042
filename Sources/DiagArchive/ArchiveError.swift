import DiagSupport

/// A failure to write a tar.gz archive or a reason `SafeTarReader` rejected one.
///
/// Paths from an archive are shown with control characters escaped, because they come from
/// untrusted input and end up on a terminal.
public enum ArchiveError: DiagnosticError, Equatable {
    /// An entry to write has a path the writer does not accept, for the rule `reason` names.
    case invalidEntryPath(path: String, reason: String)
    /// An archive entry's path is not UTF-8 or has no name left after removing `.` components.
    case malformedEntryPath(path: String, reason: String)
    /// Two entries to write, or two entries in an archive, have the same path.
    case duplicateEntry(path: String)
    /// A file's path is also used as a folder by another entry.
    case pathConflict(path: String)
    /// An archive entry's path starts with `/`.
    case absolutePath(path: String)
    /// An archive entry's path has a `..` component.
    case parentReference(path: String)
    /// An archive entry is a symbolic link.
    case symbolicLink(path: String)
    /// An archive entry is a hard link.
    case hardLink(path: String)
    /// An archive entry is a device, FIFO or socket, as `kind` names.
    case specialFile(path: String, kind: String)
    /// An archive entry has a type tar readers do not agree on.
    case unsupportedEntryType(path: String, mode: UInt32)
    /// An archive entry is larger than `ReadLimits.maximumEntryBytes`.
    case entryTooLarge(path: String, size: Int, limit: Int)
    /// The entries together are larger than `ReadLimits.maximumTotalBytes`.
    case totalSizeExceeded(limit: Int)
    /// The archive expands more than `ReadLimits.maximumRatio` times, as a decompression bomb does.
    case compressionRatioExceeded(compressedBytes: Int, limit: Double)
    /// The archive has more entries than `ReadLimits.maximumEntries`.
    case tooManyEntries(limit: Int)
    /// libarchive reported a failure in the call `operation`, with `archive_error_string` as `message`.
    case libarchive(operation: String, path: String, message: String, writing: Bool)
    /// The modification time cannot be stored in a ustar header.
    case invalidModificationTime(seconds: Int64)

    public var exitStatus: ExitStatus {
        if case .libarchive(_, _, _, let writing) = self, writing { return .ioError }
        return .dataError
    }

    public var description: String {
        switch self {
        case .invalidEntryPath(let path, let reason):
            return "cannot add \(Self.printable(path)) to the archive: \(reason)"
        case .malformedEntryPath(let path, let reason):
            return "archive entry \(Self.printable(path)) has an invalid path: \(reason)"
        case .duplicateEntry(let path):
            return "archive entry \(Self.printable(path)) appears more than once"
        case .pathConflict(let path):
            return "archive entry \(Self.printable(path)) is a file but other entries use it as a folder"
        case .absolutePath(let path):
            return "archive entry \(Self.printable(path)) has an absolute path; bundles contain relative paths only"
        case .parentReference(let path):
            return "archive entry \(Self.printable(path)) contains a '..' component; bundles never refer outside their folder"
        case .symbolicLink(let path):
            return "archive entry \(Self.printable(path)) is a symbolic link; bundles contain regular files only"
        case .hardLink(let path):
            return "archive entry \(Self.printable(path)) is a hard link; bundles contain regular files only"
        case .specialFile(let path, let kind):
            return "archive entry \(Self.printable(path)) is a \(kind); bundles contain regular files only"
        case .unsupportedEntryType(let path, let mode):
            return "archive entry \(Self.printable(path)) has unsupported type \(String(mode, radix: 8))"
        case .entryTooLarge(let path, let size, let limit):
            return "archive entry \(Self.printable(path)) is \(size) bytes, more than the limit of \(limit) bytes"
        case .totalSizeExceeded(let limit):
            return "archive content is larger than the limit of \(limit) bytes uncompressed"
        case .compressionRatioExceeded(let compressedBytes, let limit):
            return "archive of \(compressedBytes) bytes expands more than \(Int(limit)) times; "
                + "it looks like a decompression bomb and was not read further"
        case .tooManyEntries(let limit):
            return "archive has more than \(limit) entries"
        case .libarchive(let operation, let path, let message, let writing):
            return "cannot \(writing ? "write" : "read") archive \(path): \(operation) failed: \(message)"
        case .invalidModificationTime(let seconds):
            return "modification time \(seconds) cannot be stored in a tar header; use a time after 1970"
        }
    }

    /// Escapes control characters and backslashes so a hostile path cannot change the terminal.
    static func printable(_ path: String) -> String {
        var result = "'"
        for scalar in path.unicodeScalars {
            switch scalar.value {
            case 0x5C: result += "\\\\"
            case 0..<0x20, 0x7F, 0x80..<0xA0: result += "\\u{\(String(scalar.value, radix: 16))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "'"
    }
}
