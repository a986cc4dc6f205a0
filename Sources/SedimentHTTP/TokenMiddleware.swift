import Crypto
import Foundation
import Hummingbird
import NIOCore

/// `serve --token`: every route but `/healthz` needs the token, as `Authorization: Bearer
/// TOKEN` or the `sediment_token` cookie. A browser opens the console once with
/// `/?token=TOKEN`: the answer sets the cookie (HttpOnly, SameSite=Strict) and redirects to
/// `/`, so that neither the address bar nor later requests carry the token.
struct TokenMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let token: String
    static let cookie = "sediment_token"

    /// Tokens travel in a header and a cookie: visible ASCII without separators.
    static func isValid(_ token: String) -> Bool {
        !token.isEmpty && token.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && !"\",;\\".unicodeScalars.contains($0) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path == "/healthz" { return try await next(request, context) }
        if request.uri.path == "/", let given = request.uri.queryParameters.get("token") {
            guard matches(given) else { return unauthorized() }
            var response = Response(status: .seeOther, headers: [.location: "/"])
            response.setCookie(Cookie(name: Self.cookie, value: token, path: "/", httpOnly: true, sameSite: .strict))
            return response
        }
        let bearer = request.headers[.authorization].flatMap { header in
            header.hasPrefix("Bearer ") ? String(header.dropFirst(7)) : nil
        }
        guard let given = bearer ?? request.cookies[Self.cookie]?.value, matches(given) else { return unauthorized() }
        return try await next(request, context)
    }

    /// Compared as digests, so that the time taken says nothing of how much matched.
    private func matches(_ given: String) -> Bool {
        SHA256.hash(data: Data(given.utf8)) == SHA256.hash(data: Data(token.utf8))
    }

    private func unauthorized() -> Response {
        Response(
            status: .unauthorized, headers: [.contentType: "application/json", .wwwAuthenticate: "Bearer"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"error":"a token is required: Authorization: Bearer TOKEN, or open /?token=TOKEN once"}"#)))
    }
}
