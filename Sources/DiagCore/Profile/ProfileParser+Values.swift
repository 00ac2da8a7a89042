import DiagCollect
import DiagSupport
import Foundation

extension ProfileParser {
    func rejectUnknown(_ members: [String: JSONValue], allowed: [String], at path: String) throws {
        guard let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) else { return }
        let key = path.isEmpty ? unknown : "\(path).\(unknown)"
        throw fail(key, "unknown key; allowed here: \(allowed.joined(separator: ", "))")
    }

    func mapping(_ value: JSONValue, at path: String) throws -> [String: JSONValue] {
        guard let members = value.objectValue else { throw fail(path, "must be a mapping") }
        return members
    }

    func list(_ value: JSONValue, at path: String) throws -> [JSONValue] {
        guard let items = value.arrayValue else { throw fail(path, "must be a list") }
        return items
    }

    func requiredString(_ value: JSONValue?, at path: String) throws -> String {
        guard let value, value != .null else { throw fail(path, "is missing") }
        guard let text = value.stringValue, !text.isEmpty else { throw fail(path, "must be non-empty text") }
        return text
    }

    /// Checks a site or region name with the rules of the command line's `--site` and `--region`.
    func name(_ value: JSONValue?, at path: String) throws -> String {
        let text = try requiredString(value, at: path)
        guard NameSyntax.isValid(text) else { throw fail(path, "invalid name '\(text)': \(NameSyntax.rule)") }
        return text
    }

    /// Resolves a file path, relative paths against the profile's folder.
    func path(_ value: JSONValue, at path: String) throws -> URL {
        let text = try requiredString(value, at: path)
        guard !text.contains("\0") else { throw fail(path, "contains a NUL character") }
        return text.hasPrefix("/") ? URL(fileURLWithPath: text) : folder.appendingPathComponent(text).standardizedFileURL
    }

    func duration(_ value: JSONValue, at path: String) throws -> Double {
        var number: String?
        switch value {
        case .int(let whole): number = String(whole)
        case .double(let fraction): number = String(fraction)
        default: number = nil
        }
        if let number {
            throw fail(path, "invalid duration \(number): give it a unit, such as \(number)s or 5m")
        }
        let text = try requiredString(value, at: path)
        do {
            return try DurationText.seconds(text, option: path)
        } catch let error as DiagError {
            // `fail` names the path already.
            throw fail(path, error.message.replacingOccurrences(of: " for \(path)", with: ""))
        }
    }

    func time(_ value: JSONValue, at path: String) throws -> Date {
        let text = try requiredString(value, at: path)
        guard let date = Timestamp.parse(text) else {
            throw fail(path, "invalid time '\(text)': use RFC 3339, such as 2026-12-04T08:00:00Z")
        }
        return date
    }

    /// Parses a size such as `50MiB`, `2 GB` or a plain number of bytes.
    func byteCount(_ value: JSONValue, at path: String) throws -> Int {
        if let number = value.intValue {
            guard number > 0 else { throw fail(path, "must be more than 0 bytes") }
            return Int(number)
        }
        let text = try requiredString(value, at: path).replacingOccurrences(of: " ", with: "")
        let units: [(String, Int)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1),
        ]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            if let number = Double(text.dropLast(suffix.count)), number > 0, number * Double(factor) < Double(Int.max) {
                return Int(number * Double(factor))
            }
        }
        throw fail(path, "invalid size '\(text)': use a number with a unit, such as 500KiB, 50MiB or 2GiB")
    }

    /// Checks an environment variable name as POSIX shells accept it.
    func environmentName(_ value: JSONValue?, at path: String) throws -> String {
        let text = try requiredString(value, at: path)
        guard text.range(of: #"^[A-Za-z_][A-Za-z0-9_]*$"#, options: .regularExpression) != nil else {
            throw fail(path, "invalid environment variable name '\(text)': use letters, digits and '_', not starting with a digit")
        }
        return text
    }
}
