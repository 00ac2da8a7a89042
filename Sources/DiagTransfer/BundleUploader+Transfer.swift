import DiagSupport
import Foundation

extension BundleUploader {
    /// The maximum number of consecutive failed requests retried within one run. A later run
    /// resumes from the receiver's offset.
    static let maximumRetries = 3

    /// Runs the protocol: ask the offset, create the upload when the receiver has none, send the
    /// remaining chunks, complete, and compare the acknowledged SHA-256 with the one sent.
    func transfer(_ plan: Plan) async throws -> Result {
        let sealed = plan.bundle
        let destination = plan.destination
        let transport = UploadTransport(
            requestTimeout: requestTimeout, tls: try tlsFiles(), useEnvironmentProxy: !destination.isLoopback)
        let id = sealed.sha256

        var offset = try await startingOffset(transport, plan: plan)
        let resumedFrom = offset
        if offset > 0 && offset < sealed.size {
            progress("resuming at byte \(offset) of \(sealed.size)")
        }

        guard let file = FileHandle(forReadingAtPath: sealed.file.path) else {
            throw DiagError.noInput("cannot read \(sealed.file.path): permission denied or no such file")
        }
        defer { try? file.close() }

        var chunks = 0
        var failures = 0
        while offset < sealed.size {
            if let limit = stopAfterChunks, chunks >= limit {
                throw TransferError.stoppedAfterChunks(count: chunks, offset: offset)
            }
            try file.seek(toOffset: UInt64(offset))
            let chunk = try file.read(upToCount: Int(min(Int64(chunkBytes), sealed.size - offset))) ?? Data()
            guard !chunk.isEmpty else {
                throw DiagError.io("\(sealed.file.path) ended at byte \(offset), before its size of \(sealed.size) bytes; it changed while being sent")
            }

            do {
                let (status, response) = try await transport.sendJSON(
                    "PATCH", destination.uploadURL(id), headers: [UploadProtocol.offsetHeader: String(offset)], body: chunk,
                    passing: [409])
                guard let next = response["offset"]?.intValue, next >= 0, next <= sealed.size else {
                    throw TransferError.transferFailed(reason: "the receiver's response to a chunk has no valid offset")
                }
                if status == 409 {
                    progress("the receiver is at byte \(next), continuing from there")
                } else {
                    chunks += 1
                }
                offset = next
                failures = 0
            } catch TransferError.transferFailed(let reason) {
                failures += 1
                guard failures <= Self.maximumRetries else { throw TransferError.transferFailed(reason: reason) }
                progress("chunk at byte \(offset) failed (\(reason)); retry \(failures) of \(Self.maximumRetries)")
                try await Task.sleep(nanoseconds: UInt64(failures) * 500_000_000)
                offset = try await startingOffset(transport, plan: plan)
            }
        }

        let (_, outcome) = try await transport.sendJSON("POST", destination.uploadURL(id, suffix: "/complete"), body: Data("{}".utf8))
        let acknowledged = outcome["sha256"]?.stringValue ?? ""
        guard acknowledged == id else {
            throw TransferError.acknowledgementMismatch(sent: id, acknowledged: acknowledged.isEmpty ? "(none)" : acknowledged)
        }
        return Result(
            sha256: id, acknowledgedSHA256: acknowledged, region: outcome["region"]?.stringValue ?? "",
            stored: outcome["stored"]?.stringValue ?? "", bytes: sealed.size, resumedFrom: resumedFrom)
    }

    /// Asks the receiver how many bytes of this upload it has, creating the upload when it has none.
    func startingOffset(_ transport: UploadTransport, plan: Plan) async throws -> Int64 {
        let sealed = plan.bundle
        let url = plan.destination.uploadURL(sealed.sha256)
        let (status, current) = try await transport.sendJSON("GET", url, passing: [404])
        if status == 200 {
            guard current["size"]?.intValue == sealed.size, let offset = current["offset"]?.intValue, offset >= 0, offset <= sealed.size
            else {
                throw TransferError.transferFailed(reason: "the receiver has a staged upload \(sealed.sha256) with a different size")
            }
            return offset
        }

        let request: JSONValue = [
            "name": .string(sealed.file.lastPathComponent), "size": .int(sealed.size), "signature": .string(sealed.signatureText),
        ]
        let (_, created) = try await transport.sendJSON(
            "POST", url, headers: ["Content-Type": "application/json"], body: request.serialized(pretty: false))
        guard let offset = created["offset"]?.intValue, offset >= 0, offset <= sealed.size else {
            throw TransferError.transferFailed(reason: "the receiver created the upload without a valid offset")
        }
        return offset
    }
}
