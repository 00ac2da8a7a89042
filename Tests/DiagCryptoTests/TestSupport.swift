import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A folder made with `mkdtemp` for one test, removed by calling `remove()` in a `defer`.
struct TemporaryFolder {
    let url: URL

    init() throws {
        var template = Array("/tmp/diagcrypto-test-XXXXXX".utf8CString)
        guard let path = mkdtemp(&template) else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        url = URL(fileURLWithPath: String(cString: path), isDirectory: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    func write(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let target = file(name)
        try Data(bytes).write(to: target)
        return target
    }

    func write(_ name: String, _ text: String) throws -> URL {
        try write(name, Array(text.utf8))
    }

    func read(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: file(name)))
    }

    func readText(_ name: String) throws -> String {
        String(decoding: try read(name), as: UTF8.self)
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
    var standardOutputData: Data
    var standardError: String

    var standardOutput: String { String(decoding: standardOutputData, as: UTF8.self) }
}

/// Runs a stock tool such as `/usr/bin/minisign` with `arguments`, feeding `input` on standard input.
///
/// The tool must exist: a missing oracle is a test failure, not a skipped check.
func runTool(_ path: String, _ arguments: [String], input: String = "", in folder: URL? = nil) throws -> ToolResult {
    try #require(FileManager.default.isExecutableFile(atPath: path), "\(path) is missing; install the Debian package")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let folder { process.currentDirectoryURL = folder }
    let stdin = Pipe()
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    let errors = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ToolResult(
        status: process.terminationStatus,
        standardOutputData: output,
        standardError: String(decoding: errors, as: UTF8.self))
}

let minisignPath = "/usr/bin/minisign"
let agePath = "/usr/bin/age"
let ageKeygenPath = "/usr/bin/age-keygen"

/// Returns the permission bits of the file at `url`.
func fileMode(_ url: URL) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
    return (attributes[.posixPermissions] as? Int ?? -1) & 0o7777
}

/// Replaces line `index` (zero-based) of `text`, keeping the other lines and the line feeds.
func replacingLine(_ index: Int, of text: String, with line: String) -> String {
    var lines = text.components(separatedBy: "\n")
    lines[index] = line
    return lines.joined(separator: "\n")
}

/// Decodes the base64 on line `index` of `text`, flips bit 0 of byte `byteIndex`, and re-encodes it.
func flippingDecodedByte(_ byteIndex: Int, onLine index: Int, of text: String) -> String {
    let lines = text.components(separatedBy: "\n")
    var bytes = [UInt8](Data(base64Encoded: lines[index])!)
    bytes[byteIndex] ^= 0x01
    return replacingLine(index, of: text, with: Data(bytes).base64EncodedString())
}
