import Foundation
package import Hummingbird
import Logging
import NIOCore

/// Stamps every response with the request ID and logs one access line per request:
/// method, path, status, duration, principal and client address — never a token, cookie or body byte.
package struct RequestLogMiddleware: RouterMiddleware {
    package typealias Context = PortalRequestContext

    package init() {}

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer {
            let elapsed = ContinuousClock.now - start
            let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            context.logger.info(
                "\(request.method) \(request.uri.path) \(status)",
                metadata: [
                    "http.method": .string(request.method.rawValue),
                    "http.path": .string(request.uri.path),
                    "http.status": .stringConvertible(status),
                    "duration_ms": .string(String(format: "%.2f", milliseconds)),
                    "principal": .string(context.state.principal ?? "-"),
                    "client": .string(context.remoteAddress ?? "-"),
                ])
        }
        do {
            var response = try await next(request, context)
            response.headers[.xOpenstackRequestID] = context.requestID
            status = response.status.code
            return response
        } catch {
            status = PresentableError(error).status.code
            throw error
        }
    }
}
