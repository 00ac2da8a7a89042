import CYAML
import Foundation

/// One YAML scalar with its place in the source text.
public struct YAMLScalar: Equatable, Sendable {
    public enum Style: Sendable { case plain, singleQuoted, doubleQuoted, literal, folded }

    public var value: String
    public var style: Style
    /// The explicit tag, such as `tag:yaml.org,2002:str`, or nil when the scalar has none.
    public var tag: String?
    /// Byte range of the scalar in the source, quotes and block indicators included.
    public var sourceRange: Range<Int>
}

/// A YAML node tree as parsed by libyaml, with aliases resolved to the nodes they name.
public indirect enum YAMLNode: Equatable, Sendable {
    case scalar(YAMLScalar)
    case sequence([YAMLNode])
    case mapping([YAMLPair])

    /// The scalar text, when this node is a scalar.
    public var scalarValue: String? {
        if case .scalar(let scalar) = self { return scalar.value }
        return nil
    }

    /// Returns the value for `key` in a mapping, comparing scalar keys by text.
    public subscript(key: String) -> YAMLNode? {
        guard case .mapping(let pairs) = self else { return nil }
        return pairs.first { $0.key.scalarValue == key }?.value
    }

    /// Converts the tree to JSON values, resolving plain scalars the way YAML 1.2's core schema does
    /// (null, booleans, integers, floats), with mapping keys as text.
    public func jsonValue() -> JSONValue {
        switch self {
        case .scalar(let scalar): return Self.resolve(scalar)
        case .sequence(let items): return .array(items.map { $0.jsonValue() })
        case .mapping(let pairs):
            var members: [String: JSONValue] = [:]
            for pair in pairs {
                let key: String
                switch pair.key {
                case .scalar(let scalar): key = scalar.value
                default: key = pair.key.jsonValue().serializedString(pretty: false)
                }
                members[key] = pair.value.jsonValue()
            }
            return .object(members)
        }
    }

    private static func resolve(_ scalar: YAMLScalar) -> JSONValue {
        if let tag = scalar.tag {
            switch tag {
            case "tag:yaml.org,2002:str", "!": return .string(scalar.value)
            case "tag:yaml.org,2002:null": return .null
            default: break
            }
        }
        guard scalar.style == .plain else { return .string(scalar.value) }
        let text = scalar.value
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN":
            return .string(text)
        default: break
        }
        if text.range(of: #"^[-+]?[0-9]+$"#, options: .regularExpression) != nil, let number = Int64(text) {
            return .int(number)
        }
        if text.hasPrefix("0x"), let number = Int64(text.dropFirst(2), radix: 16) { return .int(number) }
        if text.hasPrefix("0o"), let number = Int64(text.dropFirst(2), radix: 8) { return .int(number) }
        if text.range(of: #"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$"#, options: .regularExpression) != nil,
            let number = Double(text)
        {
            return .double(number)
        }
        return .string(text)
    }
}

public struct YAMLPair: Equatable, Sendable {
    public var key: YAMLNode
    public var value: YAMLNode
}

/// A YAML syntax error with the line and column libyaml reported, counted from 1.
public struct YAMLParseError: DiagnosticError, Equatable {
    public var line: Int
    public var column: Int
    public var reason: String
    public var exitStatus: ExitStatus { .dataError }
    public var description: String { "invalid YAML at line \(line), column \(column): \(reason)" }
}

/// Parses YAML text with libyaml into node trees, one per document in the stream.
public enum YAMLDocument {
    /// The maximum number of nodes a stream may expand to once aliases are resolved; more is treated as an
    /// alias bomb ("billion laughs") and rejected.
    public static let maximumNodes = 2_000_000

    /// Parses every document in `text`. An empty stream gives an empty array.
    public static func parseAll(_ text: String) throws -> [YAMLNode] {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw YAMLParseError(line: 0, column: 0, reason: "libyaml could not allocate a parser")
        }
        defer { yaml_parser_delete(&parser) }

        let bytes = Array(text.utf8)
        let offsets = CharacterOffsets(bytes: bytes)
        return try bytes.withUnsafeBufferPointer { buffer -> [YAMLNode] in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var builder = TreeBuilder(offsets: offsets)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    throw YAMLParseError(
                        line: Int(parser.problem_mark.line) + 1, column: Int(parser.problem_mark.column) + 1,
                        reason: parser.problem.map { String(cString: $0) } ?? "unknown libyaml error")
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { break }
                try builder.consume(&event)
            }
            return builder.documents
        }
    }

    /// Parses text that must hold exactly one document (or none, which gives an empty mapping).
    public static func parse(_ text: String) throws -> YAMLNode {
        let documents = try parseAll(text)
        guard documents.count <= 1 else {
            throw YAMLParseError(line: 0, column: 0, reason: "expected one document, found \(documents.count)")
        }
        return documents.first ?? .mapping([])
    }
}

