import DiagSupport

extension RulesetParser {
    static let allowlistKeys: Set<String> = ["id", "description", "files", "keep"]

    /// Parses `allowlist-mode`: true, false, or nil when the file does not set it.
    func parseAllowlistMode(_ root: YAMLNode) throws -> Bool? {
        guard let scalar = try optionalScalar(root, "allowlist-mode", path: "", rule: nil) else { return nil }
        switch scalar.value {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: throw fail("allowlist-mode", scalar, "expected true or false, found '\(scalar.value)'")
        }
    }

    /// Parses the `allowlists` list. Each needs an id unique among the allowlists, a description,
    /// at least one file glob and at least one valid key path, none listed twice.
    func parseAllowlists(_ node: YAMLNode?) throws -> [Allowlist] {
        guard let node else { return [] }
        guard case .sequence(let items) = node else {
            throw fail("allowlists", nil, "expected a list of allowlists, each with id, description, files and keep")
        }
        var allowlists: [Allowlist] = []
        for (index, item) in items.enumerated() {
            let allowlist = try parseAllowlist(item, path: "allowlists[\(index)]")
            if let earlier = allowlists.firstIndex(where: { $0.id == allowlist.id }) {
                throw fail(
                    "allowlists[\(index)].id", nil,
                    "duplicate allowlist id '\(allowlist.id)'; allowlist #\(earlier + 1) already uses it, so rename one of them")
            }
            allowlists.append(allowlist)
        }
        return allowlists
    }

    private func parseAllowlist(_ node: YAMLNode, path: String) throws -> Allowlist {
        guard case .mapping(let pairs) = node else {
            throw fail(path, nil, "expected a mapping with id, description, files and keep")
        }
        try checkKeys(pairs, allowed: Self.allowlistKeys, path: path, rule: nil)
        let id = try requiredScalar(node, "id", path: path, rule: nil)
        guard Self.idPattern.matches(id.value) else {
            throw fail(path + ".id", id, "'\(id.value)' is not kebab-case (lower-case letters, digits and single hyphens)")
        }
        let description = try requiredScalar(node, "description", path: path, rule: nil)

        let files = try stringList(node["files"], path: path + ".files", rule: nil)
        guard !files.isEmpty else {
            throw fail(path + ".files", nil, "allowlist '\(id.value)' needs at least one file glob, such as prometheus.yml")
        }
        for (index, glob) in files.enumerated() where glob.value.trimmingCharacters(in: .whitespaces).isEmpty {
            throw fail(path + ".files[\(index)]", glob, "a file glob must not be blank; remove it or give the file name")
        }

        let keep = try stringList(node["keep"], path: path + ".keep", rule: nil)
        guard !keep.isEmpty else {
            throw fail(
                path + ".keep", nil,
                "allowlist '\(id.value)' needs at least one key path under 'keep', such as global.scrape_interval")
        }
        var paths: [AllowlistPath] = []
        for (index, scalar) in keep.enumerated() {
            let itemPath = path + ".keep[\(index)]"
            let parsed: AllowlistPath
            do {
                parsed = try AllowlistPath(scalar.value)
            } catch let error as AllowlistPathError {
                throw fail(itemPath, scalar, "invalid key path '\(scalar.value)': \(error.reason)")
            }
            if paths.contains(where: { $0.text == scalar.value }) {
                throw fail(itemPath, scalar, "the key path '\(scalar.value)' is listed twice; remove one")
            }
            paths.append(parsed)
        }

        return Allowlist(
            id: id.value, description: description.value, files: files.map(\.value), keep: paths, source: source)
    }
}
