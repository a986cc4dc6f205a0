import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

extension HTTPObjectStore {
    /// Where a request goes: the URL to send, the `host` header, and the path twice,
    /// percent-encoded (SigV4 and the wire) and decoded (COS's signature).
    struct Address {
        var url: String
        var host: String
        var encodedPath: String
        var decodedPath: String
    }

    func address(for request: StoreRequest) -> Address {
        let endpoint = target.endpoint!
        let scheme = endpoint.scheme ?? "https"
        // An endpoint that already names the bucket's own host is used as it is.
        let endpointHost = endpoint.host!
        let host = target.pathStyle || endpointHost.hasPrefix(target.bucket + ".") ? endpointHost : target.bucket + "." + endpointHost
        let defaultPort = scheme == "https" ? 443 : 80
        let hostHeader = host + (endpoint.port.map { $0 == defaultPort ? "" : ":\($0)" } ?? "")
        var path = target.pathStyle ? "/" + target.bucket : ""
        if let key = request.key { path += "/" + target.fullKey(key) } else if path.isEmpty { path = "/" }
        let encodedPath = URIEncoding.encodePath(path)
        var url = "\(scheme)://\(hostHeader)\(encodedPath)"
        if !request.query.isEmpty {
            url += "?" + request.query.map { name, value in
                value.isEmpty ? URIEncoding.encode(name) : URIEncoding.encode(name) + "=" + URIEncoding.encode(value)
            }.joined(separator: "&")
        }
        return Address(url: url, host: hostHeader, encodedPath: encodedPath, decodedPath: path)
    }

    /// Sends `request` until it succeeds, fails for good, or the retry policy gives up.
    ///
    /// `recover` runs before a retry that follows a transport failure, when the first
    /// attempt may have taken effect although its reply was lost; a reply it returns
    /// ends the operation as a success.
    func perform(
        _ request: StoreRequest, operation: String, maxReplyBytes: Int? = nil,
        recover: (@Sendable (ObjectStoreError) async throws -> StoreReply?)? = nil
    ) async throws -> StoreReply {
        var attempt = 1
        var slept = Duration.zero
        while true {
            do {
                return try await send(request, operation: operation, maxReplyBytes: maxReplyBytes ?? configuration.maxReplyBytes)
            } catch let error as ObjectStoreError {
                guard error.isRetriable, !Task.isCancelled,
                    let delay = configuration.retry.delay(afterAttempt: attempt, sleptSoFar: slept)
                else {
                    throw error
                }
                logger.warning(
                    "object store request failed, will retry",
                    metadata: ["error": "\(error)", "attempt": "\(attempt)", "backoff": "\(delay)"])
                try await Task.sleep(for: delay)
                slept += delay
                attempt += 1
                if error.code == .transport, let recover, let reply = try await recover(error) {
                    logger.info("object store request had succeeded before its reply was lost", metadata: ["operation": "\(operation)"])
                    return reply
                }
            }
        }
    }

    /// One attempt: address, sign, send, read the reply (up to `maxReplyBytes`).
    func send(_ request: StoreRequest, operation: String, maxReplyBytes: Int) async throws -> StoreReply {
        let response = try await start(request, operation: operation)
        do {
            let body = try await response.body.collect(upTo: maxReplyBytes)
            return StoreReply(status: Int(response.status.code), headers: response.headers, body: body)
        } catch let error as NIOTooManyBytesError {
            throw self.error(
                .invalidArgument, operation: operation, key: request.key,
                message: "reply is larger than the \(maxReplyBytes) bytes allowed", underlying: error)
        } catch {
            throw self.transportError(error, operation: operation, key: request.key)
        }
    }

