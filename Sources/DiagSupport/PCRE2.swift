import CPCRE2
import Foundation

/// `PCRE2_UNSET`, the offset libpcre2 stores for a group that did not take part in the match
/// (`~(size_t)0`, which Swift imports as the `Int` -1).
private let pcre2Unset = -1

/// A PCRE2 compile or match failure, with libpcre2's own message.
public struct PCRE2Error: DiagnosticError, Equatable {
    /// The libpcre2 error code (negative for match errors, positive for compile errors).
    public var code: Int32
    /// The byte offset in the pattern where compiling stopped; nil for match errors.
    public var patternOffset: Int?
    public var message: String

    public var exitStatus: ExitStatus { .dataError }

    public var description: String {
        if let patternOffset { return "\(message) at offset \(patternOffset)" }
        return message
    }

    static func message(for code: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = pcre2_get_error_message_8(code, &buffer, buffer.count)
        guard length > 0 else { return "PCRE2 error \(code)" }
        return String(decoding: buffer[0..<Int(length)], as: UTF8.self)
    }
}

/// One match: the whole match and every capture group as byte ranges of the subject.
public struct PCRE2Match: Sendable {
    public let range: Range<Int>
    /// Index 0 is the whole match; unset groups are nil.
    public let groups: [Range<Int>?]

    public func range(ofGroup number: Int) -> Range<Int>? {
        groups.indices.contains(number) ? groups[number] : nil
    }
}

/// The match state passed to a callout: where the attempt started, the current position, and
/// the groups closed so far.
public struct PCRE2CalloutContext {
    /// The text between `{` and `}` in a `(?C{text})` callout, or nil for a numbered callout.
    public let calloutString: String?
    public let calloutNumber: Int
    public let startOffset: Int
    public let currentOffset: Int
    fileprivate let offsets: UnsafeMutablePointer<Int>
    fileprivate let captureTop: Int

    /// Returns the byte range of capture group `number`, or nil when the group is not set yet.
    public func range(ofGroup number: Int) -> Range<Int>? {
        guard number > 0, number < captureTop else { return nil }
        let start = offsets[2 * number]
        let end = offsets[2 * number + 1]
        guard start != pcre2Unset, end >= start else { return nil }
        return start..<end
    }
}

