import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The libcurl functions that `CurlTransfer` calls, loaded at run time from `libcurl.so.4`, the
/// library FoundationNetworking itself links on Linux.
///
/// FoundationNetworking offers no way to set a CA file or a client certificate and busy-waits on
/// a silent server (see `CurlTransfer`), and the package has no libcurl system-library target, so
/// the functions are looked up with `dlsym`.
/// NOTE: `curl_easy_setopt` and `curl_easy_getinfo` are variadic in C and are called here
/// through fixed prototypes (one long, pointer or function-pointer argument). That matches the
/// x86-64 System V and AArch64 Linux calling conventions for these argument types, but it is
/// not portable C; a `CCurl` system-library target would let Swift call them as declared.
final class CurlLibrary: @unchecked Sendable {
    typealias EasyInit = @convention(c) () -> OpaquePointer?
    typealias EasyCleanup = @convention(c) (OpaquePointer?) -> Void
    typealias SetLong = @convention(c) (OpaquePointer?, Int32, Int) -> Int32
    typealias SetPointer = @convention(c) (OpaquePointer?, Int32, UnsafeRawPointer?) -> Int32
    typealias Perform = @convention(c) (OpaquePointer?) -> Int32
    typealias GetLong = @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<Int>) -> Int32
    typealias StrError = @convention(c) (Int32) -> UnsafePointer<CChar>?
    typealias SlistAppend = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> OpaquePointer?
    typealias SlistFree = @convention(c) (OpaquePointer?) -> Void
    typealias GlobalInit = @convention(c) (Int) -> Int32

    let easyInit: EasyInit
    let easyCleanup: EasyCleanup
    let setLong: SetLong
    let setPointer: SetPointer
    let perform: Perform
    let getLong: GetLong
    let strerror: StrError
    let slistAppend: SlistAppend
    let slistFree: SlistFree

    private static let lock = NSLock()
    nonisolated(unsafe) private static var loaded: Result<CurlLibrary, CurlLoadError>?

    /// Returns the library, loading it on first use; the failure names what is missing.
    static func shared() -> Result<CurlLibrary, CurlLoadError> {
        lock.lock()
        defer { lock.unlock() }
        if let loaded { return loaded }
        let result = load()
        loaded = result
        return result
    }

    private init(handle: UnsafeMutableRawPointer) throws(CurlLoadError) {
        func symbol<T>(_ name: String, as type: T.Type) throws(CurlLoadError) -> T {
            guard let address = dlsym(handle, name) else { throw CurlLoadError(reason: "libcurl.so.4 has no symbol \(name)") }
            return unsafeBitCast(address, to: type)
        }
        easyInit = try symbol("curl_easy_init", as: EasyInit.self)
        easyCleanup = try symbol("curl_easy_cleanup", as: EasyCleanup.self)
        setLong = try symbol("curl_easy_setopt", as: SetLong.self)
        setPointer = try symbol("curl_easy_setopt", as: SetPointer.self)
        perform = try symbol("curl_easy_perform", as: Perform.self)
        getLong = try symbol("curl_easy_getinfo", as: GetLong.self)
        strerror = try symbol("curl_easy_strerror", as: StrError.self)
        slistAppend = try symbol("curl_slist_append", as: SlistAppend.self)
        slistFree = try symbol("curl_slist_free_all", as: SlistFree.self)

        // Safe to repeat: libcurl counts global initializations.
        let globalInit = try symbol("curl_global_init", as: GlobalInit.self)
        guard globalInit(3) == 0 else { throw CurlLoadError(reason: "curl_global_init failed") }
    }

    private static func load() -> Result<CurlLibrary, CurlLoadError> {
        guard let handle = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
            return .failure(CurlLoadError(reason: "cannot load libcurl.so.4 (\(reason)); install the libcurl4 package"))
        }
        do {
            return .success(try CurlLibrary(handle: handle))
        } catch {
            return .failure(error)
        }
    }
}

/// The reason libcurl could not be loaded.
struct CurlLoadError: Error, Sendable {
    var reason: String
}

/// libcurl option and information numbers from `curl/curl.h` (7.88), stable across releases.
enum CurlOption {
    static let writeData: Int32 = 10001
    static let url: Int32 = 10002
    static let proxy: Int32 = 10004
    static let errorBuffer: Int32 = 10010
    static let writeFunction: Int32 = 20011
    static let lowSpeedLimit: Int32 = 19
    static let lowSpeedTime: Int32 = 20
    static let httpHeader: Int32 = 10023
    static let sslCertificate: Int32 = 10025
    static let headerData: Int32 = 10029
    static let noProgress: Int32 = 43
    static let followLocation: Int32 = 52
    static let xferInfoData: Int32 = 10057
    static let caInfo: Int32 = 10065
    static let maximumRedirects: Int32 = 68
    static let headerFunction: Int32 = 20079
    static let httpGet: Int32 = 80
    static let sslKey: Int32 = 10087
    static let noSignal: Int32 = 99
    static let acceptEncoding: Int32 = 10102
    static let timeoutMilliseconds: Int32 = 155
    static let connectTimeoutMilliseconds: Int32 = 156
    static let protocols: Int32 = 181
    static let redirectProtocols: Int32 = 182
    static let xferInfoFunction: Int32 = 20219

    static let infoResponseCode: Int32 = 0x200002
    /// CURLPROTO_HTTP | CURLPROTO_HTTPS.
    static let httpAndHTTPS = 3
    static let errorBufferSize = 256
}

/// libcurl result codes that `CurlTransfer` distinguishes.
enum CurlCode {
    static let ok: Int32 = 0
    static let couldNotResolveHost: Int32 = 6
    static let couldNotConnect: Int32 = 7
    static let partialFile: Int32 = 18
    static let writeError: Int32 = 23
    static let operationTimedOut: Int32 = 28
    static let sslConnectError: Int32 = 35
    static let abortedByCallback: Int32 = 42
    static let tooManyRedirects: Int32 = 47
    static let gotNothing: Int32 = 52
    static let sendError: Int32 = 55
    static let receiveError: Int32 = 56
    static let sslCertificateProblem: Int32 = 58
    static let peerFailedVerification: Int32 = 60
    static let badContentEncoding: Int32 = 61
    static let sslCACertificateBadFile: Int32 = 77
}
