@testable import DiagRedaction
import Foundation
import Testing

/// Compiled Hyperscan databases on disk: reused when the expressions match, recompiled when a
/// file is damaged or the folder is not private, and never used when turned off.
struct HyperscanCacheTests {
    static let expressions: [HyperscanDatabase.Expression] = [
        .init(pattern: #"\b[0-9]{1,3}(?:\.[0-9]{1,3}){3}\b"#, id: 0, prefilter: false),
        .init(pattern: #"password[=:]"#, id: 1, prefilter: true, caseless: true),
    ]
    static let sample = Array("host 10.1.2.3 PASSWORD=x\nnothing here\n".utf8)

    static func matches(_ database: HyperscanDatabase) throws -> [String] {
        var found: [String] = []
        try sample.withUnsafeBufferPointer { buffer in
            try database.scan(buffer) { id, end in found.append("\(id)@\(end)") }
        }
        return found
    }

    /// Returns a cache in a new temporary folder.
    static func emptyCache() throws -> HyperscanCache {
        HyperscanCache(folder: try TestSupport.temporaryFolder().appendingPathComponent("cache"))
    }

    static func storedFiles(_ cache: HyperscanCache) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: cache.folder.path).filter { $0.hasSuffix(".db") }
    }

    @Test func sameExpressionsLoadFromCache() throws {
        let cache = try Self.emptyCache()
        let first = try HyperscanDatabase(Self.expressions, cache: cache)
        let second = try HyperscanDatabase(Self.expressions, cache: cache)
        #expect(!first.isFromCache)
        #expect(second.isFromCache)
        #expect(try Self.matches(second) == Self.matches(first))
        #expect(try Self.matches(first) == ["0@13", "1@23"])

        let files = try Self.storedFiles(cache)
        #expect(files.count == 1)
        let folderMode = try FileManager.default.attributesOfItem(atPath: cache.folder.path)[.posixPermissions] as? Int
        let fileMode = try FileManager.default.attributesOfItem(atPath: cache.folder.appendingPathComponent(files[0]).path)[.posixPermissions] as? Int
        #expect(folderMode == 0o700)
        #expect(fileMode == 0o600)

        // Other flags are another compile, in another file.
        var caseless = Self.expressions
        caseless[0].caseless = true
        #expect(!(try HyperscanDatabase(caseless, cache: cache)).isFromCache)
        #expect(try Self.storedFiles(cache).count == 2)
    }

    @Test func damagedFileIsRecompiled() throws {
        let cache = try Self.emptyCache()
        _ = try HyperscanDatabase(Self.expressions, cache: cache)
        let file = cache.folder.appendingPathComponent(try #require(try Self.storedFiles(cache).first))
        var bytes = [UInt8](try Data(contentsOf: file))
        bytes[bytes.count - 10] ^= 0xFF
        try Data(bytes).write(to: file)

        let reloaded = try HyperscanDatabase(Self.expressions, cache: cache)
        #expect(!reloaded.isFromCache)
        #expect(try Self.matches(reloaded) == ["0@13", "1@23"])
        #expect(try HyperscanDatabase(Self.expressions, cache: cache).isFromCache)

        // A truncated file is no better.
        try Data(bytes.prefix(20)).write(to: file)
        #expect(!(try HyperscanDatabase(Self.expressions, cache: cache)).isFromCache)
    }

    @Test func fileUnderWrongNameIsRecompiled() throws {
        let cache = try Self.emptyCache()
        let other: [HyperscanDatabase.Expression] = [.init(pattern: "literal", id: 0, prefilter: false)]
        _ = try HyperscanDatabase(Self.expressions, cache: cache)
        _ = try HyperscanDatabase(other, cache: cache)
        let files = try Self.storedFiles(cache)
        #expect(files.count == 2)

        // Copy each valid file over the other: neither may load in place of its own compile.
        let first = cache.folder.appendingPathComponent(files[0])
        let second = cache.folder.appendingPathComponent(files[1])
        let firstBytes = try Data(contentsOf: first)
        try Data(contentsOf: second).write(to: first)
        try firstBytes.write(to: second)
        let reloaded = try HyperscanDatabase(Self.expressions, cache: cache)
        #expect(!reloaded.isFromCache)
        #expect(try Self.matches(reloaded) == ["0@13", "1@23"])
        #expect(!(try HyperscanDatabase(other, cache: cache)).isFromCache)
    }

    @Test func sharedFolderIsNotUsed() throws {
        let folder = try TestSupport.temporaryFolder().appendingPathComponent("shared")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: folder.path)
        let cache = HyperscanCache(folder: folder)
        _ = try HyperscanDatabase(Self.expressions, cache: cache)
        #expect(try Self.storedFiles(cache).isEmpty)
        #expect(!(try HyperscanDatabase(Self.expressions, cache: cache)).isFromCache)
    }

    @Test func environmentChoosesFolder() {
        for off in ["off", "OFF", "0", "false", "no", "relative/folder"] {
            #expect(HyperscanCache(environment: ["WAKA_DIAG_CACHE": off, "HOME": "/root"]) == nil)
        }
        #expect(HyperscanCache(environment: ["WAKA_DIAG_CACHE": "/var/cache/wd"])?.folder.path == "/var/cache/wd/hyperscan")
        #expect(HyperscanCache(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/home/op"])?.folder.path == "/x/waka-diag/hyperscan")
        #expect(HyperscanCache(environment: ["HOME": "/home/op"])?.folder.path == "/home/op/.cache/waka-diag/hyperscan")
        #expect(HyperscanCache(environment: ["XDG_CACHE_HOME": "relative"]) == nil)
        #expect(HyperscanCache(environment: [:]) == nil)
    }

    @Test func folderKeepsNewestFiles() throws {
        let cache = try Self.emptyCache()
        for index in 0..<(HyperscanCache.maximumFiles + 3) {
            _ = try HyperscanDatabase([.init(pattern: "literal-\(index)", id: 0, prefilter: false)], cache: cache)
        }
        #expect(try Self.storedFiles(cache).count == HyperscanCache.maximumFiles)
        // The newest stays.
        let newest = [HyperscanDatabase.Expression(pattern: "literal-\(HyperscanCache.maximumFiles + 2)", id: 0, prefilter: false)]
        #expect(try HyperscanDatabase(newest, cache: cache).isFromCache)
    }
}