/// A compiled PCRE2 pattern (8-bit, UTF mode), JIT-compiled when the platform supports it.
///
/// Matching is thread-safe: the compiled code is read-only, and every scan uses its own
/// `PCRE2MatchSession`. `\d`, `\w`, `\s` and `\b` match ASCII only, because UCP is off.
public final class PCRE2Regex: @unchecked Sendable {
    public struct Options: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        public static let caseless = Options(rawValue: PCRE2_CASELESS)
        public static let duplicateNames = Options(rawValue: PCRE2_DUPNAMES)
        public static let multiline = Options(rawValue: PCRE2_MULTILINE)
        public static let dotAll = Options(rawValue: PCRE2_DOTALL)
        /// Turns off auto-possessification, so a callout that rejects a match can make a
        /// repetition backtrack to a shorter one (`\\d+` then tries fewer digits).
        public static let noAutoPossess = Options(rawValue: PCRE2_NO_AUTO_POSSESS)
    }

    public let pattern: String
    /// The number of capture groups in the pattern.
    public let captureCount: Int
    /// Whether the JIT compiler accepted the pattern; when false, matching uses the interpreter.
    public let isJITCompiled: Bool
    let code: OpaquePointer
    /// Small-stack sessions that finished, for `withSession` to use again: creating one takes
    /// three allocations, and the redactor runs many patterns on every short line.
    private var idleSessions: [PCRE2MatchSession] = []
    private let idleLock = NSLock()
    /// The maximum number of idle sessions a pattern keeps, one per thread that uses it at once.
    static let idleSessionLimit = 8

    /// Compiles `pattern`; the error carries libpcre2's message and the offset in the pattern.
    public init(_ pattern: String, options: Options = []) throws {
        self.pattern = pattern
        var errorCode: Int32 = 0
        var errorOffset: Int = 0
        let bytes = Array(pattern.utf8)
        let compiled = bytes.withUnsafeBufferPointer { buffer in
            pcre2_compile_8(
                buffer.baseAddress, buffer.count, PCRE2_UTF | options.rawValue, &errorCode, &errorOffset, nil)
        }
        guard let compiled else {
            throw PCRE2Error(code: errorCode, patternOffset: errorOffset, message: PCRE2Error.message(for: errorCode))
        }
        code = compiled

        var count: UInt32 = 0
        _ = pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_CAPTURECOUNT), &count)
        captureCount = Int(count)
        isJITCompiled = pcre2_jit_compile_8(compiled, PCRE2_JIT_COMPLETE) == 0
    }

    deinit { pcre2_code_free_8(code) }

    /// Returns the number of the first capture group called `name`, or nil when there is none.
    public func groupNumber(named name: String) -> Int? {
        let number = name.withCString { pointer in
            pointer.withMemoryRebound(to: UInt8.self, capacity: name.utf8.count + 1) {
                pcre2_substring_number_from_name_8(code, $0)
            }
        }
        if number > 0 { return Int(number) }
        guard number == PCRE2_ERROR_NOUNIQUESUBSTRING else { return nil }

        // With duplicate names, walk the name table for the lowest number.
        var first: PCRE2_SPTR8?
        var last: PCRE2_SPTR8?
        let found = name.withCString { pointer in
            pointer.withMemoryRebound(to: UInt8.self, capacity: name.utf8.count + 1) {
                pcre2_substring_nametable_scan_8(code, $0, &first, &last)
            }
        }
        guard found > 0, let first else { return nil }
        return Int(first[0]) << 8 | Int(first[1])
    }

    /// Calls `body` with a match session for this pattern, with `callout` set for the call. A
    /// session with the default JIT stack comes from the pattern's idle sessions and goes back
    /// afterwards, so calls on many short subjects allocate nothing. A session with a large stack
    /// is created for the call.
    public func withSession<Result>(
        largeJITStack: Bool, callout: PCRE2MatchSession.Callout? = nil, _ body: (PCRE2MatchSession) throws -> Result
    ) rethrows -> Result {
        if largeJITStack, isJITCompiled {
            return try body(PCRE2MatchSession(for: self, largeJITStack: true, callout: callout))
        }
        idleLock.lock()
        let idle = idleSessions.popLast()
        idleLock.unlock()
        let session = idle ?? PCRE2MatchSession(for: self, largeJITStack: false, callout: nil, alwaysCallsOut: true)
        session.callout = callout
        defer {
            session.callout = nil
            idleLock.lock()
            if idleSessions.count < Self.idleSessionLimit { idleSessions.append(session) }
            idleLock.unlock()
        }
        return try body(session)
    }

    /// Finds the first match at or after byte `offset` of `subject`.
    ///
    /// `subject` must be valid UTF-8 and `offset` must fall on a character boundary, because the
    /// UTF check is skipped for speed (Swift strings are always valid UTF-8).
    public func firstMatch(
        in subject: UnsafeBufferPointer<UInt8>, from offset: Int, session: PCRE2MatchSession
    ) throws -> PCRE2Match? {
        let base = subject.baseAddress ?? UnsafePointer(session.emptySubject)
        let result = pcre2_match_8(
            code, base, subject.count, offset, PCRE2_NO_UTF_CHECK, session.matchData, session.matchContext)
        if result == PCRE2_ERROR_NOMATCH { return nil }
        guard result >= 0 else {
            throw PCRE2Error(code: result, patternOffset: nil, message: PCRE2Error.message(for: result))
        }

        let vector = pcre2_get_ovector_pointer_8(session.matchData)!
        let pairs = Int(pcre2_get_ovector_count_8(session.matchData))
        let groupCount = min(pairs, captureCount + 1)
        var groups: [Range<Int>?] = []
        groups.reserveCapacity(groupCount)
        for index in 0..<groupCount {
            let start = vector[2 * index]
            let end = vector[2 * index + 1]
            groups.append(start == pcre2Unset || end < start ? nil : start..<end)
        }
        return PCRE2Match(range: groups[0] ?? offset..<offset, groups: groups)
    }

    /// Calls `body` for each non-overlapping match in `text`, in order, until it returns false.
    public func forEachMatch(in text: String, _ body: (PCRE2Match) throws -> Bool) throws {
        var text = text
        try withSession(largeJITStack: text.utf8.count > Self.smallSubjectLimit) { session in
            try text.withUTF8 { buffer in
                var offset = 0
                while offset <= buffer.count, let match = try firstMatch(in: buffer, from: offset, session: session) {
                    guard try body(match) else { return }
                    offset = match.range.isEmpty ? Self.nextCharacter(after: match.range.upperBound, in: buffer) : match.range.upperBound
                }
            }
        }
    }

    /// Returns whether the pattern matches anywhere in `text`, throwing on a match error.
    public func isMatch(_ text: String) throws -> Bool {
        var found = false
        try forEachMatch(in: text) { _ in
            found = true
            return false
        }
        return found
    }

    /// Returns whether the pattern matches anywhere in `text`. A match error counts as a match,
    /// so callers that use this to decide what to redact err on the side of redacting. A caller
    /// deciding what to keep should use `isMatch` and treat an error as no match.
    public func matches(_ text: String) -> Bool {
        (try? isMatch(text)) ?? true
    }

    /// Subjects up to this many bytes match on the default 32 KiB JIT stack, which saves
    /// allocating a large stack for the many short keys and values the redactor checks.
    public static let smallSubjectLimit = 4096

    /// Returns the offset of the character after the one at `offset`, skipping UTF-8 continuation bytes.
    public static func nextCharacter(after offset: Int, in buffer: UnsafeBufferPointer<UInt8>) -> Int {
        var next = offset + 1
        while next < buffer.count, buffer[next] & 0xC0 == 0x80 { next += 1 }
        return next
    }
}

