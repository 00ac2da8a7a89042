import Foundation

/// The node column of `kubectl get` tables, whose values are machine names that no pattern can
/// tell from other words:
///
///     NAME                      READY   STATUS    RESTARTS   AGE   IP            NODE             NOMINATED NODE
///     payout-7d9f8c6b5-x2kqp    1/1     Running   0          3d    10.40.7.19    k8s-lag-node04   <none>
///
/// `kubectl get pods -o wide` names the node in its `NODE` column, and `kubectl get nodes` in
/// its `NAME` column (a header with `ROLES` and `VERSION`). kubectl aligns each column under its
/// header, so a value starts where its header word starts.
enum KubectlTable {
    static let nodeHeader = Array("  NODE ".utf8)
    static let nodesHeader = Array("ROLES ".utf8)

    /// Returns whether `buffer` may contain such a table, by a cheap search for its header.
    static func mayContain(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        Redactor.find(nodeHeader, in: buffer, from: 0, to: buffer.count) != nil
            || Redactor.find(nodesHeader, in: buffer, from: 0, to: buffer.count) != nil
    }

    /// Returns the ranges of the node names in the tables of `buffer`. A table starts at a header
    /// line of capitals that begins with `NAME` or `NAMESPACE`, and ends at a blank line or the
    /// next header.
    static func nodeRanges(in buffer: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var column: Int?
        var lineStart = 0
        while lineStart < buffer.count {
            let lineEnd = buffer[lineStart...].firstIndex(of: 0x0A) ?? buffer.count
            let line = String(decoding: UnsafeBufferPointer(rebasing: buffer[lineStart..<lineEnd]), as: UTF8.self)
            defer { lineStart = lineEnd + 1 }
            if let header = nodeColumn(ofHeader: line) {
                column = header
                continue
            }
            guard let start = column, !line.trimmingCharacters(in: .whitespaces).isEmpty else {
                column = nil
                continue
            }
            let bytes = Array(line.utf8)
            // The value starts exactly under the header, after a blank (or at the line's start).
            guard start < bytes.count, bytes[start] != UInt8(ascii: " "), start == 0 || bytes[start - 1] == UInt8(ascii: " ") else {
                continue
            }
            let end = bytes[start...].firstIndex { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == 0x0D } ?? bytes.count
            let value = bytes[start..<end]
            // `<none>` and `<unknown>` are kubectl's own words for an empty cell.
            guard value.first != UInt8(ascii: "<") else { continue }
            ranges.append((lineStart + start)..<(lineStart + end))
        }
        return ranges
    }

    /// Returns the byte offset of the node column of a `kubectl get` header line, or nil for any
    /// other line.
    static func nodeColumn(ofHeader line: String) -> Int? {
        // Capitals, blanks, `-` (CLUSTER-IP) and parentheses (PORT(S)) only.
        guard line.hasPrefix("NAME ") || line.hasPrefix("NAMESPACE "),
            line.utf8.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || $0 == 0x20 || $0 == 0x2D || $0 == 0x0D || $0 == 0x28 || $0 == 0x29 })
        else { return nil }
        let words = line.split(separator: " ")
        if words.contains("ROLES"), words.contains("VERSION") { return 0 }
        // The first `NODE` with two blanks before it; `NOMINATED NODE` has one.
        guard let range = line.range(of: "  NODE") else { return nil }
        let offset = line.utf8.distance(from: line.startIndex, to: range.upperBound) - "NODE".utf8.count
        return offset
    }
}

extension Redactor {
    /// Spans of the node names in the `kubectl get` tables of `buffer`, each under the rule of the
    /// key `node` (the host rule), so that kept hosts stay and addresses keep their shape.
    func kubectlNodeSpans(in buffer: UnsafeBufferPointer<UInt8>) -> [Span] {
        guard KubectlTable.mayContain(buffer), let rule = compiled.rule(forKey: "node") else { return [] }
        return KubectlTable.nodeRanges(in: buffer).map { Span(range: $0, rule: rule, origin: .keyValue(KeyValueContext(key: "node"))) }
    }
}
