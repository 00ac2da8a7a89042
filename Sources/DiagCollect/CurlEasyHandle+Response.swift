import Foundation

/// An object that takes one libcurl transfer's header lines and body, and can stop it. libcurl
/// calls these on the thread that runs `curl_easy_perform`.
protocol CurlResponseReceiver: AnyObject {
    /// Takes a piece of the body; returning false stops the transfer with CURLE_WRITE_ERROR.
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool
    func receiveHeaderLine(_ line: String)
    /// Returns true to stop the transfer with CURLE_ABORTED_BY_CALLBACK. libcurl asks about once
    /// a second when idle and more often while data flows.
    func shouldAbort() -> Bool
}

extension CurlEasyHandle {
    /// Sets a custom CA, a client certificate and key, and whether proxies from the environment
    /// are used; an empty proxy turns them off.
    func setTLS(_ tls: TLSFiles, useEnvironmentProxy: Bool) -> Bool {
        var ok = true
        if !useEnvironmentProxy { ok = ok && set(CurlOption.proxy, "") }
        if let caFile = tls.caFile { ok = ok && set(CurlOption.caInfo, caFile.path) }
        if let certificate = tls.clientCertificateFile { ok = ok && set(CurlOption.sslCertificate, certificate.path) }
        if let key = tls.clientKeyFile { ok = ok && set(CurlOption.sslKey, key.path) }
        return ok
    }

    /// Routes the body, the header lines and the progress checks to `receiver`, which must live
    /// as long as the transfer runs.
    func setReceiver(_ receiver: CurlResponseReceiver) -> Bool {
        let context = UnsafeRawPointer(Unmanaged<AnyObject>.passUnretained(receiver).toOpaque())
        var ok = set(CurlOption.writeData, pointer: context)
        ok = ok && set(CurlOption.writeFunction, pointer: unsafeBitCast(CurlCallbacks.write, to: UnsafeRawPointer.self))
        ok = ok && set(CurlOption.headerData, pointer: context)
        ok = ok && set(CurlOption.headerFunction, pointer: unsafeBitCast(CurlCallbacks.header, to: UnsafeRawPointer.self))
        ok = ok && set(CurlOption.xferInfoData, pointer: context)
        ok = ok && set(CurlOption.xferInfoFunction, pointer: unsafeBitCast(CurlCallbacks.progress, to: UnsafeRawPointer.self))
        ok = ok && set(CurlOption.noProgress, 0)
        return ok
    }
}

/// The C callbacks that hand libcurl's data to a `CurlResponseReceiver`.
private enum CurlCallbacks {
    typealias Data = @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int
    typealias Progress = @convention(c) (UnsafeMutableRawPointer?, Int64, Int64, Int64, Int64) -> Int32

    static func receiver(_ context: UnsafeMutableRawPointer?) -> CurlResponseReceiver? {
        context.flatMap { Unmanaged<AnyObject>.fromOpaque($0).takeUnretainedValue() as? CurlResponseReceiver }
    }

    /// Returning less than the length given makes libcurl stop with CURLE_WRITE_ERROR.
    static let write: Data = { data, size, count, context in
        guard let receiver = receiver(context), let data else { return 0 }
        let length = size * count
        return receiver.receiveBody(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
    }

    static let header: Data = { data, size, count, context in
        guard let receiver = receiver(context), let data else { return 0 }
        let length = size * count
        receiver.receiveHeaderLine(String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self))
        return length
    }

    static let progress: Progress = { context, _, _, _, _ in
        guard let receiver = receiver(context) else { return 1 }
        return receiver.shouldAbort() ? 1 : 0
    }
}

/// One header line of a response, as libcurl passes it to the header callback.
enum CurlHeaderLine {
    /// Returns whether `line` is a status line, which starts a new response (after a redirect
    /// or a `100 Continue`).
    static func isStatusLine(_ line: String) -> Bool {
        line.hasPrefix("HTTP/")
    }

    /// Returns the lower-case field name and the trimmed value of a `Name: value` line, or nil.
    static func field(_ line: String) -> (name: String, value: String)? {
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        return (name, line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
