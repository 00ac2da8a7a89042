import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One libcurl easy handle and the C memory its options point to: option strings, the header
/// list and the error buffer. libcurl keeps pointers to these for the handle's whole life, so
/// they are freed together in `deinit`, after `curl_easy_cleanup`.
final class CurlEasyHandle {
    let library: CurlLibrary
    let handle: OpaquePointer
    let errorBuffer: UnsafeMutablePointer<CChar>
    private var strings: [UnsafeMutablePointer<CChar>] = []
    private var headerList: OpaquePointer?

    init?(library: CurlLibrary) {
        guard let handle = library.easyInit() else { return nil }
        self.library = library
        self.handle = handle
        errorBuffer = .allocate(capacity: CurlOption.errorBufferSize)
        errorBuffer.initialize(repeating: 0, count: CurlOption.errorBufferSize)
    }

    deinit {
        library.easyCleanup(handle)
        if let headerList { library.slistFree(headerList) }
        for string in strings { free(string) }
        errorBuffer.deallocate()
    }

    /// Sets a long option; only `CURLE_OK` (0) counts as success.
    func set(_ option: Int32, _ value: Int) -> Bool {
        library.setLong(handle, option, value) == CurlCode.ok
    }

    /// Sets a string option from a copy that lives as long as the handle.
    func set(_ option: Int32, _ value: String) -> Bool {
        guard let copy = strdup(value) else { return false }
        strings.append(copy)
        return library.setPointer(handle, option, UnsafeRawPointer(copy)) == CurlCode.ok
    }

    /// Sets a pointer option: callback data, a callback function or the error buffer.
    func set(_ option: Int32, pointer: UnsafeRawPointer?) -> Bool {
        library.setPointer(handle, option, pointer) == CurlCode.ok
    }

    /// Sets the request headers as `Name: value` lines.
    func setHeaders(_ headers: [String: String]) -> Bool {
        var list: OpaquePointer?
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            guard let appended = library.slistAppend(list, "\(name): \(value)") else {
                if let list { library.slistFree(list) }
                return false
            }
            list = appended
        }
        headerList = list
        return library.setPointer(handle, CurlOption.httpHeader, list.map { UnsafeRawPointer($0) }) == CurlCode.ok
    }

    func perform() -> Int32 {
        library.perform(handle)
    }

    func responseCode() -> Int {
        var code = 0
        return library.getLong(handle, CurlOption.infoResponseCode, &code) == CurlCode.ok ? code : 0
    }

    /// libcurl's message for the last failure: the error buffer, or the code's generic text.
    func errorText(_ code: Int32) -> String {
        let detail = String(cString: errorBuffer)
        if !detail.isEmpty { return detail }
        return library.strerror(code).map { String(cString: $0) } ?? "libcurl error \(code)"
    }
}
