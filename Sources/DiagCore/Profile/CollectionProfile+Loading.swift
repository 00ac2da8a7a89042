import DiagSupport
import Foundation

extension CollectionProfile {
    /// The largest profile read, in bytes.
    public static let maximumFileBytes = 1024 * 1024

    /// Reads and checks a profile file.
    ///
    /// Throws `noInput` when the file is missing or unreadable, `dataError` for YAML that does
    /// not parse, and `configuration` naming the key path for any invalid setting.
    public static func load(url: URL) throws -> CollectionProfile {
        let path = url.path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw DiagError.noInput("cannot read profile \(path): file not found; create one with 'waka-diag init --mode MODE --out \(path)'")
        }
        guard !isFolder.boolValue else {
            throw DiagError.noInput("cannot read profile \(path): it is a folder; give the YAML file itself")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DiagError.noInput("cannot read profile \(path): permission denied; check the file's mode")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: maximumFileBytes + 1)) ?? Data()
        guard data.count <= maximumFileBytes else {
            throw DiagError.data("profile \(path) is larger than 1 MiB; a profile contains settings only")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw DiagError.data("profile \(path) is not valid UTF-8; save it as UTF-8 text")
        }
        return try parse(text, source: url.standardizedFileURL)
    }

    /// Parses and checks profile YAML; `source` names the file in errors and anchors relative paths.
    public static func parse(_ text: String, source: URL) throws -> CollectionProfile {
        let root: YAMLNode
        do {
            root = try YAMLDocument.parse(text)
        } catch {
            throw DiagError.data("profile \(source.path): \(error.operatorMessage)")
        }
        let parser = ProfileParser(source: source.path, folder: source.deletingLastPathComponent())
        try rejectDuplicateKeys(root, at: "", parser: parser)
        return try parser.parse(root.jsonValue())
    }

    /// Rejects a mapping that repeats a key, which YAML forbids but libyaml accepts; the later
    /// value would silently win otherwise.
    private static func rejectDuplicateKeys(_ node: YAMLNode, at path: String, parser: ProfileParser) throws {
        switch node {
        case .scalar:
            return
        case .sequence(let items):
            for (index, item) in items.enumerated() { try rejectDuplicateKeys(item, at: "\(path)[\(index)]", parser: parser) }
        case .mapping(let pairs):
            var seen: Set<String> = []
            for pair in pairs {
                let key = pair.key.scalarValue ?? "?"
                let child = path.isEmpty ? key : "\(path).\(key)"
                guard seen.insert(key).inserted else { throw parser.fail(child, "is given twice; keep one") }
                try rejectDuplicateKeys(pair.value, at: child, parser: parser)
            }
        }
    }
}
