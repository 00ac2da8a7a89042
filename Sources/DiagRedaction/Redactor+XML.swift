import Foundation

extension Redactor {
    /// File name extensions of XML documents: Maven and Tomcat configs, .NET `web.config` and
    /// project files, property lists, schemas.
    static let xmlExtensions: Set<String> = ["xml", "config", "xsd", "wsdl", "plist", "csproj", "props", "targets"]

    /// Returns whether `file` is an XML document: its extension is one of `xmlExtensions` and its
    /// text starts with `<` after blanks and a byte order mark.
    static func isXML(file: String, text: String) -> Bool {
        guard let dot = file.lastIndex(of: "."), xmlExtensions.contains(file[file.index(after: dot)...].lowercased()) else {
            return false
        }
        return text.unicodeScalars.first { $0 != "\u{FEFF}" && !$0.properties.isWhitespace } == "<"
    }

    /// Returns whether `file` is an XML document, as `isXML(file:text:)` reads its start in `data`.
    public static func isXML(file: String, data: Data) -> Bool {
        isXML(file: file, text: String(decoding: data.prefix(64), as: UTF8.self))
    }

    /// Returns `text` with each `<redacted:…>` marker written as `&lt;redacted:…&gt;`. A marker
    /// in an attribute (`password="<redacted:…>"`) or in element text would otherwise make the
    /// document invalid XML. `markerRanges` reads both forms.
    static func escapingMarkers(inXML text: String) -> String {
        var text = text
        return text.withUTF8 { buffer in
            let markers = KnownValueSweep.markerRanges(buffer)
            guard !markers.isEmpty else { return String(decoding: buffer, as: UTF8.self) }
            var output: [UInt8] = []
            output.reserveCapacity(buffer.count + markers.count * 6)
            var position = 0
            for marker in markers {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[position..<marker.lowerBound]))
                output.append(contentsOf: "&lt;".utf8)
                output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[(marker.lowerBound + 1)..<(marker.upperBound - 1)]))
                output.append(contentsOf: "&gt;".utf8)
                position = marker.upperBound
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[position...]))
            return String(decoding: output, as: UTF8.self)
        }
    }
}
