import Foundation

/// Reads request heads and bodies from one connection, keeping bytes that arrive past the end of
/// a request for the next one.
struct ConnectionReader {
    let socket: SocketHandle
    let limits: HTTPServer.Limits
    let shouldStop: () -> Bool
    private var buffer: [UInt8] = []

    init(socket: SocketHandle, limits: HTTPServer.Limits, shouldStop: @escaping () -> Bool) {
        self.socket = socket
        self.limits = limits
        self.shouldStop = shouldStop
    }

    enum HeadResult {
        /// The client closed the connection, went idle, or the server is stopping, between requests.
        case closed
        /// The head is invalid, too large or too slow; send this response and close.
        case failed(HTTPResponse)
        case head(HTTPRequestHead)
    }

    /// Reads up to the blank line that ends a request head and parses it.
    mutating func readHead() -> HeadResult {
        let terminator: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]
        let maximum = limits.head.maximumHeaderBytes + terminator.count
        var headDeadline: Date? = buffer.isEmpty ? nil : Date().addingTimeInterval(limits.headTimeout)
        var searchFrom = 0

        while true {
            if let end = firstIndex(of: terminator, from: searchFrom) {
                let head = Array(buffer[0..<end])
                buffer.removeFirst(end + terminator.count)
                switch HTTPRequestHead.parse(head, limits: limits.head) {
                case .success(let parsed): return .head(parsed)
                case .failure(let response): return .failed(response)
                }
            }
            guard buffer.count < maximum else {
                let firstLine = buffer.firstIndex(of: 0x0D) ?? buffer.count
                if firstLine > limits.head.maximumRequestLineBytes {
                    return .failed(.error(414, "the request line is longer than \(limits.head.maximumRequestLineBytes) bytes"))
                }
                return .failed(.error(431, "the request header section is larger than \(limits.head.maximumHeaderBytes) bytes"))
            }
            searchFrom = max(0, buffer.count - terminator.count + 1)

            let idleDeadline = Date().addingTimeInterval(limits.idleTimeout)
            let deadline = headDeadline.map { min($0, idleDeadline) } ?? idleDeadline
            switch socket.wait(until: deadline, shouldStop: shouldStop) {
            case .stopped:
                return .closed
            case .timedOut:
                return buffer.isEmpty ? .closed : .failed(.error(408, "the request head did not arrive in time"))
            case .ready:
                break
            }
            guard let bytes = socket.receive(upTo: 16 << 10), !bytes.isEmpty else {
                return .closed
            }
            if headDeadline == nil { headDeadline = Date().addingTimeInterval(limits.headTimeout) }
            buffer += bytes
        }
    }

    /// Reads exactly `length` body bytes, or returns nil when the client stops sending or goes idle.
    mutating func readBody(length: Int) -> Data? {
        var body = Data(capacity: length)
        let fromBuffer = min(length, buffer.count)
        body.append(contentsOf: buffer[0..<fromBuffer])
        buffer.removeFirst(fromBuffer)

        while body.count < length {
            guard socket.wait(until: Date().addingTimeInterval(limits.idleTimeout), shouldStop: shouldStop) == .ready else {
                return nil
            }
            guard let bytes = socket.receive(upTo: min(256 << 10, length - body.count)), !bytes.isEmpty else {
                return nil
            }
            body.append(contentsOf: bytes)
        }
        return body
    }

    private func firstIndex(of pattern: [UInt8], from start: Int) -> Int? {
        guard buffer.count >= pattern.count else { return nil }
        var index = start
        while index + pattern.count <= buffer.count {
            if buffer[index] == pattern[0] && Array(buffer[index..<(index + pattern.count)]) == pattern { return index }
            index += 1
        }
        return nil
    }
}
