#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads access-log lines in the common and combined log formats:
/// `host ident user [10/Oct/2000:13:55:36 -0700] "GET /path?query HTTP/1.1" 500 2326 ...`.
///
/// The request becomes a route message for the miner: the method, then one token per path
/// segment (`GET /api /users /42`), without the query string. The miner masks and merges the
/// segments like any other tokens, and `TemplateText` renders the template as one path again.
struct AccessLogLine: Equatable {
    /// The byte ranges of the method and of the path without scheme, host and query, in the line.
    var method: Range<Int>
    var path: Range<Int>
    var status: Int
    var timestamp: Double?

    /// The largest number of path segments kept; deeper paths end in their first segments.
    static let maximumSegments = 16

    /// Returns true for a 5xx status, which counts as an error of the line's route.
    var isServerError: Bool { (500...599).contains(status) }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, scanner: TimestampScanner)
        -> AccessLogLine?
    {
        // Most other lines have no quote at all, and memchr finds that fastest.
        guard start < end, let found = memchr(bytes.baseAddress! + start, Int32(ASCII.quote), end - start) else {
            return nil
        }
        let quote = bytes.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))

        var position = quote + 1
        let methodStart = position
        while position < end, ASCII.isUpper(bytes[position]) { position += 1 }
        guard position - methodStart >= 3, position < end, bytes[position] == ASCII.space else { return nil }
        let method = methodStart..<position
        position += 1

        let pathStart = position
        while position < end, bytes[position] != ASCII.space, bytes[position] != ASCII.quote { position += 1 }
        let pathEnd = position
        guard pathEnd > pathStart, bytes[pathStart] == ASCII.slash || bytes[pathStart] == UInt8(ascii: "h") else {
            return nil
        }
        while position < end, bytes[position] != ASCII.quote { position += 1 }
        guard position + 4 < end, bytes[position + 1] == ASCII.space,
            let status = ASCII.number(bytes, position + 2, position + 5), (100...599).contains(status),
            position + 5 == end || ASCII.isWhitespace(bytes[position + 5])
        else { return nil }

        return AccessLogLine(
            method: method, path: routePath(bytes, pathStart, pathEnd), status: status,
            timestamp: timestamp(bytes, start, quote, scanner: scanner))
    }

    /// Appends the route message, `GET /api /users /42`, to `output`.
    func appendRoute(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[method]))
        var segments = 0
        var position = path.lowerBound
        while position < path.upperBound, segments < Self.maximumSegments {
            while position < path.upperBound, bytes[position] == ASCII.slash { position += 1 }
            guard position < path.upperBound else { break }
            let segmentStart = position
            while position < path.upperBound, bytes[position] != ASCII.slash { position += 1 }
            output.append(ASCII.space)
            output.append(ASCII.slash)
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segmentStart..<position]))
            segments += 1
        }
        if segments == 0 {
            output.append(ASCII.space)
            output.append(ASCII.slash)
        }
    }

    /// Returns the path of a request target without the scheme and host of an absolute URL and
    /// without the query string or fragment.
    private static func routePath(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Range<Int> {
        var pathStart = start
        if bytes[start] != ASCII.slash {
            // An absolute URL in the request line: skip the scheme and host.
            var slashes = 0
            while pathStart < end, slashes < 3 {
                if bytes[pathStart] == ASCII.slash { slashes += 1 }
                if slashes < 3 { pathStart += 1 }
            }
        }
        var pathEnd = pathStart
        while pathEnd < end, bytes[pathEnd] != UInt8(ascii: "?"), bytes[pathEnd] != UInt8(ascii: "#") { pathEnd += 1 }
        return pathStart..<pathEnd
    }

    private static func timestamp(
        _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, scanner: TimestampScanner
    ) -> Double? {
        var open = start
        while open < end, bytes[open] != ASCII.openBracket { open += 1 }
        guard open + 1 < end else { return nil }
        return scanner.match(bytes, at: open + 1, end: end)?.seconds
    }
}
