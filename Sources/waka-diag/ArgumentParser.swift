import DiagSupport

/// A small command-line parser: `--name value`, `--name=value`, repeatable options, flags and
/// positional arguments, with usage errors that name the option and the fix.
struct Arguments {
    private(set) var values: [String: [String]] = [:]
    private(set) var flags: Set<String> = []
    private(set) var positional: [String] = []

    /// Parses `arguments` given the options that take a value and the flags that do not.
    init(_ arguments: [String], options: Set<String>, flags knownFlags: Set<String>, command: String) throws {
        var index = 0
        var onlyPositional = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if onlyPositional || !argument.hasPrefix("--") || argument == "-" {
                if argument.hasPrefix("-"), argument != "-", !onlyPositional {
                    throw DiagError.usage("unknown option '\(argument)' for '\(command)'; run 'waka-diag help \(command)'")
                }
                positional.append(argument)
                continue
            }
            if argument == "--" {
                onlyPositional = true
                continue
            }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if knownFlags.contains(name) {
                guard inlineValue == nil else {
                    throw DiagError.usage("option --\(name) takes no value; remove '=\(inlineValue!)'")
                }
                flags.insert(name)
            } else if options.contains(name) {
                let value: String
                if let inlineValue {
                    value = inlineValue
                } else {
                    guard index < arguments.count else {
                        throw DiagError.usage("option --\(name) needs a value; run 'waka-diag help \(command)'")
                    }
                    value = arguments[index]
                    index += 1
                }
                values[name, default: []].append(value)
            } else {
                let known = options.union(knownFlags)
                if let near = Self.nearest(to: name, in: known) {
                    throw DiagError.usage("unknown option '--\(name)' for '\(command)'; did you mean --\(near)?")
                }
                throw DiagError.usage("unknown option '--\(name)' for '\(command)'; run 'waka-diag help \(command)'")
            }
        }
    }

    /// Returns the known name closest to `name` by edit distance, when it is at most two edits
    /// away (one for names of four letters or fewer), as a typo is. Otherwise a known name made
    /// of the same words without their hyphen or with one shortened (`--pubkey` for
    /// `--public-key`) is returned when it is the only one.
    static func nearest(to name: String, in known: Set<String>) -> String? {
        let limit = name.count <= 4 ? 1 : 2
        let scored = known.map { ($0, editDistance(name, $0)) }.filter { $0.1 <= limit }
        if let best = scored.min(by: { ($0.1, $0.0) < ($1.1, $1.0) })?.0 { return best }
        let abbreviated = known.filter { isAbbreviation(name, of: $0) }
        return abbreviated.count == 1 ? abbreviated.first : nil
    }

    /// Returns whether `name` keeps the start of each hyphen-separated word of `known`, in order and
    /// without the hyphens, as `pubkey` does for `public-key`.
    static func isAbbreviation(_ name: String, of known: String) -> Bool {
        let words = known.split(separator: "-")
        guard words.count > 1, name.count >= 4 else { return false }
        var rest = Substring(name)
        for (position, word) in words.enumerated() {
            let isLast = position == words.count - 1
            // Each word keeps at least its first letter; the last must take the rest whole.
            var taken = 0
            while taken < word.count, taken < rest.count,
                word[word.index(word.startIndex, offsetBy: taken)] == rest[rest.index(rest.startIndex, offsetBy: taken)]
            {
                taken += 1
            }
            guard taken > 0 else { return false }
            if isLast { return taken == rest.count }
            // Leave at least one letter for each following word.
            let keep = min(taken, rest.count - (words.count - 1 - position))
            guard keep > 0 else { return false }
            rest = rest.dropFirst(keep)
        }
        return rest.isEmpty
    }

    /// Returns the Levenshtein distance between `first` and `second`, in characters.
    static func editDistance(_ first: String, _ second: String) -> Int {
        let a = Array(first)
        let b = Array(second)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            previous = current
        }
        return previous[b.count]
    }

    func has(_ flag: String) -> Bool { flags.contains(flag) }

    /// The last value given for `name`, so a later option overrides an earlier one.
    func value(_ name: String) -> String? { values[name]?.last }

    func all(_ name: String) -> [String] { values[name] ?? [] }

    func required(_ name: String, command: String) throws -> String {
        guard let value = value(name) else {
            throw DiagError.usage("'\(command)' needs --\(name); run 'waka-diag help \(command)'")
        }
        return value
    }
}
