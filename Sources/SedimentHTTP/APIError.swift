import Foundation
import Hummingbird
import NIOCore
import Sediment

/// What an API route answers when it cannot: a status and a JSON body naming what was
/// wrong (`{"error": "...", "parameter": "from"}`), never a stack trace or a path outside
/// the archive.
struct APIError: Error, HTTPResponseError {
    var status: HTTPResponse.Status
    var message: String
    var parameter: String?

    static func badParameter(_ name: String, _ message: String) -> APIError {
        APIError(status: .badRequest, message: message, parameter: name)
    }

    /// A library error as the API shows it: not found → 404, a bad argument → 400, the
    /// rest 500 with its message (which names settings and archive-relative paths only).
    init(_ error: any Error) {
        if let error = error as? APIError {
            self = error
            return
        }
        guard let error = error as? SedimentError else {
            self.init(status: .internalServerError, message: "internal error", parameter: nil)
            return
        }
        switch error.code {
        case .notFound: self.init(status: .notFound, message: error.message, parameter: nil)
        case .invalidArgument, .invalidInput: self.init(status: .badRequest, message: error.message, parameter: nil)
        default: self.init(status: .internalServerError, message: error.message, parameter: nil)
        }
    }

    init(status: HTTPResponse.Status, message: String, parameter: String?) {
        self.status = status
        self.message = message
        self.parameter = parameter
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var body: [String: String] = ["error": message]
        if let parameter { body["parameter"] = parameter }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(body))))
    }
}
