import DiagSupport
import Foundation
import Testing

/// Checks for `report.html`: plain substring checks on the page source and a structural check
/// by Python's `html.parser`, a parser independent of the code that writes the page.
enum HTMLReportInspection {
    /// Strings that must not occur anywhere in the page source, ignoring case.
    static let forbidden = [
        "<script", "http://", "https://", "@import", "url(", "<link", "<img", "<iframe", "<object", "<embed",
        "<base", "javascript:", " src=", " href=", "xlink:href", "expression(",
    ]

    static func forbiddenSubstrings(in html: String) -> [String] {
        let lowered = html.lowercased()
        return forbidden.filter { lowered.contains($0) }
    }

    /// Parses `html` and returns every tag, attribute or style that could run code or fetch
    /// something: script and embedding tags, event handlers, URL attributes, `url(` and
    /// `@import` in CSS (after character references are decoded), and unbalanced tags.
    static func parserFindings(_ html: String) throws -> [String] {
        let script = """
            import html.parser, json, sys
            VOID = {"meta", "br", "hr", "input", "wbr", "area", "col", "source", "track", "param"}
            BAD_TAGS = {"script", "iframe", "object", "embed", "link", "img", "base", "form", "audio", "video",
                        "source", "frame", "frameset", "applet", "image", "use", "foreignobject", "portal"}
            URL_ATTRS = {"href", "src", "xlink:href", "action", "formaction", "srcset", "poster", "background", "data",
                         "ping", "manifest", "codebase", "cite", "longdesc"}
            class Check(html.parser.HTMLParser):
                def __init__(self):
                    super().__init__(convert_charrefs=True)
                    self.findings, self.stack, self.in_style = [], [], False
                def css(self, text, where):
                    low = text.lower().replace(" ", "")
                    for bad in ("url(", "@import", "expression(", "behavior:", "-moz-binding"):
                        if bad in low:
                            self.findings.append(f"{bad} in {where}")
                def attrs(self, tag, attrs):
                    if tag in BAD_TAGS:
                        self.findings.append(f"tag <{tag}>")
                    for name, value in attrs:
                        value = value or ""
                        if name.startswith("on"):
                            self.findings.append(f"event handler {name} on <{tag}>")
                        if name in URL_ATTRS:
                            self.findings.append(f"URL attribute {name} on <{tag}>")
                        if name == "style":
                            self.css(value, f"style of <{tag}>")
                        if name == "http-equiv" and value.lower() != "content-security-policy":
                            self.findings.append(f"meta http-equiv {value}")
                def handle_starttag(self, tag, attrs):
                    self.attrs(tag, attrs)
                    if tag == "style":
                        self.in_style = True
                    if tag not in VOID:
                        self.stack.append(tag)
                def handle_startendtag(self, tag, attrs):
                    self.attrs(tag, attrs)
                def handle_endtag(self, tag):
                    if tag == "style":
                        self.in_style = False
                    if tag in VOID:
                        return
                    if not self.stack or self.stack[-1] != tag:
                        self.findings.append(f"unbalanced </{tag}> (open: {self.stack[-3:]})")
                        if tag in self.stack:
                            while self.stack and self.stack.pop() != tag:
                                pass
                    else:
                        self.stack.pop()
                def handle_data(self, data):
                    if self.in_style:
                        self.css(data, "<style>")
            checker = Check()
            checker.feed(sys.stdin.read())
            checker.close()
            if checker.stack:
                checker.findings.append(f"unclosed tags {checker.stack}")
            print(json.dumps(checker.findings))
            """
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let page = folder.appendingPathComponent("report.html")
        try Data(html.utf8).write(to: page)
        let output = try TestSupport.run("/bin/sh", ["-c", "python3 -c \"$0\" < \"$1\"", script, page.path])
        guard output.status == 0 else { throw DiagError.io("html.parser check failed: \(output.stderr)") }
        return (try JSONValue.parse(output.stdout).arrayValue ?? []).compactMap(\.stringValue)
    }
}

/// `report.html` of a real bundle, rendered by headless Chromium from Debian.
@Suite struct HTMLReportChromiumTests {
    /// The Chromium binary, installed with apt-get when it is missing; nil when that fails.
    static let chromium: String? = {
        let path = "/usr/bin/chromium"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
        let install = try? TestSupport.run(
            "/usr/bin/env", ["apt-get", "install", "-y", "chromium"],
            environment: ["DEBIAN_FRONTEND": "noninteractive"], timeout: 600)
        return install?.status == 0 && FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }()

    /// Writes a screenshot of the page at `page` to `png` with the same options as the README.
    static func screenshot(_ page: URL, to png: URL, chromium: String, height: Int = 2000) throws -> TestSupport.Output {
        let profile = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: profile) }
        return try TestSupport.run(
            chromium,
            [
                "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars", "--user-data-dir=\(profile.path)",
                "--screenshot=\(png.path)", "--window-size=1280,\(height)", page.absoluteString,
            ], timeout: 120)
    }

    @Test(.enabled(if: chromium != nil, "chromium is not installed and 'apt-get install -y chromium' failed, so the page cannot be rendered"))
    func reportRendersInChromium() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let bundle = try ReviewResealTests.collect(work: work, keys: keys)
        let shown = try TestSupport.wakaDiag(["review", bundle.path, "--show", "report.html"], home: work)
        #expect(shown.status == 0, "\(shown.stderr)")
        let html = shown.stdout
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("test-site"))
        #expect(HTMLReportInspection.forbiddenSubstrings(in: html) == [])
        #expect(try HTMLReportInspection.parserFindings(html) == [])

        let page = work.appendingPathComponent("report.html")
        try Data(html.utf8).write(to: page)
        let png = work.appendingPathComponent("report.png")
        let run = try Self.screenshot(page, to: png, chromium: try #require(Self.chromium))
        #expect(run.status == 0, "chromium failed: \(run.stderr.suffix(1500))")

        let image = try Data(contentsOf: png)
        #expect(image.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "the screenshot is not a PNG")
        #expect(image.count > 20_000, "the screenshot has only \(image.count) bytes")
        let width = image[16..<20].reduce(0) { $0 << 8 | Int($1) }
        let height = image[20..<24].reduce(0) { $0 << 8 | Int($1) }
        #expect(width == 1280)
        #expect(height == 2000)
        #expect(try Self.distinctColors(png) > 20, "the screenshot looks blank")
    }

    /// Counts distinct 3-byte samples in a PNG's filtered scanlines, inflated with Python's zlib;
    /// a blank page gives one or two.
    static func distinctColors(_ png: URL) throws -> Int {
        let script = """
            import struct, sys, zlib
            data = open(sys.argv[1], "rb").read()
            pos, idat, width, height, ctype = 8, b"", 0, 0, 0
            while pos < len(data):
                length, kind = struct.unpack(">I4s", data[pos:pos + 8])
                body = data[pos + 8:pos + 8 + length]
                if kind == b"IHDR":
                    width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
                elif kind == b"IDAT":
                    idat += body
                pos += 12 + length
            raw = zlib.decompress(idat)
            channels = {2: 3, 6: 4}.get(ctype, 3)
            stride = width * channels + 1
            colors = set()
            for row in range(0, height, 7):
                line = raw[row * stride + 1:(row + 1) * stride]
                for x in range(0, width * channels, channels * 5):
                    colors.add(line[x:x + 3])
            print(len(colors))
            """
        let output = try TestSupport.run("/usr/bin/env", ["python3", "-c", script, png.path])
        return Int(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }
}