/// Maps libyaml's character indexes to byte offsets in the UTF-8 source.
private struct CharacterOffsets {
    let byteOffsetOfCharacter: [Int]?

    init(bytes: [UInt8]) {
        guard bytes.contains(where: { $0 >= 0x80 }) else {
            byteOffsetOfCharacter = nil
            return
        }
        var table: [Int] = []
        table.reserveCapacity(bytes.count + 1)
        for (offset, byte) in bytes.enumerated() where byte & 0xC0 != 0x80 {
            table.append(offset)
        }
        table.append(bytes.count)
        byteOffsetOfCharacter = table
    }

    func byteOffset(_ characterIndex: Int) -> Int {
        guard let table = byteOffsetOfCharacter else { return characterIndex }
        return table[min(characterIndex, table.count - 1)]
    }
}

private struct TreeBuilder {
    enum Frame {
        case sequence(anchor: String?, items: [YAMLNode], size: Int)
        case mapping(anchor: String?, pairs: [YAMLPair], pendingKey: YAMLNode?, size: Int)
    }

    let offsets: CharacterOffsets
    var stack: [Frame] = []
    var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    var documents: [YAMLNode] = []
    var nodeCount = 0

    init(offsets: CharacterOffsets) { self.offsets = offsets }

    /// Counts nodes as they are created, and the whole subtree each time an alias repeats one.
    mutating func count(_ nodes: Int) throws {
        nodeCount += nodes
        guard nodeCount <= YAMLDocument.maximumNodes else {
            throw YAMLParseError(
                line: 0, column: 0,
                reason: "the document expands to more than \(YAMLDocument.maximumNodes) nodes through aliases")
        }
    }

    mutating func consume(_ event: inout yaml_event_t) throws {
        switch event.type {
        case YAML_SCALAR_EVENT, YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
            try count(1)
        default:
            break
        }
        switch event.type {
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let value = String(
                decoding: UnsafeBufferPointer(start: data.value, count: data.length), as: UTF8.self)
            let style: YAMLScalar.Style
            switch data.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
            case YAML_LITERAL_SCALAR_STYLE: style = .literal
            case YAML_FOLDED_SCALAR_STYLE: style = .folded
            default: style = .plain
            }
            let range = offsets.byteOffset(Int(event.start_mark.index))..<offsets.byteOffset(Int(event.end_mark.index))
            let scalar = YAMLScalar(
                value: value, style: style, tag: data.tag.map { String(cString: $0) }, sourceRange: range)
            try add(.scalar(scalar), anchor: data.anchor.map { String(cString: $0) }, size: 1)
        case YAML_SEQUENCE_START_EVENT:
            stack.append(
                .sequence(anchor: event.data.sequence_start.anchor.map { String(cString: $0) }, items: [], size: 1))
        case YAML_MAPPING_START_EVENT:
            stack.append(
                .mapping(
                    anchor: event.data.mapping_start.anchor.map { String(cString: $0) }, pairs: [], pendingKey: nil,
                    size: 1))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { return }
            switch frame {
            case .sequence(let anchor, let items, let size):
                try add(.sequence(items), anchor: anchor, size: size)
            case .mapping(let anchor, let pairs, _, let size):
                try add(.mapping(pairs), anchor: anchor, size: size)
            }
        case YAML_ALIAS_EVENT:
            let name = String(cString: event.data.alias.anchor)
            guard let target = anchors[name] else {
                throw YAMLParseError(
                    line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1,
                    reason: "alias *\(name) names no anchor")
            }
            try count(target.size)
            try add(target.node, anchor: nil, size: target.size)
        default:
            break
        }
    }

    /// Appends `node`, whose subtree contains `size` nodes, to the open container or the document list.
    mutating func add(_ node: YAMLNode, anchor: String?, size: Int) throws {
        if let anchor { anchors[anchor] = (node, size) }
        guard let top = stack.popLast() else {
            documents.append(node)
            return
        }
        switch top {
        case .sequence(let anchor, var items, let total):
            items.append(node)
            stack.append(.sequence(anchor: anchor, items: items, size: total + size))
        case .mapping(let anchor, var pairs, let pendingKey, let total):
            if let key = pendingKey {
                pairs.append(YAMLPair(key: key, value: node))
                stack.append(.mapping(anchor: anchor, pairs: pairs, pendingKey: nil, size: total + size))
            } else {
                stack.append(.mapping(anchor: anchor, pairs: pairs, pendingKey: node, size: total + size))
            }
        }
    }
}
