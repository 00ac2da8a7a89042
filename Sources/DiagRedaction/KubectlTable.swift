import Foundation

/// The node and namespace columns of `kubectl get` tables. Node names are machine names that no
/// pattern can tell from other words, and a namespace can be named for a tenant:
///
///     NAME                      READY   STATUS    RESTARTS   AGE   IP            NODE             NOMINATED NODE
///     payout-7d9f8c6b5-x2kqp    1/1     Running   0          3d    10.40.7.19    k8s-lag-node04   <none>
///
/// `kubectl get pods -o wide` names the node in its `NODE` column, and `kubectl get nodes` in
/// its `NAME` column (a header with `ROLES` and `VERSION`); `-A` adds a `NAMESPACE` column.
/// kubectl aligns each column under its header, so a value starts where its header word starts.
enum KubectlTable {
    /// Words of the headers that `cellRanges` reads: `NODE`, `ROLES` (kubectl get nodes) and
    /// `NAMESPACE` (with -A).
    static let headerWords = [Array("  NODE".utf8), Array("ROLES ".utf8), Array("NAMESPACE ".utf8)]

    /// Returns whether `buffer` may contain such a table, by a cheap search for its header.
    static func mayContain(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        headerWords.contains { Redactor.find($0, in: buffer, from: 0, to: buffer.count) != nil }
    }

    /// Returns the ranges of the node names and namespaces in the tables of `buffer`, each with the
    /// key whose rule replaces it (`node` or `namespace`). A table starts at a header line of
    /// capitals that begins with `NAME` or `NAMESPACE`, and ends at a blank line or the next header.
    static func cellRanges(in buffer: UnsafeBufferPointer<UInt8>) -> [(range: Range<Int>, key: String)] {
        var ranges: [(range: Range<Int>, key: String)] = []
        var columns: [(offset: Int, key: String)] = []
        var lineStart = 0
        while lineStart < buffer.count {
            let lineEnd = buffer[lineStart...].firstIndex(of: 0x0A) ?? buffer.count
            let line = String(decoding: UnsafeBufferPointer(rebasing: buffer[lineStart..<lineEnd]), as: UTF8.self)
            defer { lineStart = lineEnd + 1 }
            if let header = Self.columns(ofHeader: line) {
                columns = header
                continue
            }
            guard !columns.isEmpty, !line.trimmingCharacters(in: .whitespaces).isEmpty else {
                columns = []
                continue
            }
            let bytes = Array(line.utf8)
            for (start, key) in columns {
                // The value starts exactly under the header, after a blank (or at the line's start).
                guard start < bytes.count, bytes[start] != UInt8(ascii: " "), start == 0 || bytes[start - 1] == UInt8(ascii: " ") else {
                    continue
                }
                let end = bytes[start...].firstIndex { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == 0x0D } ?? bytes.count
                // `<none>` and `<unknown>` are kubectl's own words for an empty cell.
                guard bytes[start] != UInt8(ascii: "<") else { continue }
                ranges.append(((lineStart + start)..<(lineStart + end), key))
            }
        }
        return ranges
    }

    /// Returns the byte offsets of the node and namespace columns of a `kubectl get` header line,
    /// with their keys, or nil for any other line.
    static func columns(ofHeader line: String) -> [(offset: Int, key: String)]? {
        // Capitals, blanks, `-` (CLUSTER-IP) and parentheses (PORT(S)) only.
        guard line.hasPrefix("NAME ") || line.hasPrefix("NAMESPACE "),
            line.utf8.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || $0 == 0x20 || $0 == 0x2D || $0 == 0x0D || $0 == 0x28 || $0 == 0x29 })
        else { return nil }
        let words = line.split(separator: " ")
        var columns: [(offset: Int, key: String)] = []
        if line.hasPrefix("NAMESPACE ") { columns.append((0, "namespace")) }
        if words.contains("ROLES"), words.contains("VERSION") { columns.append((0, "node")) }
        // The first word `NODE` with two blanks before it. `NOMINATED NODE` has one blank.
        if let range = line.range(of: "  NODE"), range.upperBound == line.endIndex || line[range.upperBound] == " " {
            columns.append((line.utf8.distance(from: line.startIndex, to: range.upperBound) - "NODE".utf8.count, "node"))
        }
        return columns.isEmpty ? nil : columns
    }
}

extension Redactor {
    /// Spans of the node names and namespaces in the `kubectl get` tables of `buffer`, each under
    /// the rule of its key. The host rule reads `node`, so kept hosts stay and addresses keep
    /// their shape. The tenant-namespace rule reads `namespace` and keeps namespaces not named
    /// for a tenant.
    func kubectlNodeSpans(in buffer: UnsafeBufferPointer<UInt8>) -> [Span] {
        guard KubectlTable.mayContain(buffer) else { return [] }
        return KubectlTable.cellRanges(in: buffer).compactMap { cell in
            compiled.rule(forKey: cell.key).map { Span(range: cell.range, rule: $0, origin: .keyValue(KeyValueContext(key: cell.key))) }
        }
    }
}
