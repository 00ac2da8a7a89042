import DiagCollect
import DiagCore
import Foundation

/// Shows `collect`'s progress on stderr: one line per source with its state and elapsed time,
/// redrawn in place at most 10 times per second. Colour follows `Terminal.useColor`; cursor
/// movement is used even with `NO_COLOR`, which only concerns colour.
final class TerminalProgress: CollectionProgress, @unchecked Sendable {
    /// The time between redraws: 100 ms, so at most 10 updates per second.
    static let redrawInterval = DispatchTimeInterval.milliseconds(100)

    private struct Line {
        var name: String
        var endpoint: String
        var started: Date
        var finished: Date?
        var status: SourceStatus?
    }

    private let lock = NSLock()
    private var lines: [Line] = []
    private var step: String?
    private var drawnLines = 0
    private var dirty = false
    private var stopped = false
    private let timer: DispatchSourceTimer
    private let width: Int

    init() {
        width = Self.terminalWidth()
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "waka-diag.progress"))
        timer.schedule(deadline: .now() + Self.redrawInterval, repeating: Self.redrawInterval)
        timer.setEventHandler { [weak self] in self?.tick() }
        timer.resume()
    }

    func sourceStarted(_ name: String, endpoint: String) {
        lock.lock()
        lines.append(Line(name: name, endpoint: endpoint, started: Date()))
        dirty = true
        lock.unlock()
    }

    func sourceFinished(_ result: SourceResult) {
        lock.lock()
        if let index = lines.firstIndex(where: { $0.name == result.name && $0.finished == nil }) {
            lines[index].finished = Date()
            lines[index].status = result.status
        }
        dirty = true
        lock.unlock()
    }

    func step(_ message: String) {
        lock.lock()
        step = message
        dirty = true
        lock.unlock()
    }

    /// Draws the final state once and stops redrawing; call before printing anything else.
    func finish() {
        lock.lock()
        guard !stopped else {
            lock.unlock()
            return
        }
        stopped = true
        step = nil
        let text = render()
        lock.unlock()
        timer.cancel()
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Redraws when something changed or a source is still running, whose elapsed time moves.
    private func tick() {
        lock.lock()
        guard !stopped, dirty || lines.contains(where: { $0.finished == nil }) else {
            lock.unlock()
            return
        }
        dirty = false
        let text = render()
        lock.unlock()
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Returns the bytes that move the cursor back over the previous drawing and draw the
    /// current one, clearing rows the previous drawing had beyond it; must be called with
    /// `lock` held.
    private func render() -> String {
        var output = drawnLines > 0 ? "\r\u{1B}[\(drawnLines)A" : ""
        var rows = lines.map(describe)
        if let step { rows.append("  \(step)") }
        for row in rows { output += "\u{1B}[2K" + clip(row) + "\n" }
        let stale = drawnLines - rows.count
        if stale > 0 {
            output += String(repeating: "\u{1B}[2K\n", count: stale) + "\u{1B}[\(stale)A"
        }
        drawnLines = rows.count
        return output
    }

    private func describe(_ line: Line) -> String {
        let elapsed = (line.finished ?? Date()).timeIntervalSince(line.started)
        let state: String
        let mark: String
        if let status = line.status {
            state = status.rawValue
            mark = status == .ok ? Terminal.paint("✓", code: "32") : Terminal.paint("✗", code: "31")
        } else {
            state = "running"
            mark = Terminal.paint("…", code: "36")
        }
        let name = line.name.padding(toLength: max(16, line.name.count), withPad: " ", startingAt: 0)
        let statePadded = state.padding(toLength: 17, withPad: " ", startingAt: 0)
        return "\(mark) \(name) \(statePadded) \(String(format: "%6.1f s", elapsed))  \(line.endpoint)"
    }

    /// Cuts a row to the terminal width, so that no row wraps and the cursor count stays right.
    private func clip(_ row: String) -> String {
        var visible = 0
        var output = ""
        var inEscape = false
        for character in row {
            if character == "\u{1B}" { inEscape = true }
            if !inEscape {
                if visible >= width - 1 { break }
                visible += 1
            }
            output.append(character)
            if inEscape, character == "m" { inEscape = false }
        }
        return output + (Terminal.useColor ? "\u{1B}[0m" : "")
    }

    static func terminalWidth() -> Int {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 10 else { return 80 }
        return Int(size.ws_col)
    }
}

/// Writes one plain line per event, for stderr that is not a terminal (a log file or a pipe).
struct LogLineProgress: CollectionProgress {
    func sourceStarted(_ name: String, endpoint: String) {
        Terminal.err("collect: \(name) started (\(endpoint))")
    }

    func sourceFinished(_ result: SourceResult) {
        Terminal.err("collect: \(result.name) \(result.status.rawValue) in \(String(format: "%.1f", result.durationSeconds)) s")
    }

    func step(_ message: String) {
        Terminal.err("collect: \(message)")
    }
}
