import Hummingbird
import Logging
import PortalAPI
import PortalAuth

/// Turns every thrown error into a response: the Glance JSON shape under the API prefixes, a
/// rendered page elsewhere. 4xx are logged at `.debug`, 5xx at `.error` with the details, which
/// are never shown to the caller.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = PortalRequestContext
    /// Renders an error page for browser requests.
    let renderPage: @Sendable (PresentableError, Request, PortalRequestContext) async -> Response

    static let apiPrefixes = ["/image", "/compute", "/object", "/audit", "/healthz", "/readyz"]

    static func isAPI(_ path: String) -> Bool {
        apiPrefixes.contains { path == $0 || path.hasPrefix($0 + "/") }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let presentable = PresentableError(error)
            if presentable.isServerError {
                context.logger.error("request failed", metadata: ["error": .string(String(reflecting: error))])
            } else {
                context.logger.debug("request refused", metadata: ["status": .stringConvertible(presentable.status.code), "reason": .string(presentable.message)])
            }
            if Self.isAPI(request.uri.path) {
                return APIErrorRenderer.response(for: presentable, requestID: context.requestID)
            }
            return await renderPage(presentable, request, context)
        }
    }
}
