import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A folder made with `mkdtemp` for one test, removed by calling `remove()` in a `defer`.
struct TemporaryFolder {
    let url: URL

    init() throws {
        var template = Array("/tmp/diagarchive-test-XXXXXX".utf8CString)
        guard let path = mkdtemp(&template) else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        url = URL(fileURLWithPath: String(cString: path), isDirectory: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    func read(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: file(name)))
    }

    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// The outcome of running a stock command-line tool.
struct ToolResult {
    var status: Int32
    var standardOutput: String
    var standardError: String
}

/// Runs the tool at `path`. Standard error is read after standard output closes, so it must fit a pipe buffer.
func runTool(_ path: String, _ arguments: [String]) throws -> ToolResult {
    try #require(FileManager.default.isExecutableFile(atPath: path), "\(path) is missing; install the Debian package")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    let errors = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ToolResult(
        status: process.terminationStatus,
        standardOutput: String(decoding: output, as: UTF8.self),
        standardError: String(decoding: errors, as: UTF8.self))
}

/// Python code that opens `sys.argv[1]` as a tar file (gzip when the name ends in `.gz`, ustar or pax
/// from `sys.argv[2]`) and defines `add(name, data, type, linkname)`, which stores names byte for byte.
private let tarPrelude = """
    import io, sys, tarfile
    out = sys.argv[1]
    fmt = tarfile.PAX_FORMAT if sys.argv[2] == 'pax' else tarfile.USTAR_FORMAT
    tar = tarfile.open(out, 'w:gz' if out.endswith('.gz') else 'w', format=fmt,
                       encoding='utf-8', errors='surrogateescape')
    def add(name, data=b'', type=tarfile.REGTYPE, linkname='', major=0, minor=0):
        info = tarfile.TarInfo(name)
        info.type = type
        info.linkname = linkname
        info.devmajor, info.devminor = major, minor
        info.mode = 0o755 if type == tarfile.DIRTYPE else 0o644
        if type in (tarfile.REGTYPE, tarfile.AREGTYPE):
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        else:
            tar.addfile(info)

    """

/// Builds a tarball at `folder/name` with Python's `tarfile`, an implementation independent of the
/// code under test. `members` is Python code calling `add`.
func craftTar(in folder: TemporaryFolder, _ name: String, format: String = "ustar", _ members: String) throws -> URL {
    let target = folder.file(name)
    let script = tarPrelude + members + "\ntar.close()\n"
    let result = try runTool("/usr/bin/python3", ["-c", script, target.path, format])
    try #require(result.status == 0, "python3 failed: \(result.standardError)")
    return target
}
