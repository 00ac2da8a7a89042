import DiagSupport
import Foundation
import Testing

@testable import DiagArchive

#if canImport(Glibc)
import Glibc
#endif

@Suite struct DeterministicTarGzTests {
    let time = Date(timeIntervalSince1970: 1_796_416_726.75)
    let entries = [
        ArchiveEntry(path: "summary/metrics.json", data: Data("{\"up\":1}\n".utf8)),
        ArchiveEntry(path: "manifest.json", data: Data("{}".utf8)),
        ArchiveEntry(path: "config/prometheus/prometheus.yml", data: Data([0xFF, 0x00, 0xC3, 0x28])),
        ArchiveEntry(path: "empty.txt", data: Data()),
        ArchiveEntry(path: "config/a-b.yml", data: Data("no final newline".utf8)),
    ]

    @Test func sameInputGivesIdenticalBytes() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try DeterministicTarGz.write(entries: entries, rootFolder: "diag", modificationTime: time, to: folder.file("one.tar.gz"))
        try DeterministicTarGz.write(
            entries: entries.reversed(), rootFolder: "diag", modificationTime: time, to: folder.file("two.tar.gz"))
        let shuffled = [entries[2], entries[0], entries[4], entries[1], entries[3]]
        try DeterministicTarGz.write(entries: shuffled, rootFolder: "diag", modificationTime: time, to: folder.file("three.tar.gz"))

        let first = try folder.read("one.tar.gz")
        #expect(first == (try folder.read("two.tar.gz")))
        #expect(first == (try folder.read("three.tar.gz")))
        #expect(try folder.contents() == ["one.tar.gz", "three.tar.gz", "two.tar.gz"])

