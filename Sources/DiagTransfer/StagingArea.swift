import DiagSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The receiver's 0700 staging folder `STORE/.staging`: for each upload id, the bytes received so
/// far (`ID.part`), what the sender declared (`ID.json`), and after acceptance the outcome
/// (`ID.accepted.json`), so a client that lost the final response can request it again.
struct StagingArea {
    let folder: URL

    /// What the sender declared when it created the upload.
    struct Declaration: Equatable {
        var name: String
        var size: Int64
        var signature: String

        var jsonValue: JSONValue {
            ["name": .string(name), "size": .int(size), "signature": .string(signature)]
        }

        init(name: String, size: Int64, signature: String) {
            self.name = name
            self.size = size
            self.signature = signature
        }

        init?(_ value: JSONValue) {
            guard let name = value["name"]?.stringValue, let size = value["size"]?.intValue,
                let signature = value["signature"]?.stringValue
            else { return nil }
            self.init(name: name, size: size, signature: signature)
        }
    }

    init(store: URL) throws {
        folder = store.appendingPathComponent(".staging")
        try SecureFiles.createDirectory(at: folder, mode: 0o700)
        guard chmod(folder.path, 0o700) == 0 else {
            throw DiagError(.permission, "cannot set mode 0700 on \(folder.path): \(String(cString: strerror(errno)))")
        }
    }

    func partURL(_ id: String) -> URL { folder.appendingPathComponent("\(id).part") }
    func declarationURL(_ id: String) -> URL { folder.appendingPathComponent("\(id).json") }
    func acceptedURL(_ id: String) -> URL { folder.appendingPathComponent("\(id).accepted.json") }
    func plaintextURL(_ id: String) -> URL { folder.appendingPathComponent("\(id).tar.gz") }

    func declaration(_ id: String) -> Declaration? {
        guard let data = try? SecureFiles.readFile(at: declarationURL(id), maximumBytes: 1 << 20),
            let value = try? JSONValue.parse(Data(data))
        else { return nil }
        return Declaration(value)
    }

    func accepted(_ id: String) -> JSONValue? {
        guard let data = try? SecureFiles.readFile(at: acceptedURL(id), maximumBytes: 1 << 20) else { return nil }
        return try? JSONValue.parse(Data(data))
    }

    /// The number of bytes received so far, or nil when the upload has no part file.
    func offset(_ id: String) -> Int64? {
        var info = stat()
        guard stat(partURL(id).path, &info) == 0 else { return nil }
        return Int64(info.st_size)
    }

    /// The number of uploads staged and not yet completed.
    func pendingCount() -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasSuffix(".accepted.json") }.count
    }

    /// Creates an empty part file and records `declaration`, both mode 0600.
    func create(_ id: String, declaration: Declaration) throws {
        _ = try? FileManager.default.removeItem(at: partURL(id))
        try SecureFiles.createNewFile(at: partURL(id), mode: 0o600).close()
        try SecureFiles.writeFile(
            Array(declaration.jsonValue.serialized(pretty: false)), to: declarationURL(id), mode: 0o600, replaceExisting: true)
    }

    /// Appends `bytes` to the part file and syncs it, so an acknowledged offset survives a crash.
    func append(_ id: String, bytes: Data) throws {
        let descriptor = open(partURL(id).path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { throw DiagError.io("cannot open \(partURL(id).path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw DiagError.io("cannot write \(partURL(id).path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        guard fsync(descriptor) == 0 else { throw DiagError.io("cannot sync \(partURL(id).path): \(String(cString: strerror(errno)))") }
    }

    func recordAccepted(_ id: String, outcome: JSONValue) throws {
        try SecureFiles.writeFile(
            Array(outcome.serialized(pretty: false)), to: acceptedURL(id), mode: 0o600, replaceExisting: true)
        discard(id, keepAccepted: true)
    }

    /// Removes every staged file of the upload.
    func discard(_ id: String, keepAccepted: Bool = false) {
        unlink(partURL(id).path)
        unlink(declarationURL(id).path)
        unlink(plaintextURL(id).path)
        if !keepAccepted { unlink(acceptedURL(id).path) }
    }
}
