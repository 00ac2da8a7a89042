import Foundation

/// One regular file in a tar archive: its path inside the archive and its content.
///
/// `DeterministicTarGz.write` takes paths relative to the archive's root folder, and `SafeTarReader.read`
/// returns full paths, root folder included, with `.` components and repeated slashes removed.
public struct ArchiveEntry: Equatable, Sendable {
    public var path: String
    public var data: Data

    public init(path: String, data: Data) {
        self.path = path
        self.data = data
    }
}

/// The limits `SafeTarReader` enforces while it reads, so a hostile archive cannot exhaust memory.
///
/// The defaults suit diagnostics bundles, which hold summaries and redacted configuration files and
/// are typically a few megabytes.
public struct ReadLimits: Equatable, Sendable {
    /// The largest sum of all entry sizes, uncompressed.
    public var maximumTotalBytes: Int
    /// The largest single entry, uncompressed.
    public var maximumEntryBytes: Int
    /// The largest ratio of uncompressed tar stream bytes to compressed file bytes.
    public var maximumRatio: Double
    /// The uncompressed size below which the ratio is not checked, because small archives of tar
    /// headers and zero padding compress far better than real content does.
    public var ratioCheckMinimumBytes: Int
    /// The largest number of entries, directories included.
    public var maximumEntries: Int

    public init(
        maximumTotalBytes: Int = 512 << 20,
        maximumEntryBytes: Int = 256 << 20,
        maximumRatio: Double = 200,
        ratioCheckMinimumBytes: Int = 1 << 20,
        maximumEntries: Int = 20_000
    ) {
        self.maximumTotalBytes = maximumTotalBytes
        self.maximumEntryBytes = maximumEntryBytes
        self.maximumRatio = maximumRatio
        self.ratioCheckMinimumBytes = ratioCheckMinimumBytes
        self.maximumEntries = maximumEntries
    }
}
