import DiagSupport
import Foundation
import Testing

@testable import DiagArchive

/// Each rejection checked on a tarball built by Python's `tarfile`, not by the code under test.
@Suite struct SafeTarReaderTests {
    @Test func readsFilesAndSkipsFolders() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = try craftTar(in: folder, "ok.tar.gz", """
            add('b', type=tarfile.DIRTYPE)
            add('b/one.txt', b'1')
            add('./b//two.bin', bytes(range(256)))
            add('b/empty', b'')
            """)
        let entries = try SafeTarReader.read(url: url, limits: ReadLimits())
        #expect(entries.map(\.path) == ["b/one.txt", "b/two.bin", "b/empty"])
        #expect(entries[1].data == Data((0..<256).map { UInt8($0) }))
        #expect(entries[2].data.isEmpty)
    }

    @Test func readsPaxAndPlainTar() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let long = String(repeating: "p", count: 300)
        let pax = try craftTar(in: folder, "pax.tar.gz", format: "pax", "add('\(long)/x', b'long')")
        #expect(try SafeTarReader.read(url: pax).map(\.path) == ["\(long)/x"])
        let plain = try craftTar(in: folder, "plain.tar", "add('x', b'plain')")
        #expect(try SafeTarReader.read(url: plain) == [ArchiveEntry(path: "x", data: Data("plain".utf8))])
    }

    @Test(arguments: ["/etc/passwd", "//x"])
    func rejectsAbsolutePath(path: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = try craftTar(in: folder, "a.tar.gz", "add('\(path)', b'x')")
        #expect(throws: ArchiveError.absolutePath(path: path)) { try SafeTarReader.read(url: url) }
    }

    @Test(arguments: ["../x", "a/../../x", "a/..", "./../x"])
    func rejectsParentReference(path: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = try craftTar(in: folder, "a.tar.gz", "add('\(path)', b'x')")
        #expect(throws: ArchiveError.parentReference(path: path)) { try SafeTarReader.read(url: url) }
    }

    @Test func rejectsParentReferenceInFolder() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = try craftTar(in: folder, "a.tar.gz", "add('../up', type=tarfile.DIRTYPE)")
        #expect(throws: ArchiveError.parentReference(path: "../up/")) { try SafeTarReader.read(url: url) }
    }

    @Test func rejectsSymbolicLink() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = try craftTar(in: folder, "a.tar.gz", "add('link', type=tarfile.SYMTYPE, linkname='/etc/shadow')")
        #expect(throws: ArchiveError.symbolicLink(path: "link")) { try SafeTarReader.read(url: url) }
    }

    @Test func rejectsHardLink() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = try craftTar(in: folder, "a.tar.gz", """
            add('target', b'x')
            add('hard', type=tarfile.LNKTYPE, linkname='target')
            """)
        #expect(throws: ArchiveError.hardLink(path: "hard")) { try SafeTarReader.read(url: url) }
    }

    @Test(arguments: [
        ("CHRTYPE", "character device"), ("BLKTYPE", "block device"), ("FIFOTYPE", "FIFO"),
    ])
    func rejectsSpecialFile(type: String, kind: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = try craftTar(in: folder, "a.tar.gz", "add('dev', type=tarfile.\(type), major=1, minor=3)")
        #expect(throws: ArchiveError.specialFile(path: "dev", kind: kind)) { try SafeTarReader.read(url: url) }
    }

    @Test(arguments: [["a/x", "a/x"], ["a/x", "./a/x"], ["a/x", "a//x"]])
    func rejectsDuplicateEntry(paths: [String]) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = try craftTar(in: folder, "a.tar.gz", paths.map { "add('\($0)', b'x')" }.joined(separator: "\n"))
        #expect(throws: ArchiveError.duplicateEntry(path: "a/x")) { try SafeTarReader.read(url: url) }
    }

    @Test func rejectsFileUsedAsFolder() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = try craftTar(in: folder, "a.tar.gz", "add('a', b'x')\nadd('a/b', b'y')")
        #expect(throws: ArchiveError.pathConflict(path: "a")) { try SafeTarReader.read(url: url) }
    }

    @Test func rejectsTotalSizeAboveLimit() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = try craftTar(in: folder, "a.tar.gz", "add('one', b'a' * 600)\nadd('two', b'b' * 600)")
        let limits = ReadLimits(maximumTotalBytes: 1000)
        #expect(throws: ArchiveError.totalSizeExceeded(limit: 1000)) { try SafeTarReader.read(url: url, limits: limits) }
        #expect(try SafeTarReader.read(url: url, limits: ReadLimits(maximumTotalBytes: 1200)).count == 2)
    }

    @Test func rejectsEntryAboveLimit() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = try craftTar(in: folder, "a.tar.gz", "add('small', b'a' * 100)\nadd('big', b'b' * 101)")
        let limits = ReadLimits(maximumEntryBytes: 100)
        #expect(throws: ArchiveError.entryTooLarge(path: "big", size: 101, limit: 100)) {
            try SafeTarReader.read(url: url, limits: limits)
        }
    }

    @Test func rejectsDecompressionBomb() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = try craftTar(in: folder, "bomb.tar.gz", "add('zeros', bytes(20 * 1024 * 1024))")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
        #expect(size < 100_000)
        #expect(throws: ArchiveError.compressionRatioExceeded(compressedBytes: size, limit: 200)) {
            try SafeTarReader.read(url: url, limits: ReadLimits())
        }
        let lenient = ReadLimits(maximumRatio: 100_000)
        #expect(try SafeTarReader.read(url: url, limits: lenient).first?.data.count == 20 * 1024 * 1024)
    }

    @Test func smallArchiveSkipsRatioCheck() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = try craftTar(in: folder, "tiny.tar.gz", "add('zeros', bytes(500 * 1024))")
        #expect(try SafeTarReader.read(url: url, limits: ReadLimits()).count == 1)
    }

    @Test func rejectsTooManyEntries() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = try craftTar(in: folder, "a.tar.gz", "for i in range(21): add(f'f{i}', b'x')")
        #expect(throws: ArchiveError.tooManyEntries(limit: 20)) {
            try SafeTarReader.read(url: url, limits: ReadLimits(maximumEntries: 20))
        }
        #expect(try SafeTarReader.read(url: url, limits: ReadLimits(maximumEntries: 21)).count == 21)
    }

    @Test func rejectsInvalidUTF8Path() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = try craftTar(in: folder, "a.tar.gz", "add('bad\\udcff', b'x')")
        #expect(throws: ArchiveError.self) { try SafeTarReader.read(url: url) }
    }

    @Test func escapesControlCharactersInMessages() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = try craftTar(in: folder, "a.tar.gz", "add('/x\\x1b[31m', b'x')")
        do {
            _ = try SafeTarReader.read(url: url)
            Issue.record("an absolute path was accepted")
        } catch {
            #expect(!error.operatorMessage.contains("\u{1B}"))
            #expect(error.operatorMessage.contains("'/x\\u{1b}[31m'"))
        }
    }

    @Test func rejectsTruncatedAndMissingArchives() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = try craftTar(in: folder, "a.tar.gz", "add('x', bytes(range(256)) * 400)")
        let bytes = try folder.read("a.tar.gz")
        try Data(bytes.prefix(bytes.count / 2)).write(to: folder.file("cut.tar.gz"))
        #expect(throws: ArchiveError.self) { try SafeTarReader.read(url: folder.file("cut.tar.gz")) }

        var flipped = bytes
        flipped[bytes.count - 6] ^= 0xFF
        try Data(flipped).write(to: folder.file("crc.tar.gz"))
        try Data(bytes + [0x00]).write(to: folder.file("appended.tar.gz"))
        for name in ["crc.tar.gz", "appended.tar.gz"] {
            do {
                _ = try SafeTarReader.read(url: folder.file(name))
                Issue.record("\(name) was read without error")
            } catch {
                #expect(error.operatorMessage.contains("gzip trailer"), "\(error)")
                #expect(error.exitStatus == .dataError)
            }
        }

        #expect(try SafeTarReader.read(url: url).count == 1)
        do {
            _ = try SafeTarReader.read(url: folder.file("absent.tar.gz"))
            Issue.record("a missing archive was read")
        } catch {
            #expect(error.exitStatus == .noInput)
        }
    }

    @Test(arguments: [[], [0x1F, 0x8B], Array("not an archive at all\n".utf8)])
    func rejectsNonArchives(bytes: [UInt8]) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try Data(bytes).write(to: folder.file("x.tar.gz"))
        do {
            let entries = try SafeTarReader.read(url: folder.file("x.tar.gz"))
            Issue.record("read \(entries.count) entries from \(bytes.count) bytes that are not an archive")
        } catch {
            #expect(error.exitStatus == .dataError, "\(error)")
        }
    }
}
