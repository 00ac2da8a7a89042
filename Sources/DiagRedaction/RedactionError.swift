import DiagSupport

/// A document the redactor cannot process; the caller leaves the file out of the bundle.
public enum RedactionError: DiagnosticError, Equatable {
    /// The data contains NUL bytes, so it is not text.
    case binary(file: String)
    /// The data is not valid UTF-8; `offset` is the first invalid byte.
    case invalidUTF8(file: String, offset: Int)
    /// The data claims a structured format (JSON, YAML) but does not parse.
    case malformed(file: String, format: String, reason: String)
    /// The regex engine failed part way, so part of the text was not scanned.
    case engine(file: String, reason: String)
    /// A streamed file has a line longer than `limit` bytes, so it cannot be redacted line by line.
    case lineTooLong(file: String, line: Int, limit: Int)
    /// A streamed file could not be read or its redacted copy could not be written.
    case io(file: String, reason: String)

    public var exitStatus: ExitStatus { .dataError }

    public var description: String {
        if case .io = self { return cause + "; no redacted copy was written" }
        return cause + "; it was left out"
    }

    /// Returns what the operator can do to redact the file after all, or nil when there is nothing
    /// to suggest.
    public var fix: String? {
        switch self {
        case .binary:
            return "export its content as text first, or leave it out"
        case .invalidUTF8:
            return "convert it to UTF-8 (for example: iconv -f LATIN1 -t UTF-8 FILE > FILE.txt) and redact the converted copy"
        case .malformed(_, let format, _):
            return "fix the \(format), or give the file a .txt name to redact it as plain text"
        case .lineTooLong:
            return "split the long lines (for example: fold -w 65536 FILE > FILE.txt) and redact the result"
        case .engine:
            return "split the file into smaller files and redact them one at a time"
        case .io:
            return nil
        }
    }

    /// Returns what went wrong, without what the caller did about it, for a caller that writes
    /// nothing either way, such as a dry run.
    public var cause: String {
        switch self {
        case .binary(let file):
            return "cannot redact \(file): it contains NUL bytes, so it is binary, not text"
        case .invalidUTF8(let file, let offset):
            return "cannot redact \(file): invalid UTF-8 at byte \(offset)"
        case .malformed(let file, let format, let reason):
            return "cannot redact \(file): invalid \(format) (\(reason))"
        case .engine(let file, let reason):
            return "cannot redact \(file): the pattern engine failed (\(reason))"
        case .lineTooLong(let file, let line, let limit):
            return "cannot redact \(file): line \(line) is longer than \(limit) bytes, the line limit for streamed files"
        case .io(let file, let reason):
            return "cannot redact \(file): \(reason)"
        }
    }
}
