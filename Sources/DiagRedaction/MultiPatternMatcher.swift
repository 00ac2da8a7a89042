/// Finds every occurrence of many byte strings in one pass (Aho-Corasick), case-sensitively
/// unless built with `foldingCase`, which ignores the case of ASCII letters.
///
/// The trie is kept in flat arrays: each node's children form a linked list of siblings, and the
/// root's children are also indexed by byte. Up to `denseNodeLimit` nodes, a full transition
/// table (1 KiB a node) gives one array read per input byte. Larger sets, such as the thousands
/// of tenant and user names in a site's pseudonym map, get table rows only for the nodes near the
/// root and those with many children, where text spends most of its steps. Other nodes walk their
/// few siblings and failure links.
struct MultiPatternMatcher: Sendable {
    static let denseNodeLimit = 4_096
    static let rowChildren = 4
    /// Nodes this close to the root get a row whatever their number of children.
    static let rowDepth = 2

    let patterns: [[UInt8]]
    let foldingCase: Bool
    /// The byte on the edge into each node.
    private var label: [UInt8] = [0]
    private var firstChild: [Int32] = [-1]
    private var nextSibling: [Int32] = [-1]
    private var failure: [Int32] = [0]
    /// The root's child for each byte, or 0.
    private var rootChild = [Int32](repeating: 0, count: 256)
    /// The patterns that end at each node, its own and those of its failure chain.
    private var outputs: [[Int32]] = [[]]
    private var dense: [Int32] = []
    /// For larger sets: each node's row in `dense`, or -1.
    private var row: [Int32] = []

    var nodeCount: Int { label.count }

    /// Builds the automaton; empty patterns are ignored.
    init(patterns: [[UInt8]], foldingCase: Bool = false) {
        self.patterns = patterns
        self.foldingCase = foldingCase
        for (index, pattern) in patterns.enumerated() where !pattern.isEmpty {
            var node: Int32 = 0
            for byte in pattern {
                let folded = foldingCase ? Self.lowercased(byte) : byte
                node = child(of: node, folded) ?? addChild(to: node, folded)
            }
            outputs[Int(node)].append(Int32(index))
        }
        buildFailureLinks()
        buildDenseTable(allNodes: label.count <= Self.denseNodeLimit)
    }

    /// Calls `body` with the pattern index and the end offset (exclusive) of every occurrence,
    /// overlapping ones included, in order of their end.
    func forEachMatch(in bytes: UnsafeBufferPointer<UInt8>, _ body: (_ pattern: Int, _ end: Int) -> Void) {
        var node: Int32 = 0
        for offset in 0..<bytes.count {
            let byte = foldingCase ? Self.lowercased(bytes[offset]) : bytes[offset]
            node = row.isEmpty ? dense[Int(node) << 8 | Int(byte)] : step(node, byte)
            if node != 0 {
                for pattern in outputs[Int(node)] { body(Int(pattern), offset + 1) }
            }
        }
    }

    @inline(__always)
    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    private func child(of node: Int32, _ byte: UInt8) -> Int32? {
        if node == 0 {
            let found = rootChild[Int(byte)]
            return found == 0 ? nil : found
        }
        var candidate = firstChild[Int(node)]
        while candidate >= 0 {
            if label[Int(candidate)] == byte { return candidate }
            candidate = nextSibling[Int(candidate)]
        }
        return nil
    }

    private mutating func addChild(to node: Int32, _ byte: UInt8) -> Int32 {
        let added = Int32(label.count)
        label.append(byte)
        firstChild.append(-1)
        nextSibling.append(firstChild[Int(node)])
        failure.append(0)
        outputs.append([])
        firstChild[Int(node)] = added
        if node == 0 { rootChild[Int(byte)] = added }
        return added
    }

    /// Returns the node reached from `start` by `byte`, following failure links where `start`
    /// has no such child.
    private func step(_ start: Int32, _ byte: UInt8) -> Int32 {
        var node = start
        while true {
            if !row.isEmpty, row[Int(node)] >= 0 { return dense[Int(row[Int(node)]) << 8 | Int(byte)] }
            if let next = child(of: node, byte) { return next }
            if node == 0 { return 0 }
            node = failure[Int(node)]
        }
    }

    /// Sets each node's failure link to the longest proper suffix that is also a trie path, and
    /// merges that node's outputs, breadth first so suffixes are done before the nodes using them.
    private mutating func buildFailureLinks() {
        var queue: [Int32] = []
        var candidate = firstChild[0]
        while candidate >= 0 {
            queue.append(candidate)
            candidate = nextSibling[Int(candidate)]
        }
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            var child = firstChild[Int(node)]
            while child >= 0 {
                queue.append(child)
                let target = step(failure[Int(node)], label[Int(child)])
                failure[Int(child)] = target == child ? 0 : target
                if !outputs[Int(failure[Int(child)])].isEmpty {
                    outputs[Int(child)].append(contentsOf: outputs[Int(failure[Int(child)])])
                }
                child = nextSibling[Int(child)]
            }
        }
    }

    /// Fills the transition table breadth first, so each node's failure target is done before the
    /// node. With `allNodes` every node gets a row. Otherwise the nodes up to `rowDepth` and those
    /// with `rowChildren` or more children get one, indexed by `row`.
    private mutating func buildDenseTable(allNodes: Bool) {
        var rows = [Int32](repeating: allNodes ? 0 : -1, count: label.count)
        var depth = [UInt8](repeating: 0, count: label.count)
        var rowCount: Int32 = 0
        for node in 0..<label.count {
            var sibling = firstChild[node]
            while sibling >= 0 {
                depth[Int(sibling)] = depth[node] &+ 1
                sibling = nextSibling[Int(sibling)]
            }
            var children = 0
            var candidate = firstChild[node]
            while candidate >= 0, children < Self.rowChildren {
                children += 1
                candidate = nextSibling[Int(candidate)]
            }
            if allNodes || depth[node] <= Self.rowDepth || children >= Self.rowChildren {
                rows[node] = rowCount
                rowCount += 1
            }
        }
        var table = [Int32](repeating: 0, count: Int(rowCount) << 8)
        var order: [Int32] = [0]
        var head = 0
        while head < order.count {
            let node = Int(order[head])
            head += 1
            var sibling = firstChild[node]
            while sibling >= 0 {
                order.append(sibling)
                sibling = nextSibling[Int(sibling)]
            }
            guard rows[node] >= 0 else { continue }
            let base = Int(rows[node]) << 8
            for byte in 0..<256 {
                if let next = child(of: Int32(node), UInt8(byte)) {
                    table[base | byte] = next
                } else if node != 0 {
                    // The failure target is shallower, so its transitions are final already.
                    table[base | byte] = transition(table: table, rows: rows, from: failure[node], UInt8(byte))
                }
            }
        }
        dense = table
        row = allNodes ? [] : rows
    }

    /// Returns the transition from `node` by `byte` while the table is being filled.
    private func transition(table: [Int32], rows: [Int32], from start: Int32, _ byte: UInt8) -> Int32 {
        var node = start
        while true {
            if rows[Int(node)] >= 0 { return table[Int(rows[Int(node)]) << 8 | Int(byte)] }
            if let next = child(of: node, byte) { return next }
            node = failure[Int(node)]
        }
    }
}
