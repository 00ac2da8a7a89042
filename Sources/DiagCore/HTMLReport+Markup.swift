import DiagSupport
import Foundation

/// Escaping and formatting shared by every section of `report.html`.
enum HTMLText {
    /// Escapes `text` for an HTML text node or a quoted attribute value.
    ///
    /// Besides the five markup characters, `/`, `(` and `@` become character references, so text
    /// taken from a bundle can never form `http://`, `url(`, `@import` or `</style` in the page
    /// source, and a check for those strings finds only what the page's own markup contains.
    /// Control characters other than tab and newline become U+FFFD.
    static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            case "/": output += "&#47;"
            case "(": output += "&#40;"
            case "@": output += "&#64;"
            case "\t", "\n": output.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value) {
                    output += "\u{FFFD}"
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        return output
    }

    /// Shortens `text` to at most `limit` characters, ending with an ellipsis when cut.
    static func shorten(_ text: String, to limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(max(1, limit - 1))) + "…"
    }

    /// Formats a number with about three significant digits and an SI suffix (`12.3k`, `4.5M`).
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "+Inf" : "-Inf") }
        let magnitude = abs(value)
        if magnitude == 0 { return "0" }
        let suffixes: [(Double, String)] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
        for (scale, suffix) in suffixes where magnitude >= scale {
            return trimmed(String(format: "%.3g", value / scale)) + suffix
        }
        if magnitude >= 1, value == value.rounded() { return String(Int64(value)) }
        return trimmed(String(format: "%.3g", value))
    }

    /// Formats a count with thousands separators, the same in every locale.
    static func count(_ value: Int64) -> String {
        let digits = String(abs(value))
        var groups: [String] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(String(digits[start..<end]), at: 0)
            end = start
        }
        return (value < 0 ? "-" : "") + groups.joined(separator: ",")
    }

    /// Formats a value with its unit: bytes in binary multiples, seconds as a duration, ratios as percent.
    static func measure(_ value: Double, unit: String?) -> String {
        guard value.isFinite else { return number(value) }
        switch unit?.lowercased() {
        case "bytes", "byte":
            let units = ["B", "KiB", "MiB", "GiB", "TiB"]
            var scaled = value
            var index = 0
            while abs(scaled) >= 1024, index < units.count - 1 {
                scaled /= 1024
                index += 1
            }
            return trimmed(String(format: "%.3g", scaled)) + " " + units[index]
        case "seconds", "second", "s":
            return abs(value) >= 1 ? DurationText.format(value) : trimmed(String(format: "%.3g", value * 1000)) + " ms"
        case "ratio":
            return trimmed(String(format: "%.3g", value * 100)) + "%"
        case "percent", "%":
            return trimmed(String(format: "%.3g", value)) + "%"
        default:
            return number(value)
        }
    }

    /// `HH:MM` in UTC, with the month and day in front when the window spans more than a day.
    static func clock(_ date: Date, withDay: Bool) -> String {
        let text = Timestamp.format(date)
        let time = text.dropFirst(11).prefix(5)
        return withDay ? "\(text.dropFirst(5).prefix(5)) \(time)" : String(time)
    }

    /// Formats a coordinate for SVG with at most one decimal.
    static func coordinate(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int64(rounded)) : String(rounded)
    }

    private static func trimmed(_ text: String) -> String {
        guard text.contains("."), !text.contains("e") else { return text }
        var result = text
        while result.hasSuffix("0") { result.removeLast() }
        if result.hasSuffix(".") { result.removeLast() }
        return result
    }
}

extension HTMLReport {
    /// The page's only style sheet, inline. It names local font families only, so the page loads
    /// nothing, and it has a print layout so the report can be saved as PDF from a browser.
    static let styleSheet = """
        :root{--ink:#1d2433;--muted:#5f6b7d;--line:#e3e7ee;--panel:#ffffff;--page:#f4f6fa;--accent:#2f5bd3;
        --ok:#1f8a4c;--warn:#b7791f;--bad:#c53030;--pending:#d69e2e;--firing:#d64545}
        *{box-sizing:border-box}
        body{margin:0;background:var(--page);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
        header{background:#17203a;color:#fff;padding:22px 36px 18px}
        header h1{margin:0;font-size:21px;font-weight:600;letter-spacing:.2px}
        header .sub{margin-top:4px;color:#b9c3dc;font-size:13px}
        main{max-width:1200px;margin:0 auto;padding:20px 36px 40px}
        section{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:16px 20px;margin:0 0 18px}
        h2{font-size:16px;margin:0 0 10px;font-weight:600}
        h3{font-size:14px;margin:14px 0 6px;font-weight:600}
        h2 .note{font-weight:400;color:var(--muted);font-size:13px;margin-left:8px}
        .facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:10px}
        .fact{border:1px solid var(--line);border-radius:8px;padding:8px 12px;background:#fafbfd}
        .fact .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.4px}
        .fact .v{font-size:15px;font-weight:600;margin-top:2px;overflow-wrap:anywhere}
        table{border-collapse:collapse;width:100%}
        th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
        th{color:var(--muted);font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.3px}
        td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        code,.mono{font-family:ui-monospace,"SFMono-Regular","DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12.5px}
        .pill{display:inline-block;padding:1px 9px;border-radius:10px;font-size:12px;font-weight:600;background:#eef1f6;color:var(--muted)}
        .pill.ok{background:#e3f4ea;color:var(--ok)}
        .pill.partial,.pill.skipped{background:#fbf1dc;color:var(--warn)}
        .pill.bad{background:#fde7e7;color:var(--bad)}
        .muted{color:var(--muted)}
        .empty{color:var(--muted);font-style:italic}
        svg{display:block}
        svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:var(--ink)}
        .axis line{stroke:var(--line)}
        .axis text{fill:var(--muted);font-size:11px}
        .lane{fill:#f5f7fb}
        .firing{fill:var(--firing)}
        .pending{fill:var(--pending)}
        .other{fill:#8a94a6}
        .legend{display:flex;gap:16px;font-size:12px;color:var(--muted);margin-top:6px}
        .swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
        .sparks{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:12px}
        .spark{border:1px solid var(--line);border-radius:8px;padding:10px 12px 8px;background:#fafbfd;min-width:0}
        .spark .name{font-weight:600;font-size:13px;overflow-wrap:anywhere}
        .spark .labels{color:var(--muted);font-size:11.5px;overflow-wrap:anywhere;min-height:16px}
        .spark .stats{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:6px;margin-top:4px;font-variant-numeric:tabular-nums}
        .spark .stats i{display:block;font-style:normal;color:var(--muted);font-size:10.5px;text-transform:uppercase;letter-spacing:.3px}
        .spark .stats b{display:block;font-size:12.5px;font-weight:600;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
        .line{fill:none;stroke:var(--accent);stroke-width:1.6;stroke-linejoin:round;stroke-linecap:round}
        .area{fill:#2f5bd3;fill-opacity:.09}
        .bar{fill:var(--accent);fill-opacity:.75}
        .bucket{fill:var(--firing);fill-opacity:.8}
        details summary{cursor:pointer;color:var(--accent)}
        ul.plain{margin:6px 0 0;padding-left:18px}
        footer{color:var(--muted);font-size:12px;text-align:center;padding:0 0 28px}
        @media print{body{background:#fff}section{break-inside:avoid}}
        """
}
