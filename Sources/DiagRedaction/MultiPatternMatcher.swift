/// Finds every occurrence of many byte strings in one pass (Aho-Corasick), case-sensitively.
///
/// Up to `denseNodeLimit` trie nodes, the automaton is a full transition table with one array
/// read per input byte. Larger pattern sets use per-node dictionaries and failure links.
struct MultiPatternMatcher: Sendable {
    static let denseNodeLimit = 32_768

    let patterns: [[UInt8]]
    private var dense: [Int32] = []
    private var edges: [[UInt8: Int32]] = [[:]]
    private var failure: [Int32] = [0]
    private var outputs: [[Int32]] = [[]]

    /// Builds the automaton; empty patterns are ignored.
    init(patterns: [[UInt8]]) {
        self.patterns = patterns
        for (index, pattern) in patterns.enumerated() where !pattern.isEmpty {
            var node: Int32 = 0
            for byte in pattern {
                if let next = edges[Int(node)][byte] {
                    node = next
                } else {
                    edges.append([:])
                    failure.append(0)
                    outputs.append([])
                    let next = Int32(edges.count - 1)
                    edges[Int(node)][byte] = next
                    node = next
                }
            }
            outputs[Int(node)].append(Int32(index))
        }
        buildFailureLinks()
        if edges.count <= Self.denseNodeLimit { buildDenseTable() }
    }

    /// Calls `body` with the pattern index and the end offset (exclusive) of every occurrence,
    /// overlapping ones included, in order of their end.
    func forEachMatch(in bytes: UnsafeBufferPointer<UInt8>, _ body: (_ pattern: Int, _ end: Int) -> Void) {
        var node = 0
        for offset in 0..<bytes.count {
            let byte = bytes[offset]
            if dense.isEmpty {
                node = Int(step(Int32(node), byte))
            } else {
                node = Int(dense[node << 8 | Int(byte)])
            }
            for pattern in outputs[node] { body(Int(pattern), offset + 1) }
        }
    }

    private func step(_ start: Int32, _ byte: UInt8) -> Int32 {
        var node = start
        while true {
            if let next = edges[Int(node)][byte] { return next }
            if node == 0 { return 0 }
            node = failure[Int(node)]
        }
    }

    /// Sets each node's failure link to the longest proper suffix that is also a trie path, and
    /// merges that node's outputs, breadth first so suffixes are done before the nodes using them.
    private mutating func buildFailureLinks() {
        var queue: [Int32] = Array(edges[0].values)
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            for (byte, child) in edges[Int(node)] {
                queue.append(child)
                let target = node == 0 ? 0 : step(failure[Int(node)], byte)
                failure[Int(child)] = target == child ? 0 : target
                outputs[Int(child)].append(contentsOf: outputs[Int(failure[Int(child)])])
            }
        }
    }

    private mutating func buildDenseTable() {
        dense = [Int32](repeating: 0, count: edges.count << 8)
        var order: [Int32] = [0]
        var head = 0
        while head < order.count {
            let node = Int(order[head])
            head += 1
            for byte in 0..<256 {
                let next: Int32
                if let child = edges[node][UInt8(byte)] {
                    next = child
                    order.append(child)
                } else {
                    next = node == 0 ? 0 : dense[Int(failure[node]) << 8 | byte]
                }
                dense[node << 8 | byte] = next
            }
        }
    }
}
