import CZlib
import DiagSupport

/// A streaming gzip decoder over zlib's `inflate`, fed compressed chunks and handing on
/// decompressed chunks, with fixed buffers so memory does not grow with the file.
///
/// It reads concatenated members (as `cat a.gz b.gz` or `gzip` with several inputs write them)
/// and ignores zero bytes after the last member, as GNU gzip does for padded tape archives. Any
/// other data after a member, a damaged member or a file that ends inside a member is an error.
/// The decoder owns its `z_stream` and frees it in `deinit`.
final class GzipDecoder {
    /// The size of the output buffer handed to `inflate`, in bytes.
    static let outputSize = 65_536

    /// zlib's window bits: 15 for the largest window, plus 32 to detect a gzip or zlib header.
    private static let windowBits: Int32 = 15 + 32

    private enum State {
        /// Inside a member, or before the first byte of the next one.
        case member(started: Bool)
        /// After a member, where only zero padding may follow.
        case padding
    }

    private let stream: UnsafeMutablePointer<z_stream>
    private var output: [UInt8]
    private var state = State.member(started: false)
    /// The number of members decoded completely.
    private(set) var membersDecoded = 0

    init() throws {
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // inflateInit2 is a C macro; the function behind it also checks the zlib version and
        // the struct size. The stream must not move afterwards, because zlib keeps its address.
        let status = inflateInit2_(stream, Self.windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw GzipError.setup("inflateInit2 returned \(status)")
        }
        output = [UInt8](repeating: 0, count: Self.outputSize)
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Decompresses `input` and passes every produced piece to `consume`, in order.
    func feed(_ input: UnsafeBufferPointer<UInt8>, consume: (UnsafeBufferPointer<UInt8>) -> Void) throws {
        guard let base = input.baseAddress, !input.isEmpty else { return }
        var offset = 0
        while offset < input.count {
            switch state {
            case .padding:
                offset = try skipPadding(input, from: offset)
                continue
            case .member(started: false) where membersDecoded > 0:
                // Between members: another member must start with the gzip magic byte 0x1F.
                if input[offset] == 0 {
                    state = .padding
                    continue
                }
                if input[offset] != 0x1F { throw GzipError.trailingData(membersDecoded: membersDecoded) }
            default:
                break
            }
            state = .member(started: true)
            offset += try inflateMember(UnsafeMutablePointer(mutating: base + offset), count: input.count - offset, consume: consume)
        }
    }

    /// Checks that the input ended between members; call it once after the last `feed`.
    func finish() throws {
        if case .member(started: true) = state {
            throw GzipError.truncated(membersDecoded: membersDecoded)
        }
        if membersDecoded == 0 { throw GzipError.truncated(membersDecoded: 0) }
    }

    /// Inflates from `input` until the member ends or the input is used up; returns the bytes consumed.
    private func inflateMember(
        _ input: UnsafeMutablePointer<UInt8>, count: Int, consume: (UnsafeBufferPointer<UInt8>) -> Void
    ) throws -> Int {
        stream.pointee.next_in = input
        stream.pointee.avail_in = UInt32(count)
        defer {
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
        }

        while true {
            let status = output.withUnsafeMutableBufferPointer { buffer -> Int32 in
                stream.pointee.next_out = buffer.baseAddress
                stream.pointee.avail_out = UInt32(buffer.count)
                let status = inflate(stream, Z_NO_FLUSH)
                let produced = buffer.count - Int(stream.pointee.avail_out)
                if produced > 0 { consume(UnsafeBufferPointer(rebasing: buffer[0..<produced])) }
                return status
            }
            let outputFull = stream.pointee.avail_out == 0
            switch status {
            case Z_STREAM_END:
                membersDecoded += 1
                guard inflateReset(stream) == Z_OK else { throw GzipError.setup("inflateReset failed") }
                state = .member(started: false)
                return count - Int(stream.pointee.avail_in)
            case Z_OK, Z_BUF_ERROR:
                // Z_BUF_ERROR only means no progress was possible: the input is used up.
                if stream.pointee.avail_in == 0 && !outputFull { return count }
                if status == Z_BUF_ERROR && !outputFull {
                    throw GzipError.damaged(member: membersDecoded + 1, detail: "inflate made no progress")
                }
            case Z_NEED_DICT:
                throw GzipError.damaged(member: membersDecoded + 1, detail: "the stream needs a preset dictionary, which gzip never uses")
            case Z_MEM_ERROR:
                throw GzipError.setup("zlib ran out of memory")
            default:
                // Z_DATA_ERROR and Z_STREAM_ERROR: zlib names the problem in `msg`.
                let detail = stream.pointee.msg.map { String(cString: $0) } ?? "inflate returned \(status)"
                throw GzipError.damaged(member: membersDecoded + 1, detail: detail)
            }
        }
    }

    /// Skips zero bytes after the last member; returns the offset of the end of `input`.
    private func skipPadding(_ input: UnsafeBufferPointer<UInt8>, from offset: Int) throws -> Int {
        for index in offset..<input.count where input[index] != 0 {
            throw GzipError.trailingData(membersDecoded: membersDecoded)
        }
        return input.count
    }
}

/// A failure to read a gzip file to its end.
enum GzipError: Error, CustomStringConvertible {
    case setup(String)
    case damaged(member: Int, detail: String)
    case truncated(membersDecoded: Int)
    case trailingData(membersDecoded: Int)

    var description: String {
        switch self {
        case .setup(let detail):
            return "zlib could not start decompressing (\(detail))"
        case .damaged(let member, let detail):
            return "gzip member \(member) is damaged (\(detail))"
        case .truncated(let members):
            return "the gzip data ends inside member \(members + 1); the file is truncated, possibly still being written"
        case .trailingData(let members):
            return "the file continues after gzip member \(members) with data that is not gzip"
        }
    }
}