    /// Sends the request and returns the response once its head says success; a
    /// failure status is turned into an `ObjectStoreError` from its XML body.
    ///
    /// A request refused for its credentials (an expired token, an unknown key) asks the
    /// provider to refresh them and, if that gives others, is sent once more with those:
    /// temporary credentials expire in the middle of long runs, and whoever renews them
    /// (a helper command, a rewritten file) may already have done so.
    func start(_ request: StoreRequest, operation: String) async throws -> HTTPClientResponse {
        let signing = try await credentials.credentials()
        do {
            return try await start(request, operation: operation, signedWith: signing)
        } catch let error as ObjectStoreError where error.refusesCredentials {
            let fresh = try await credentials.refresh(rejected: signing)
            guard fresh != signing else { throw error }
            logger.info(
                "object store refused the credentials; sending once more with refreshed ones",
                metadata: ["operation": "\(operation)", "error": "\(error.serverCode ?? "")"])
            return try await start(request, operation: operation, signedWith: fresh)
        }
    }

    private func start(_ request: StoreRequest, operation: String, signedWith credentials: Credentials) async throws -> HTTPClientResponse {
        let address = address(for: request)
        var headers = request.headers
        headers.append(("host", address.host))
        signer.sign(
            method: request.method.rawValue, encodedPath: address.encodedPath, decodedPath: address.decodedPath,
            query: request.query, headers: &headers, body: request.body, bodyLength: request.bodyLength,
            credentials: credentials, now: Date())

        var http = HTTPClientRequest(url: address.url)
        http.method = request.method
        for (name, value) in headers { http.headers.add(name: name, value: value) }
        switch request.body {
        case .none: break
        case .data(let data): http.body = .bytes(ByteBuffer(bytes: data))
        case .payload(let payload):
            switch payload.source {
            case .bytes(let data): http.body = .bytes(ByteBuffer(bytes: data))
            case .file(let path, let offset, let length):
                http.body = .stream(FileChunkSequence(path: path, offset: offset, length: length), length: .known(length))
            }
        }

        let response: HTTPClientResponse
        do {
            let timeout = TimeAmount.nanoseconds(RetryPolicy.nanoseconds(configuration.requestTimeout))
            response = try await client.execute(http, timeout: timeout, logger: logger)
        } catch {
            throw transportError(error, operation: operation, key: request.key)
        }
        let status = Int(response.status.code)
        logger.debug(
            "object store request",
            metadata: ["operation": "\(operation)", "key": "\(request.key ?? "")", "status": "\(status)"])
        guard (200..<300).contains(status) else {
            let body = (try? await response.body.collect(upTo: 64 << 10)) ?? ByteBuffer()
            throw statusError(status: status, headers: response.headers, body: String(buffer: body), operation: operation, key: request.key)
        }
        return response
    }

    func statusError(status: Int, headers: HTTPHeaders, body: String, operation: String, key: String?) -> ObjectStoreError {
        let xml = XMLScanner(body)
        let serverCode = xml.value("Code") ?? (status == 404 && key != nil ? "NoSuchKey" : nil)
        let code: ObjectStoreError.Code
        switch serverCode {
        case "AccessDenied": code = .accessDenied
        case "SignatureDoesNotMatch": code = .signatureDoesNotMatch
        case "NoSuchBucket": code = .noSuchBucket
        case "NoSuchKey": code = .noSuchKey
        case "NoSuchUpload": code = .noSuchUpload
        case "SlowDown": code = .slowDown
        case "PreconditionFailed", "FileAlreadyExists", "ObjectAlreadyExists": code = .alreadyExists
        default: code = status == 412 ? .alreadyExists : .http(status)
        }
        let requestID = xml.value("RequestId") ?? headers.first(name: signer.headerPrefix + "request-id")
        var error = self.error(code, operation: operation, key: key)
        error.serverCode = serverCode
        error.serverMessage = xml.value("Message")
        error.httpStatus = status
        error.requestID = requestID
        return error
    }

    func transportError(_ error: any Error, operation: String, key: String?) -> ObjectStoreError {
        if let error = error as? ObjectStoreError { return error }
        return self.error(.transport, operation: operation, key: key, underlying: error)
    }

    func error(
        _ code: ObjectStoreError.Code, operation: String, key: String?, message: String = "",
        underlying: (any Error & Sendable)? = nil
    ) -> ObjectStoreError {
        ObjectStoreError(
            code, message: message, operation: operation, bucket: target.bucketDescription,
            key: key.map(target.fullKey), underlying: underlying)
    }
}
