import DiagCrypto
import DiagSupport
import Foundation

/// The receiving side of `UploadProtocol`: stages chunks, and on completion accepts a bundle only
/// when its signature comes from a trusted key and its contents match its manifest, storing it as
/// `STORE/<region>/<name>` with `<name>.minisig` beside it.
public final class UploadReceiver: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var store: URL
        public var trustedKeys: TrustedKeys
        /// The largest bundle accepted, in bytes.
        public var maximumBytes: Int64
        /// An age identity (`AGE-SECRET-KEY-1…` text) for checking encrypted bundles; without one
        /// encrypted uploads are rejected, because their manifest cannot be read.
        public var ageIdentity: String?
        /// The most uploads staged at once; further create requests get 503.
        public var maximumPendingUploads: Int
        public var log: @Sendable (String) -> Void

        public init(
            store: URL, trustedKeys: TrustedKeys, maximumBytes: Int64 = 256 << 20, ageIdentity: String? = nil,
            maximumPendingUploads: Int = 32, log: @escaping @Sendable (String) -> Void = { _ in }
        ) {
            self.store = store
            self.trustedKeys = trustedKeys
            self.maximumBytes = maximumBytes
            self.ageIdentity = ageIdentity
            self.maximumPendingUploads = maximumPendingUploads
            self.log = log
        }
    }

    public let configuration: Configuration
    let staging: StagingArea
    private let lock = NSLock()
    private var uploadLocks: [String: NSLock] = [:]

    /// Creates the store (mode 0700) and its staging folder.
    public init(configuration: Configuration) throws {
        self.configuration = configuration
        try SecureFiles.createDirectory(at: configuration.store, mode: 0o700)
        staging = try StagingArea(store: configuration.store)
    }

    /// Binds `address`, starts serving, and logs the start; call `stop` on the result to end it.
    public func listen(on address: ListenAddress, limits: HTTPServer.Limits = HTTPServer.Limits()) throws -> HTTPServer {
        let server = try HTTPServer(
            address: address, limits: limits, bodyLimit: { [self] in bodyLimit(for: $0) }, handler: { [self] in handle($0) })
        server.start()
        let shown = address.isIPv6 ? "[\(address.host)]:\(server.port)" : "\(address.host):\(server.port)"
        configuration.log(
            "started: listening on \(shown), store \(configuration.store.path), \(configuration.trustedKeys.keys.count) trusted keys, max \(configuration.maximumBytes) bytes")
        return server
    }

    /// Splits a target into an upload id and whether it ends in `/complete`, or nil for other paths.
    static func route(_ path: Substring) -> (id: String, complete: Bool)? {
        let prefix = UploadProtocol.uploadsPath + "/"
        guard path.hasPrefix(prefix) else { return nil }
        var rest = path.dropFirst(prefix.count)
        var complete = false
        if rest.hasSuffix("/complete") {
            rest = rest.dropLast("/complete".count)
            complete = true
        }
        let id = String(rest)
        return UploadProtocol.isUploadID(id) ? (id, complete) : nil
    }

    /// The largest body each request may carry, or an immediate response for unknown paths and methods.
    public func bodyLimit(for head: HTTPRequestHead) -> Result<Int, HTTPResponse> {
        guard let route = Self.route(head.path) else {
            return .failure(.error(404, "unknown path; uploads go to \(UploadProtocol.uploadsPath)/<sha256>"))
        }
        switch (head.method, route.complete) {
        case ("GET", false), ("HEAD", false): return .success(0)
        case ("POST", _): return .success(UploadProtocol.maximumJSONBytes)
        case ("PATCH", false): return .success(UploadProtocol.maximumChunkBytes)
        default: return .failure(.error(405, "method \(head.method) is not allowed on \(head.path)"))
        }
    }

    /// Answers one request; requests for the same upload id run one at a time.
    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        guard let route = Self.route(request.head.path) else { return .error(404, "unknown path") }
        let uploadLock = lock(for: route.id)
        uploadLock.lock()
        defer { uploadLock.unlock() }

        switch (request.head.method, route.complete) {
        case ("GET", false), ("HEAD", false): return status(route.id)
        case ("POST", false): return create(route.id, body: request.body)
        case ("PATCH", false): return append(route.id, request: request)
        case ("POST", true): return complete(route.id)
        default: return .error(405, "method \(request.head.method) is not allowed on \(request.head.path)")
        }
    }

    private func lock(for id: String) -> NSLock {
        lock.lock()
        defer { lock.unlock() }
        if let existing = uploadLocks[id] { return existing }
        let created = NSLock()
        uploadLocks[id] = created
        return created
    }

    func status(_ id: String) -> HTTPResponse {
        if let outcome = staging.accepted(id), let size = outcome["size"] {
            return .json(200, ["offset": size, "size": size, "name": outcome["name"] ?? .null, "state": "accepted"])
        }
        guard let declaration = staging.declaration(id), let offset = staging.offset(id) else {
            return .error(404, "no upload \(id) is staged")
        }
        return .json(
            200, ["offset": .int(offset), "size": .int(declaration.size), "name": .string(declaration.name), "state": "receiving"])
    }

    func create(_ id: String, body: Data) -> HTTPResponse {
        guard let request = try? JSONValue.parse(body), let name = request["name"]?.stringValue,
            let size = request["size"]?.intValue
        else {
            return .error(400, "expected a JSON body with name, size and signature")
        }
        guard let signatureText = request["signature"]?.stringValue, !signatureText.isEmpty else {
            return reject(id, region: nil, status: 422, "the upload has no minisign signature; send the bundle with its .minisig")
        }
        guard UploadProtocol.isBundleFileName(name) else {
            return reject(id, region: nil, status: 400, "invalid bundle file name '\(name.prefix(80))'; expected NAME.tar.gz or NAME.tar.gz.age")
        }
        guard size > 0 else { return reject(id, region: nil, status: 400, "invalid size \(size); a bundle is never empty") }
        guard size <= configuration.maximumBytes else {
            return reject(
                id, region: nil, status: 413,
                "the bundle has \(size) bytes, more than this receiver's limit of \(configuration.maximumBytes) bytes (--max-bytes)")
        }
        let signature: MinisignSignature
        do {
            signature = try MinisignSignature(text: signatureText)
        } catch {
            return reject(id, region: nil, status: 422, "the signature is invalid: \(error.operatorMessage)")
        }
        guard configuration.trustedKeys.key(for: signature) != nil else {
            return reject(
                id, region: nil, status: 403,
                "the bundle is signed by key \(signature.keyIDText), which is not among this receiver's trusted keys")
        }

        if let outcome = staging.accepted(id) {
            return .json(200, ["offset": .int(size), "state": "accepted", "stored": outcome["stored"] ?? .null])
        }
        let declaration = StagingArea.Declaration(name: name, size: size, signature: signatureText)
        if let existing = staging.declaration(id), let offset = staging.offset(id) {
            guard existing == declaration else {
                return .error(409, "upload \(id) is staged with another name, size or signature; finish or discard that one first")
            }
            return .json(200, ["offset": .int(offset), "state": "receiving"])
        }
        guard staging.pendingCount() < configuration.maximumPendingUploads else {
            return .error(503, "the receiver already has \(configuration.maximumPendingUploads) unfinished uploads; retry later")
        }
        do {
            try staging.create(id, declaration: declaration)
        } catch {
            configuration.log("error: cannot stage upload sha256=\(id): \(error.operatorMessage)")
            return .error(500, "the receiver cannot stage the upload")
        }
        return .json(201, ["offset": 0, "state": "receiving"])
    }

    func append(_ id: String, request: HTTPRequest) -> HTTPResponse {
        guard let declaration = staging.declaration(id), let current = staging.offset(id) else {
            return .error(404, "no upload \(id) is staged; create it first with POST")
        }
        guard let text = request.head.headers[UploadProtocol.offsetHeader.lowercased()], let offset = Int64(text) else {
            return .error(400, "missing or invalid \(UploadProtocol.offsetHeader) header")
        }
        guard offset == current else {
            return .json(409, ["error": .string("the upload is at byte \(current), not \(offset)"), "offset": .int(current)])
        }
        guard current + Int64(request.body.count) <= declaration.size else {
            return reject(id, region: nil, status: 413, "the chunk runs past the declared size of \(declaration.size) bytes", discard: true)
        }
        do {
            try staging.append(id, bytes: request.body)
        } catch {
            configuration.log("error: cannot write upload sha256=\(id): \(error.operatorMessage)")
            return .error(500, "the receiver cannot write the chunk")
        }
        return .json(200, ["offset": .int(current + Int64(request.body.count))])
    }

    /// Logs a rejected upload and returns the error response. With `discard`, the staged files are removed too.
    func reject(_ id: String, region: String?, status: Int, _ reason: String, discard: Bool = false) -> HTTPResponse {
        if discard { staging.discard(id) }
        configuration.log("rejected upload sha256=\(id) region=\(region ?? "-") reason=\(reason)")
        return .error(status, reason)
    }
}
