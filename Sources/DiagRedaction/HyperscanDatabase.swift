import CHyperscan
import Foundation

/// A Hyperscan block-mode database of many regexes, compiled once and scanned by any thread.
/// `^` and `$` match at line breaks too.
///
/// Hyperscan reports where matches end, not where they start, and reports every end offset of
/// every match. Scratch space is per scan: each call takes a clone from a small pool.
final class HyperscanDatabase: @unchecked Sendable {
    struct Expression {
        var pattern: String
        var id: UInt32
        /// Matches in prefilter mode: Hyperscan may report more matches than the regex has, never
        /// fewer, and accepts constructs it cannot run exactly, such as lookbehinds.
        var prefilter: Bool
        var caseless = false
    }

    enum Failure: Error, CustomStringConvertible {
        case compile(pattern: String, message: String)
        case scratch
        case scan(status: Int32)

        var description: String {
            switch self {
            case .compile(let pattern, let message): return "Hyperscan cannot compile \(pattern): \(message)"
            case .scratch: return "Hyperscan cannot allocate scratch space"
            case .scan(let status): return "Hyperscan stopped a scan with status \(status)"
            }
        }
    }

    /// Whether this processor has the instructions Hyperscan needs (SSSE3 on x86-64).
    static let isSupported: Bool = hs_valid_platform() == HS_SUCCESS

    private let database: OpaquePointer
    private let prototype: OpaquePointer
    /// Whether the database was loaded from the cache instead of compiled.
    let isFromCache: Bool
    private let lock = NSLock()
    private var spareScratch: [OpaquePointer] = []

    /// Compiles `expressions`, or loads them from `cache` when an earlier run compiled the same ones.
    init(_ expressions: [Expression], cache: HyperscanCache? = HyperscanCache.standard) throws {
        let flags: [UInt32] = expressions.map { expression in
            var flags = UInt32(HS_FLAG_ALLOWEMPTY | HS_FLAG_MULTILINE)
            if expression.prefilter { flags |= UInt32(HS_FLAG_PREFILTER) }
            if expression.caseless { flags |= UInt32(HS_FLAG_CASELESS) }
            return flags
        }
        let ids = expressions.map(\.id)
        let key = cache.map { _ in HyperscanCache.key(patterns: expressions.map(\.pattern), flags: flags, ids: ids) }

        let compiled: OpaquePointer
        if let cache, let key, let loaded = cache.load(key) {
            compiled = loaded
            isFromCache = true
        } else {
            isFromCache = false
            compiled = try Self.compile(expressions, flags: flags, ids: ids)
            if let cache, let key { cache.store(compiled, key: key) }
        }

        var scratch: OpaquePointer?
        guard hs_alloc_scratch(compiled, &scratch) == HS_SUCCESS, let scratch else {
            hs_free_database(compiled)
            throw Failure.scratch
        }
        database = compiled
        prototype = scratch
    }

    /// Checks that Hyperscan reads `pattern` as a line screen, without compiling a database:
    /// `hs_expression_info` parses and analyzes the expression only. A ruleset checks each of
    /// its screens this way on every load, so nothing of it reaches the cache, whose files
    /// are kept for the line screens themselves.
    static func check(_ pattern: String) throws {
        var info: UnsafeMutablePointer<hs_expr_info_t>?
        var error: UnsafeMutablePointer<hs_compile_error_t>?
        let status = hs_expression_info(pattern, UInt32(HS_FLAG_ALLOWEMPTY | HS_FLAG_MULTILINE), &info, &error)
        if let info { free(info) }
        guard status == HS_SUCCESS else {
            let message = error.map { String(cString: $0.pointee.message) } ?? "status \(status)"
            if let error { hs_free_compile_error(error) }
            throw Failure.compile(pattern: pattern, message: message)
        }
    }

    private static func compile(_ expressions: [Expression], flags: [UInt32], ids: [UInt32]) throws -> OpaquePointer {
        let patterns = expressions.map { strdup($0.pattern) }
        defer { patterns.forEach { free($0) } }
        var compiled: OpaquePointer?
        var error: UnsafeMutablePointer<hs_compile_error_t>?
        let status = patterns.map { UnsafePointer($0) }.withUnsafeBufferPointer { pointers in
            hs_compile_multi(
                pointers.baseAddress, flags, ids, UInt32(expressions.count), UInt32(HS_MODE_BLOCK), nil,
                &compiled, &error)
        }
        guard status == HS_SUCCESS, let compiled else {
            let message = error.map { String(cString: $0.pointee.message) } ?? "status \(status)"
            let index = error.map { Int($0.pointee.expression) } ?? -1
            if let error { hs_free_compile_error(error) }
            let pattern = expressions.indices.contains(index) ? expressions[index].pattern : "the pattern set"
            throw Failure.compile(pattern: pattern, message: message)
        }
        // Compiling a large set takes several megabytes of heap that are free again now.
        malloc_trim(0)
        return compiled
    }

    deinit {
        for scratch in spareScratch { hs_free_scratch(scratch) }
        hs_free_scratch(prototype)
        hs_free_database(database)
    }

    /// Calls `body` with the expression id and the end offset (exclusive) of every match in
    /// `buffer`, in order of the end offset.
    func scan(_ buffer: UnsafeBufferPointer<UInt8>, _ body: (_ id: UInt32, _ end: Int) -> Void) throws {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
        let scratch = try takeScratch()
        defer { returnScratch(scratch) }

        let status = withoutActuallyEscaping(body) { body -> hs_error_t in
            var handler = MatchHandler(body: body)
            return withUnsafeMutablePointer(to: &handler) { context in
                base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { text in
                    hs_scan(database, text, UInt32(buffer.count), 0, scratch, { id, _, to, _, context in
                        context!.assumingMemoryBound(to: MatchHandler.self).pointee.body(id, Int(to))
                        return 0
                    }, context)
                }
            }
        }
        guard status == HS_SUCCESS else {
            throw Failure.scan(status: status)
        }
    }

    private struct MatchHandler {
        var body: (UInt32, Int) -> Void
    }

    private func takeScratch() throws -> OpaquePointer {
        lock.lock()
        if let scratch = spareScratch.popLast() {
            lock.unlock()
            return scratch
        }
        lock.unlock()
        var clone: OpaquePointer?
        guard hs_clone_scratch(prototype, &clone) == HS_SUCCESS, let clone else {
            throw Failure.scratch
        }
        return clone
    }

    private func returnScratch(_ scratch: OpaquePointer) {
        lock.lock()
        if spareScratch.count < 8 {
            spareScratch.append(scratch)
            lock.unlock()
        } else {
            lock.unlock()
            hs_free_scratch(scratch)
        }
    }
}