/// The per-scan state of PCRE2 matching: match data, a match context and a JIT stack, plus an
/// optional callout. Use one session on one thread at a time.
public final class PCRE2MatchSession {
    /// A function called at each `(?C…)` in the pattern. Returning false makes the match fail at
    /// that point and backtrack, as if the pattern had not matched there.
    public typealias Callout = (PCRE2CalloutContext) -> Bool

    /// The largest JIT stack a scan may grow; 1 MiB is enough for the rules' patterns on
    /// multi-megabyte lines, and a pattern that needs more fails with a match error.
    public static let maximumJITStack = 1 << 20

    let matchData: OpaquePointer
    let matchContext: OpaquePointer
    private let jitStack: OpaquePointer?
    fileprivate var callout: Callout?
    fileprivate let emptySubject = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)

    /// Creates a session; without `largeJITStack`, JIT matching uses libpcre2's default 32 KiB
    /// stack, enough for short subjects.
    public convenience init(for regex: PCRE2Regex, largeJITStack: Bool = true, callout: Callout? = nil) {
        self.init(for: regex, largeJITStack: largeJITStack, callout: callout, alwaysCallsOut: false)
    }

    /// `alwaysCallsOut` installs the callout handler even without a callout, for a session whose
    /// callout `PCRE2Regex.withSession` sets later.
    fileprivate init(for regex: PCRE2Regex, largeJITStack: Bool, callout: Callout?, alwaysCallsOut: Bool) {
        matchData = pcre2_match_data_create_from_pattern_8(regex.code, nil)!
        matchContext = pcre2_match_context_create_8(nil)!
        jitStack = regex.isJITCompiled && largeJITStack
            ? pcre2_jit_stack_create_8(32 * 1024, Self.maximumJITStack, nil) : nil
        self.callout = callout
        emptySubject.initialize(to: 0)
        if let jitStack { pcre2_jit_stack_assign_8(matchContext, nil, UnsafeMutableRawPointer(jitStack)) }
        if callout != nil || alwaysCallsOut {
            pcre2_set_callout_8(matchContext, pcre2SessionCallout, Unmanaged.passUnretained(self).toOpaque())
        }
    }

    deinit {
        pcre2_match_data_free_8(matchData)
        pcre2_match_context_free_8(matchContext)
        if let jitStack { pcre2_jit_stack_free_8(jitStack) }
        emptySubject.deallocate()
    }

    fileprivate func handle(_ block: UnsafeMutablePointer<pcre2_callout_block_8>) -> Int32 {
        guard let callout else { return 0 }
        let info = block.pointee
        var calloutString: String?
        if let text = info.callout_string {
            calloutString = String(decoding: UnsafeBufferPointer(start: text, count: info.callout_string_length), as: UTF8.self)
        }
        let context = PCRE2CalloutContext(
            calloutString: calloutString, calloutNumber: Int(info.callout_number), startOffset: info.start_match,
            currentOffset: info.current_position, offsets: info.offset_vector, captureTop: Int(info.capture_top))
        return callout(context) ? 0 : 1
    }
}

private func pcre2SessionCallout(
    _ block: UnsafeMutablePointer<pcre2_callout_block_8>?, _ data: UnsafeMutableRawPointer?
) -> Int32 {
    guard let block, let data else { return 0 }
    return Unmanaged<PCRE2MatchSession>.fromOpaque(data).takeUnretainedValue().handle(block)
}