        try DeterministicTarGz.write(
            entries: entries, rootFolder: "diag", modificationTime: time.addingTimeInterval(1), to: folder.file("later.tar.gz"))
        #expect(first != (try folder.read("later.tar.gz")))
    }

    @Test func gzipHeaderHasNoNameOrTime() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try DeterministicTarGz.write(entries: entries, rootFolder: "diag", modificationTime: time, to: folder.file("b.tar.gz"))
        let bytes = try folder.read("b.tar.gz")
        #expect(Array(bytes[0..<3]) == [0x1F, 0x8B, 0x08])
        #expect(bytes[3] == 0, "FLG must be 0: no FNAME, FCOMMENT, FEXTRA or FHCRC")
        #expect(Array(bytes[4..<8]) == [0, 0, 0, 0], "MTIME must be 0")

        let check = try runTool("/usr/bin/python3", ["-c", """
            import sys, zlib
            data = open(sys.argv[1], 'rb').read()
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            tar = d.decompress(data) + d.flush()
            assert d.eof and d.unused_data == b'', 'trailing bytes after the gzip member'
            assert len(tar) % 512 == 0, 'tar stream is not whole 512-byte blocks'
            assert tar[-1024:] == bytes(1024), 'tar end marker missing'
            print(len(tar))
            """, folder.file("b.tar.gz").path])
        #expect(check.status == 0, "\(check.standardError)")
    }

    @Test func headersHaveFixedFields() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try DeterministicTarGz.write(entries: entries, rootFolder: "diag", modificationTime: time, to: folder.file("b.tar.gz"))
        let listing = try runTool("/usr/bin/python3", ["-c", """
            import sys, tarfile
            with tarfile.open(sys.argv[1], 'r:gz') as tar:
                assert tar.pax_headers == {}, tar.pax_headers
                for m in tar.getmembers():
                    assert m.pax_headers == {}, m.pax_headers
                    kind = 'd' if m.isdir() else ('f' if m.isreg() else 'other')
                    print(m.name, kind, oct(m.mode), m.uid, m.gid, repr(m.uname), repr(m.gname), m.mtime, m.size)
            """, folder.file("b.tar.gz").path])
        #expect(listing.status == 0, "\(listing.standardError)")
        let expected = """
            diag d 0o755 0 0 '' '' 1796416726 0
            diag/config d 0o755 0 0 '' '' 1796416726 0
            diag/config/a-b.yml f 0o644 0 0 '' '' 1796416726 16
            diag/config/prometheus d 0o755 0 0 '' '' 1796416726 0
            diag/config/prometheus/prometheus.yml f 0o644 0 0 '' '' 1796416726 4
            diag/empty.txt f 0o644 0 0 '' '' 1796416726 0
            diag/manifest.json f 0o644 0 0 '' '' 1796416726 2
            diag/summary d 0o755 0 0 '' '' 1796416726 0
            diag/summary/metrics.json f 0o644 0 0 '' '' 1796416726 9

            """
        #expect(listing.standardOutput == expected)
    }

    @Test func stockTarExtractsContent() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try DeterministicTarGz.write(entries: entries, rootFolder: "diag", modificationTime: time, to: folder.file("b.tar.gz"))
        let listing = try runTool("/usr/bin/tar", ["-tzf", folder.file("b.tar.gz").path])
        #expect(listing.status == 0, "\(listing.standardError)")
        #expect(listing.standardOutput.split(separator: "\n").first == "diag/")

        let output = folder.file("out")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: false)
        let extracted = try runTool("/usr/bin/tar", ["-xzf", folder.file("b.tar.gz").path, "-C", output.path])
        #expect(extracted.status == 0, "\(extracted.standardError)")
        for entry in entries {
            #expect(try Data(contentsOf: output.appendingPathComponent("diag/\(entry.path)")) == entry.data)
        }
    }

    @Test func roundTripsThroughSafeReader() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // 192 bytes with the root folder: ustar stores it as a 126-byte prefix and a 65-byte name.
        let longPath = String(repeating: "d", count: 60) + "/" + String(repeating: "e", count: 60) + "/"
            + String(repeating: "f", count: 60) + ".json"
        let all = entries + [
            ArchiveEntry(path: longPath, data: Data(repeating: 7, count: 70_000)),
            ArchiveEntry(path: "caf\u{E9}.txt", data: Data("composed".utf8)),
            ArchiveEntry(path: "cafe\u{301}.txt", data: Data("decomposed".utf8)),
        ]
        try DeterministicTarGz.write(entries: all, rootFolder: "diag", modificationTime: time, to: folder.file("b.tar.gz"))
        let read = try SafeTarReader.read(url: folder.file("b.tar.gz"), limits: ReadLimits())

        let expected = all.map { ArchiveEntry(path: "diag/\($0.path)", data: $0.data) }
            .sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
        #expect(read.map { Array($0.path.utf8) } == expected.map { Array($0.path.utf8) })
        #expect(read.map(\.data) == expected.map(\.data))
    }

    @Test func writesEmptyBundle() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try DeterministicTarGz.write(entries: [], rootFolder: "diag", modificationTime: time, to: folder.file("b.tar.gz"))
        #expect(try SafeTarReader.read(url: folder.file("b.tar.gz")).isEmpty)
    }

    @Test(arguments: ["", "/abs.txt", "a/../b", "a//b", "a/", ".", "./a", "..", "a\u{1}b", "a\u{7F}"])
    func rejectsInvalidEntryPath(path: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        #expect(throws: ArchiveError.self) {
            try DeterministicTarGz.write(
                entries: [ArchiveEntry(path: path, data: Data())], rootFolder: "diag", modificationTime: time,
                to: folder.file("b.tar.gz"))
        }
        #expect(try folder.contents() == [])
    }

    @Test(arguments: ["", "a/b", "/diag", "..", "."])
    func rejectsInvalidRootFolder(root: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        #expect(throws: ArchiveError.self) {
            try DeterministicTarGz.write(entries: entries, rootFolder: root, modificationTime: time, to: folder.file("b.tar.gz"))
        }
        #expect(try folder.contents() == [])
    }

    @Test func rejectsDuplicateAndConflictingPaths() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let target = folder.file("b.tar.gz")
        #expect(throws: ArchiveError.duplicateEntry(path: "a/x")) {
            try DeterministicTarGz.write(
                entries: [ArchiveEntry(path: "a/x", data: Data()), ArchiveEntry(path: "a/x", data: Data([1]))],
                rootFolder: "diag", modificationTime: time, to: target)
        }
        #expect(throws: ArchiveError.pathConflict(path: "diag/a")) {
            try DeterministicTarGz.write(
                entries: [ArchiveEntry(path: "a", data: Data()), ArchiveEntry(path: "a/x", data: Data())],
                rootFolder: "diag", modificationTime: time, to: target)
        }
        #expect(try folder.contents() == [])
    }

    @Test func failedWriteLeavesNoFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let target = folder.file("b.tar.gz")
        try Data("previous".utf8).write(to: target)
        let tooLong = String(repeating: "n", count: 101)
        #expect(throws: ArchiveError.self) {
            try DeterministicTarGz.write(
                entries: entries + [ArchiveEntry(path: tooLong, data: Data())], rootFolder: "diag",
                modificationTime: time, to: target)
        }
        let unsplittable = String(repeating: "d", count: 150) + "/" + String(repeating: "e", count: 101)
        #expect(throws: ArchiveError.self) {
            try DeterministicTarGz.write(
                entries: [ArchiveEntry(path: unsplittable, data: Data())], rootFolder: "diag", modificationTime: time,
                to: target)
        }
        #expect(try folder.contents() == ["b.tar.gz"])
        #expect(try folder.read("b.tar.gz") == Array("previous".utf8))

        #expect(throws: SecureFileError.self) {
            try DeterministicTarGz.write(
                entries: entries, rootFolder: "diag", modificationTime: time, to: folder.file("missing/b.tar.gz"))
        }
    }

    @Test func ustarFitMatchesLibarchive() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let cases = [
            String(repeating: "a", count: 95), String(repeating: "a", count: 96),
            String(repeating: "p", count: 150) + "/" + String(repeating: "n", count: 100),
            String(repeating: "p", count: 151) + "/" + String(repeating: "n", count: 100),
            String(repeating: "p", count: 150) + "/" + String(repeating: "n", count: 101),
        ]
        for path in cases {
            let fits = ArchivePath.fitsUstar("diag/\(path)")
            let items = [DeterministicTarGz.Item(path: "diag/\(path)", data: Data())]
            var libarchiveAccepted = true
            let descriptor = open(folder.file("fit.tar.gz").path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            try #require(descriptor >= 0)
            do {
                try DeterministicTarGz.writeArchive(items, modificationTime: 0, descriptor: descriptor, path: "fit.tar.gz")
            } catch {
                libarchiveAccepted = false
            }
            close(descriptor)
            #expect(fits == libarchiveAccepted, "\(path.utf8.count) bytes")
        }
    }

    @Test func reportsWriteFailureOnFullDevice() throws {
        let descriptor = open("/dev/full", O_WRONLY)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        let items = try DeterministicTarGz.plan(entries: entries, rootFolder: "diag")
        do {
            try DeterministicTarGz.writeArchive(items, modificationTime: 0, descriptor: descriptor, path: "/dev/full")
            Issue.record("writing to /dev/full succeeded")
        } catch let error as ArchiveError {
            #expect(error.exitStatus == .ioError)
            #expect(error.description.contains("/dev/full"))
        }
    }

    @Test func rejectsTimeBeforeEpoch() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        #expect(throws: ArchiveError.invalidModificationTime(seconds: -1)) {
            try DeterministicTarGz.write(
                entries: entries, rootFolder: "diag", modificationTime: Date(timeIntervalSince1970: -0.5),
                to: folder.file("b.tar.gz"))
        }
        #expect(try folder.contents() == [])
    }
}
